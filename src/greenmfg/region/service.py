"""The regional view: what a regulator's jurisdiction reports, in totals, trends and rankings.

Every function works on the enterprises the caller may see (:func:`~greenmfg.orgs.access.
enterprise_filter`): a provincial regulator its province, a city regulator its city (and
industries), an admin everything. Regulators and admins only; anyone else gets
:class:`~greenmfg.orgs.access.Forbidden`.

Which results count
    The current result of every facility-period (``FacilityResult.current``). When a facility
    has an annual result (period ``YYYY``) and monthly results of the same year, the annual one
    counts and the months are left out, so nothing is counted twice. Totals, trends and the
    enterprise table are SQL aggregates (the same statements on SQLite and PostgreSQL).

Comparison with the previous year
    Like with like: the previous year's results count only for the periods the enterprise
    reported in the selected year (its annual result against the annual one, January against
    January …), so a year with three months of data is compared with the same three months.

Product intensities
    A product's intensity over a span is its output-weighted mean over facility-periods
    (:func:`~greenmfg.calc.aggregate.pool_intensities`). *Fastest-rising* compares the selected
    year with the one before (``year_over_year``) when the year is complete in the region (an
    annual result, or December data); otherwise the latest three months of the year with the same
    months a year earlier (``latest_3_months``). The answer names the basis and the periods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    distinct,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import Subquery

from greenmfg.accounting.models import FacilityResult, ResultProduct
from greenmfg.calc.aggregate import relative_change
from greenmfg.orgs.access import Forbidden, Principal, enterprise_filter
from greenmfg.orgs.models import Organisation
from greenmfg.refdata.vocabulary import Vocabulary, load_vocabulary

__all__ = [
    "BASES",
    "ENTERPRISE_SORTS",
    "EnterpriseFilters",
    "EnterprisePage",
    "EnterpriseRow",
    "FilterOption",
    "Group",
    "Names",
    "PeriodFigures",
    "ProductIntensity",
    "Reach",
    "RegionSummary",
    "RisingIntensities",
    "RisingIntensity",
    "TopEmitters",
    "Totals",
    "enterprises",
    "filter_options",
    "require_regional_access",
    "reach",
    "rising_intensities",
    "summary",
    "top_emitters",
]

#: the two ways fastest-rising intensities are compared (see the module docstring)
BASES = ("year_over_year", "latest_3_months")


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class Names:
    """A name in both languages (industry, city, province, product)."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over counted results [tce, tCO2e] and how many enterprises they come from."""

    energy_tce: float
    emissions_tco2e: float
    scope1_tco2e: float
    scope2_tco2e: float
    enterprises: int


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    period: str
    energy_tce: float
    emissions_tco2e: float
    enterprises: int


@dataclass(frozen=True, slots=True)
class Group:
    """Totals of one industry or one city in the selected year, with the like-for-like change."""

    key: str
    names: Names
    province: str | None
    totals: Totals
    previous_energy_tce: float | None
    previous_emissions_tco2e: float | None
    energy_change: float | None
    emissions_change: float | None


@dataclass(frozen=True, slots=True)
class RegionSummary:
    year: int | None
    years: list[int]
    #: enterprises the caller may see (reporting or not)
    enterprises_visible: int
    totals: Totals
    #: the previous year over the same periods (None: nothing comparable)
    previous: Totals | None
    energy_change: float | None
    emissions_change: float | None
    #: periods of the selected and the previous year, in order
    by_period: list[PeriodFigures]
    by_year: list[PeriodFigures]
    by_industry: list[Group]
    by_city: list[Group]


@dataclass(frozen=True, slots=True)
class ProductIntensity:
    product: str
    names: Names
    quantity: float
    unit: str | None
    energy_intensity: float | None
    energy_intensity_unit: str | None
    emission_intensity: float | None
    emission_intensity_unit: str | None


@dataclass(frozen=True, slots=True)
class EnterpriseRow:
    id: int
    code: str | None
    name: str
    name_en: str | None
    industry: str | None
    industry_names: Names
    province: str | None
    city: str | None
    city_names: Names
    reporting: bool
    periods: int
    energy_tce: float | None
    emissions_tco2e: float | None
    scope1_tco2e: float | None
    scope2_tco2e: float | None
    previous_energy_tce: float | None
    previous_emissions_tco2e: float | None
    energy_change: float | None
    emissions_change: float | None
    #: share of the visible region's emissions in the year (0–1)
    emissions_share: float | None
    #: the product with the most energy attributed to it in the year
    main_product: ProductIntensity | None


@dataclass(frozen=True, slots=True)
class EnterprisePage:
    year: int | None
    items: list[EnterpriseRow]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class TopEmitters:
    year: int | None
    total_emissions_tco2e: float
    items: list[EnterpriseRow]


@dataclass(frozen=True, slots=True)
class RisingIntensity:
    enterprise_id: int
    enterprise_code: str | None
    enterprise_name: str
    industry: str | None
    industry_names: Names
    city: str | None
    city_names: Names
    product: str
    product_names: Names
    metric: str
    unit: str | None
    current: float
    previous: float
    change: float
    energy_intensity: float | None
    previous_energy_intensity: float | None
    emission_intensity: float | None
    previous_emission_intensity: float | None


@dataclass(frozen=True, slots=True)
class RisingIntensities:
    year: int | None
    #: year_over_year or latest_3_months; None when there is no data for the year
    basis: str | None
    current_periods: list[str]
    previous_periods: list[str]
    metric: str
    note: str
    note_zh: str
    items: list[RisingIntensity] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EnterpriseFilters:
    industry: str | None = None
    city: str | None = None
    #: name, English name or code contains
    q: str | None = None
    #: only enterprises with results in the year (True), only without (False), all (None)
    reporting: bool | None = None


# ------------------------------------------------------------------------------ helpers


def require_regional_access(principal: Principal) -> None:
    """Only regulators and platform admins see regional views.

    Raises
    ------
    Forbidden
        Anyone else (enterprise users, evaluators), and tokens without the read scope.
    """
    if not (principal.is_regulator or principal.is_admin) or "read" not in principal.scopes:
        raise Forbidden("the regional view is for regulators and platform administrators",
                        "区域视图仅向监管部门和平台管理员开放")


def _counted() -> ColumnElement[bool]:
    """Current results, an annual result superseding the same facility's months of that year.

    Stored per result (``FacilityResult.counted``, kept by every write for the facility-years it
    touches), so a regional sum reads the counted results of its years through one index instead
    of probing every month for an annual result of its facility.
    """
    # "= true", not "IS true": PostgreSQL matches only the former against an index column
    return FacilityResult.counted == true()


def _comparable_previous(year: int) -> ColumnElement[bool]:
    """Results of ``year - 1`` whose period (annual, or the month) the enterprise reported in ``year``.

    The probe names the very period looked for (``year`` + the month part), so it is one lookup in
    ``ix_facility_results_enterprise_current_period`` per result, not a scan of the enterprise's year.
    """
    current = aliased(FacilityResult)
    same_period = literal(str(year), String()).concat(func.substr(FacilityResult.period, 5))
    return and_(
        FacilityResult.year == year - 1,
        select(current.id).where(
            current.enterprise_id == FacilityResult.enterprise_id, current.current.is_(True),
            current.period == same_period).exists())


def _results(visible: ColumnElement[bool]) -> Select[Any]:
    return (select().select_from(FacilityResult)
            .join(Organisation, Organisation.id == FacilityResult.enterprise_id)
            .where(visible, _counted()))


def _sum_if(column: Any, condition: ColumnElement[bool]) -> Any:
    # NULL (not 0) when no row matches: "no data" stays distinguishable from zero
    return func.sum(case((condition, column)))


def _float(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _optional(value: Any) -> float | None:
    return float(value) if value is not None else None


def _industry_names(vocabulary: Vocabulary, key: str | None) -> Names:
    record = vocabulary.industries.get(key or "")
    if record is None:
        return Names(key or "—", key or "—")
    return Names(record["name_zh"], record["name_en"])


def _city_names(vocabulary: Vocabulary, city: str | None) -> Names:
    record = vocabulary.city(city)
    if record is None:
        return Names(city or "—", city or "—")
    return Names(record["name_zh"], record["name_en"])


def _province_names(vocabulary: Vocabulary, code: str | None) -> Names:
    record = vocabulary.regions.get(code or "")
    if record is None:
        return Names(code or "—", code or "—")
    return Names(record["name_zh"], record["name_en"])


def _product_names(vocabulary: Vocabulary, key: str) -> Names:
    item = vocabulary.items.get(key)
    return Names(item.name_zh, item.name_en) if item is not None else Names(key, key)


def _years(session: Session, visible: ColumnElement[bool]) -> list[int]:
    """The years with counted results of visible enterprises, latest first.

    Walks the years down the covering index (one seek per year, whatever the number of results)
    and asks per year whether a visible enterprise has one, instead of reading every result.
    """
    years: list[int] = []
    below: int | None = None
    while True:
        query = select(func.max(FacilityResult.year)).where(_counted())
        if below is not None:
            query = query.where(FacilityResult.year < below)
        found = session.scalar(query)
        if found is None:
            return years
        below = int(found)
        if session.scalar(select(_results(visible).add_columns(FacilityResult.id)
                                 .where(FacilityResult.year == below).exists())):
            years.append(below)


def _resolve_year(session: Session, visible: ColumnElement[bool], year: int | None) -> tuple[int | None, list[int]]:
    """The year asked for (default: the latest with data) and, when no year was asked for, the years."""
    if year is not None:
        return year, []
    years = _years(session, visible)
    return (years[0] if years else None), years


# ------------------------------------------------------------------------------ summary


def _totals(session: Session, visible: ColumnElement[bool], *where: ColumnElement[bool]) -> Totals:
    row = session.execute(_results(visible).add_columns(
        func.sum(FacilityResult.energy_tce), func.sum(FacilityResult.total_tco2e),
        func.sum(FacilityResult.scope1_tco2e), func.sum(FacilityResult.scope2_tco2e),
        func.count(distinct(FacilityResult.enterprise_id))).where(*where)).one()
    return Totals(_float(row[0]), _float(row[1]), _float(row[2]), _float(row[3]), int(row[4] or 0))


def _by_period(session: Session, visible: ColumnElement[bool], column: Any,
               *where: ColumnElement[bool]) -> list[PeriodFigures]:
    rows = session.execute(_results(visible).add_columns(
        column, func.sum(FacilityResult.energy_tce), func.sum(FacilityResult.total_tco2e),
        func.count(distinct(FacilityResult.enterprise_id))).where(*where).group_by(column).order_by(column)).all()
    return [PeriodFigures(str(r[0]), _float(r[1]), _float(r[2]), int(r[3])) for r in rows]


def _groups(session: Session, visible: ColumnElement[bool], year: int, columns: Sequence[Any],
            vocabulary: Vocabulary, *, kind: str) -> list[Group]:
    # the year and the comparable previous periods in two grouped reads, each of one year through
    # the covering index (one read of both years made the planners walk the wide table instead)
    now = (_results(visible).add_columns(
        *columns, func.sum(FacilityResult.energy_tce), func.sum(FacilityResult.total_tco2e),
        func.sum(FacilityResult.scope1_tco2e), func.sum(FacilityResult.scope2_tco2e),
        func.count(distinct(FacilityResult.enterprise_id)))
        .where(FacilityResult.year == year).group_by(*columns))
    before = (_results(visible).add_columns(
        *columns, func.sum(FacilityResult.energy_tce), func.sum(FacilityResult.total_tco2e))
        .where(_comparable_previous(year)).group_by(*columns))
    previous_of = {tuple(row[:len(columns)]): tuple(row[len(columns):]) for row in session.execute(before)}
    groups = []
    for row in session.execute(now).all():
        keys, figures = tuple(row[:len(columns)]), tuple(row[len(columns):])
        figures += previous_of.get(keys, (None, None))
        totals = Totals(_float(figures[0]), _float(figures[1]), _float(figures[2]), _float(figures[3]),
                        int(figures[4]))
        prev_energy, prev_emissions = _optional(figures[5]), _optional(figures[6])
        if kind == "industry":
            names, province, key = _industry_names(vocabulary, keys[0]), None, keys[0] or ""
        else:
            names, province, key = _city_names(vocabulary, keys[1]), keys[0], keys[1] or ""
            if not keys[1]:
                province_names = _province_names(vocabulary, keys[0])
                names = Names(f"{province_names.zh}（未注明城市）", f"{province_names.en} (city not given)")
        groups.append(Group(key=key, names=names, province=province, totals=totals,
                            previous_energy_tce=prev_energy, previous_emissions_tco2e=prev_emissions,
                            energy_change=relative_change(totals.energy_tce, prev_energy),
                            emissions_change=relative_change(totals.emissions_tco2e, prev_emissions)))
    groups.sort(key=lambda g: (-g.totals.emissions_tco2e, g.key))
    return groups


def summary(session: Session, principal: Principal, *, year: int | None = None) -> RegionSummary:
    """Totals of the caller's region in ``year`` (default: the latest with data), with trends.

    Raises
    ------
    Forbidden
        The caller is not a regulator or admin.
    """
    require_regional_access(principal)
    visible = enterprise_filter(session, principal)
    vocabulary = load_vocabulary()
    years = _years(session, visible)
    year = year if year is not None else (years[0] if years else None)
    enterprises_visible = session.scalar(select(func.count()).select_from(Organisation).where(visible)) or 0
    empty = Totals(0.0, 0.0, 0.0, 0.0, 0)
    if year is None:
        return RegionSummary(None, years, enterprises_visible, empty, None, None, None, [], [], [], [])
    totals = _totals(session, visible, FacilityResult.year == year)
    previous = _totals(session, visible, _comparable_previous(year))
    has_previous = previous.enterprises > 0
    return RegionSummary(
        year=year, years=years, enterprises_visible=enterprises_visible, totals=totals,
        previous=previous if has_previous else None,
        energy_change=relative_change(totals.energy_tce, previous.energy_tce) if has_previous else None,
        emissions_change=(relative_change(totals.emissions_tco2e, previous.emissions_tco2e)
                          if has_previous else None),
        by_period=_by_period(session, visible, FacilityResult.period,
                             FacilityResult.year.in_([year, year - 1])),
        by_year=_by_period(session, visible, FacilityResult.year),
        by_industry=_groups(session, visible, year, [Organisation.industry], vocabulary, kind="industry"),
        by_city=_groups(session, visible, year, [Organisation.province, Organisation.city], vocabulary,
                        kind="city"),
    )


# -------------------------------------------------------------------------- enterprises

#: sort keys of the enterprise table → what they order by (a leading '-' is descending)
ENTERPRISE_SORTS = ("name", "code", "industry", "city", "energy", "emissions", "scope1", "scope2",
                    "energy_change", "emissions_change")


def _figures(visible: ColumnElement[bool], year: int) -> Subquery:
    """Per enterprise reporting in ``year``: its sums, periods and the comparable previous sums.

    Two grouped reads joined (the year; the previous year's comparable periods), each of one year
    through the covering index in enterprise order. Enterprises with results only in the previous
    year have nothing comparable (the comparison needs a period of ``year``): they are absent,
    like enterprises without results.
    """
    now = (_results(visible).add_columns(
        FacilityResult.enterprise_id.label("enterprise_id"),
        func.sum(FacilityResult.energy_tce).label("energy_tce"),
        func.sum(FacilityResult.total_tco2e).label("emissions_tco2e"),
        func.sum(FacilityResult.scope1_tco2e).label("scope1_tco2e"),
        func.sum(FacilityResult.scope2_tco2e).label("scope2_tco2e"),
        func.count(distinct(FacilityResult.period)).label("periods"))
        .where(FacilityResult.year == year).group_by(FacilityResult.enterprise_id).subquery("now"))
    before = (_results(visible).add_columns(
        FacilityResult.enterprise_id.label("enterprise_id"),
        func.sum(FacilityResult.energy_tce).label("previous_energy_tce"),
        func.sum(FacilityResult.total_tco2e).label("previous_emissions_tco2e"))
        .where(_comparable_previous(year)).group_by(FacilityResult.enterprise_id).subquery("before"))
    return (select(now, before.c.previous_energy_tce, before.c.previous_emissions_tco2e)
            .outerjoin(before, before.c.enterprise_id == now.c.enterprise_id).subquery("figures"))


def _filters(figures: Subquery, filters: EnterpriseFilters) -> list[ColumnElement[bool]]:
    where = _plain_filters(filters)
    if filters.reporting is True:
        where.append(figures.c.periods > 0)
    elif filters.reporting is False:
        where.append(or_(figures.c.periods.is_(None), figures.c.periods == 0))
    return where


def _order(figures: Subquery, sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in ENTERPRISE_SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(ENTERPRISE_SORTS)} (prefix - for descending)")
    energy_change = ((figures.c.energy_tce - figures.c.previous_energy_tce)
                     / func.nullif(figures.c.previous_energy_tce, 0))
    emissions_change = ((figures.c.emissions_tco2e - figures.c.previous_emissions_tco2e)
                        / func.nullif(figures.c.previous_emissions_tco2e, 0))
    column: Any = {
        "name": Organisation.name, "code": Organisation.code, "industry": Organisation.industry,
        "city": Organisation.city, "energy": figures.c.energy_tce, "emissions": figures.c.emissions_tco2e,
        "scope1": figures.c.scope1_tco2e, "scope2": figures.c.scope2_tco2e,
        "energy_change": energy_change, "emissions_change": emissions_change,
    }[key]
    # missing figures last in either direction, then a stable tie-break
    return [column.is_(None), column.desc() if descending else column.asc(), Organisation.id]


@dataclass
class _Pool:
    """One product of one enterprise over one year (or the periods asked for), pooled in SQL:
    how many product rows, the positive output and the output-weighted intensities (see
    :func:`~greenmfg.calc.aggregate.pool_intensities`)."""

    rows: int
    quantity: float
    energy_intensity: float | None
    emission_intensity: float | None


@dataclass
class _Series:
    """One product of one enterprise: its units and its pools by year."""

    unit: str | None
    energy_unit: str | None
    emission_unit: str | None
    years: dict[int, _Pool] = field(default_factory=dict)


def _products(session: Session, visible: ColumnElement[bool],
              *where: ColumnElement[bool]) -> dict[tuple[int, str], _Series]:
    """(enterprise id, product) → its series by year, from the product rows of counted results.

    Pooled in SQL per (enterprise, product, year) over the rows ``where`` selects: Σ(intensity ×
    output) / Σ output over the rows with an intensity and a positive output, the output summed
    over every row with a positive output.
    """
    p = ResultProduct
    positive = p.quantity > 0
    with_energy = and_(positive, p.energy_intensity.is_not(None))
    with_emission = and_(positive, p.emission_intensity.is_not(None))
    query = (_results(visible).join(p, p.result_id == FacilityResult.id).add_columns(
        FacilityResult.enterprise_id, p.product, FacilityResult.year, func.count(),
        func.sum(case((positive, p.quantity))),
        func.sum(case((with_energy, p.energy_intensity * p.quantity))), func.sum(case((with_energy, p.quantity))),
        func.sum(case((with_emission, p.emission_intensity * p.quantity))),
        func.sum(case((with_emission, p.quantity))),
        func.max(p.unit), func.max(p.energy_intensity_unit), func.max(p.emission_intensity_unit))
        .where(p.product != "", *where)
        .group_by(FacilityResult.enterprise_id, p.product, FacilityResult.year))
    out: dict[tuple[int, str], _Series] = {}
    for (enterprise_id, product, year, rows, quantity, energy, energy_weight, emission, emission_weight, unit,
         energy_unit, emission_unit) in session.execute(query):
        key = (int(enterprise_id), str(product))
        series = out.get(key)
        if series is None:
            series = out[key] = _Series(unit, energy_unit, emission_unit)
        series.years[int(year)] = _Pool(
            int(rows), _float(quantity),
            float(energy) / float(energy_weight) if energy_weight else None,
            float(emission) / float(emission_weight) if emission_weight else None)
    return out


def _main_products(session: Session, visible: ColumnElement[bool], year: int, enterprise_ids: list[int],
                   vocabulary: Vocabulary) -> dict[int, ProductIntensity]:
    """Per enterprise of one page (at most a page size of ids), the product with the most energy
    attributed to it in ``year``."""
    if not enterprise_ids:
        return {}
    best: dict[int, tuple[float, ProductIntensity]] = {}
    series_by_key = _products(session, visible, FacilityResult.year == year,
                              FacilityResult.enterprise_id.in_(enterprise_ids))
    for (enterprise_id, product), series in series_by_key.items():
        pool = series.years[year]
        attributed = (pool.energy_intensity or 0.0) * pool.quantity
        candidate = ProductIntensity(product=product, names=_product_names(vocabulary, product),
                                     quantity=pool.quantity, unit=series.unit, energy_intensity=pool.energy_intensity,
                                     energy_intensity_unit=series.energy_unit,
                                     emission_intensity=pool.emission_intensity,
                                     emission_intensity_unit=series.emission_unit)
        current = best.get(enterprise_id)
        if current is None or (attributed, product) > (current[0], current[1].product):
            best[enterprise_id] = (attributed, candidate)
    return {enterprise_id: value[1] for enterprise_id, value in best.items()}


def _rows(session: Session, visible: ColumnElement[bool], year: int, filters: EnterpriseFilters, sort: str,
          *, offset: int, limit: int, vocabulary: Vocabulary,
          region_emissions: float) -> tuple[list[EnterpriseRow], int]:
    figures = _figures(visible, year)
    where = [visible, *_filters(figures, filters)]
    base = select(Organisation).outerjoin(figures, figures.c.enterprise_id == Organisation.id).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    query = (select(Organisation, figures.c.energy_tce, figures.c.emissions_tco2e, figures.c.scope1_tco2e,
                    figures.c.scope2_tco2e, figures.c.periods, figures.c.previous_energy_tce,
                    figures.c.previous_emissions_tco2e)
             .outerjoin(figures, figures.c.enterprise_id == Organisation.id).where(*where)
             .order_by(*_order(figures, sort)).offset(offset).limit(limit))
    found = session.execute(query).all()
    products = _main_products(session, visible, year, [row[0].id for row in found], vocabulary)
    rows = []
    for org, energy, emissions, scope1, scope2, periods, prev_energy, prev_emissions in found:
        energy, emissions = _optional(energy), _optional(emissions)
        prev_energy, prev_emissions = _optional(prev_energy), _optional(prev_emissions)
        rows.append(EnterpriseRow(
            id=org.id, code=org.code, name=org.name, name_en=org.name_en, industry=org.industry,
            industry_names=_industry_names(vocabulary, org.industry), province=org.province, city=org.city,
            city_names=_city_names(vocabulary, org.city), reporting=bool(periods), periods=int(periods or 0),
            energy_tce=energy, emissions_tco2e=emissions, scope1_tco2e=_optional(scope1),
            scope2_tco2e=_optional(scope2), previous_energy_tce=prev_energy,
            previous_emissions_tco2e=prev_emissions, energy_change=relative_change(energy, prev_energy),
            emissions_change=relative_change(emissions, prev_emissions),
            emissions_share=(emissions / region_emissions if emissions is not None and region_emissions > 0
                             else None),
            main_product=products.get(org.id)))
    return rows, int(total)


def enterprises(session: Session, principal: Principal, *, year: int | None = None,
                filters: EnterpriseFilters | None = None, sort: str = "-emissions", page: int = 1,
                page_size: int = 50) -> EnterprisePage:
    """The caller's enterprises with their figures in ``year``, filtered, sorted and paginated.

    Enterprises without results in the year are listed too (``reporting`` false, figures None)
    unless ``filters.reporting`` says otherwise; missing figures sort last.

    Raises
    ------
    Forbidden
        The caller is not a regulator or admin.
    ValueError
        ``sort`` is not one of :data:`ENTERPRISE_SORTS` (with an optional leading ``-``).
    """
    require_regional_access(principal)
    visible = enterprise_filter(session, principal)
    vocabulary = load_vocabulary()
    year, _years_found = _resolve_year(session, visible, year)
    filters = filters or EnterpriseFilters()
    if year is None:
        where = [visible, *_plain_filters(filters)] if filters.reporting is not True else [false()]
        total = session.scalar(select(func.count()).select_from(Organisation).where(*where)) or 0
        orgs = session.execute(select(Organisation).where(*where).order_by(Organisation.name, Organisation.id)
                               .offset((page - 1) * page_size).limit(page_size)).scalars().all()
        items = [_no_data_row(o, vocabulary) for o in orgs]
        return EnterprisePage(None, items, int(total), page, page_size)
    region = _totals(session, visible, FacilityResult.year == year)
    items, total = _rows(session, visible, year, filters, sort, offset=(page - 1) * page_size, limit=page_size,
                         vocabulary=vocabulary, region_emissions=region.emissions_tco2e)
    return EnterprisePage(year, items, total, page, page_size)


def _plain_filters(filters: EnterpriseFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.industry:
        where.append(Organisation.industry == filters.industry)
    if filters.city:
        where.append(Organisation.city == filters.city)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        where.append(or_(Organisation.name.ilike(like), Organisation.name_en.ilike(like),
                         Organisation.code.ilike(like)))
    return where


def _no_data_row(org: Organisation, vocabulary: Vocabulary) -> EnterpriseRow:
    return EnterpriseRow(
        id=org.id, code=org.code, name=org.name, name_en=org.name_en, industry=org.industry,
        industry_names=_industry_names(vocabulary, org.industry), province=org.province, city=org.city,
        city_names=_city_names(vocabulary, org.city), reporting=False, periods=0, energy_tce=None,
        emissions_tco2e=None, scope1_tco2e=None, scope2_tco2e=None, previous_energy_tce=None,
        previous_emissions_tco2e=None, energy_change=None, emissions_change=None, emissions_share=None,
        main_product=None)


def top_emitters(session: Session, principal: Principal, *, year: int | None = None,
                 limit: int = 10) -> TopEmitters:
    """The ``limit`` enterprises with the highest emissions in ``year``, with their share.

    Raises
    ------
    Forbidden
        The caller is not a regulator or admin.
    """
    require_regional_access(principal)
    visible = enterprise_filter(session, principal)
    year, _years_found = _resolve_year(session, visible, year)
    if year is None:
        return TopEmitters(None, 0.0, [])
    region = _totals(session, visible, FacilityResult.year == year)
    items, _total = _rows(session, visible, year, EnterpriseFilters(reporting=True), "-emissions", offset=0,
                          limit=limit, vocabulary=load_vocabulary(), region_emissions=region.emissions_tco2e)
    return TopEmitters(year, region.emissions_tco2e, items)


# ------------------------------------------------------------------- rising intensities


def _basis(session: Session, visible: ColumnElement[bool], year: int) -> tuple[str, list[str], list[str]]:
    """The comparison basis of ``year`` and the periods compared (see the module docstring)."""
    periods = sorted(set(session.execute(
        _results(visible).add_columns(FacilityResult.period).where(FacilityResult.year == year).distinct()
    ).scalars()))
    months = [p for p in periods if len(p) == 7]
    complete = any(len(p) == 4 for p in periods) or f"{year}-12" in months
    if complete or not months:
        return "year_over_year", [str(year)], [str(year - 1)]
    latest = months[-3:]
    return "latest_3_months", latest, [f"{year - 1}{p[4:]}" for p in latest]


def rising_intensities(session: Session, principal: Principal, *, year: int | None = None, limit: int = 10,
                       metric: str = "energy") -> RisingIntensities:
    """Product intensities that rose fastest in ``year``, largest relative rise first.

    Parameters
    ----------
    metric
        ``energy`` (unit energy consumption, e.g. [kgce/t]) or ``emission`` ([tCO2e/t]).

    Returns
    -------
    RisingIntensities
        Only rises (change > 0) are listed; ``basis`` says how the periods were compared.

    Raises
    ------
    Forbidden
        The caller is not a regulator or admin.
    ValueError
        Unknown ``metric``.
    """
    if metric not in ("energy", "emission"):
        raise ValueError(f"metric must be energy or emission, not {metric!r}")
    require_regional_access(principal)
    visible = enterprise_filter(session, principal)
    vocabulary = load_vocabulary()
    year, _years_found = _resolve_year(session, visible, year)
    if year is None:
        return RisingIntensities(None, None, [], [], metric, "No results yet", "暂无核算结果")
    basis, current_periods, previous_periods = _basis(session, visible, year)
    if basis == "year_over_year":
        note = f"Intensities of {year} compared with {year - 1} (output-weighted over each year)"
        note_zh = f"{year} 年与 {year - 1} 年单位产品强度对比（按产量加权）"
        series = _products(session, visible, FacilityResult.year.in_([year, year - 1]))
    else:
        span = f"{current_periods[0]}…{current_periods[-1]}" if len(current_periods) > 1 else current_periods[0]
        span_prev = (f"{previous_periods[0]}…{previous_periods[-1]}" if len(previous_periods) > 1
                     else previous_periods[0])
        note = (f"Only monthly data for {year}: the latest {len(current_periods)} month(s) ({span}) compared with "
                f"the same months a year earlier ({span_prev})")
        note_zh = (f"{year} 年仅有月度数据：最近 {len(current_periods)} 个月（{span}）与上年同期（{span_prev}）对比")
        # at most three months and the same three a year earlier: each window is one year's pool
        series = _products(session, visible, FacilityResult.period.in_(current_periods + previous_periods))

    rises: list[tuple[float, int, str, _Series, _Pool, _Pool]] = []
    for (enterprise_id, product), s in series.items():
        now, before = s.years.get(year), s.years.get(year - 1)
        if now is None or before is None or not now.rows or not before.rows:
            continue
        current, previous = ((now.energy_intensity, before.energy_intensity) if metric == "energy"
                             else (now.emission_intensity, before.emission_intensity))
        change = relative_change(current, previous)
        if change is None or change <= 0 or current is None or previous is None:
            continue
        rises.append((change, enterprise_id, product, s, now, before))
    rises.sort(key=lambda r: (-r[0], r[1], r[2]))
    rises = rises[:limit]
    # names of the listed enterprises only (at most ``limit``)
    names = {o.id: o for o in session.execute(select(Organisation).where(
        Organisation.id.in_(sorted({r[1] for r in rises})))).scalars()} if rises else {}
    items: list[RisingIntensity] = []
    for change, enterprise_id, product, s, now, before in rises:
        org = names[enterprise_id]
        current, previous = ((now.energy_intensity, before.energy_intensity) if metric == "energy"
                             else (now.emission_intensity, before.emission_intensity))
        assert current is not None and previous is not None
        items.append(RisingIntensity(
            enterprise_id=enterprise_id, enterprise_code=org.code, enterprise_name=org.name,
            industry=org.industry, industry_names=_industry_names(vocabulary, org.industry), city=org.city,
            city_names=_city_names(vocabulary, org.city), product=product,
            product_names=_product_names(vocabulary, product), metric=metric,
            unit=s.energy_unit if metric == "energy" else s.emission_unit, current=current, previous=previous,
            change=change, energy_intensity=now.energy_intensity, previous_energy_intensity=before.energy_intensity,
            emission_intensity=now.emission_intensity, previous_emission_intensity=before.emission_intensity))
    return RisingIntensities(year, basis, current_periods, previous_periods, metric, note, note_zh, items)


# ------------------------------------------------------------------------------ filters


@dataclass(frozen=True, slots=True)
class FilterOption:
    value: str
    names: Names
    count: int


def filter_options(session: Session, principal: Principal) -> tuple[list[FilterOption], list[FilterOption]]:
    """Industries and cities among the caller's enterprises (for the table's filter menus)."""
    require_regional_access(principal)
    visible = enterprise_filter(session, principal)
    vocabulary = load_vocabulary()
    industries = [FilterOption(str(key), _industry_names(vocabulary, key), int(n)) for key, n in session.execute(
        select(Organisation.industry, func.count()).where(visible, Organisation.industry.is_not(None))
        .group_by(Organisation.industry).order_by(Organisation.industry))]
    cities = [FilterOption(str(city), _city_names(vocabulary, city), int(n)) for city, n in session.execute(
        select(Organisation.city, func.count()).where(visible, Organisation.city.is_not(None))
        .group_by(Organisation.city).order_by(Organisation.city))]
    return industries, cities


# -------------------------------------------------------------------------------- reach


@dataclass(frozen=True, slots=True)
class Reach:
    """A regulator organisation of the caller and the areas it covers, described in both languages."""

    organisation: Names
    areas: list[Names]


def reach(session: Session, principal: Principal) -> list[Reach]:
    """What the caller's regulator memberships cover (empty for admins without one)."""
    vocabulary = load_vocabulary()
    regulator_ids = [m.organisation_id for m in principal.memberships if m.kind == "regulator"]
    if not regulator_ids:
        return []
    out = []
    for org in session.execute(select(Organisation).where(Organisation.id.in_(regulator_ids))
                               .order_by(Organisation.id)).scalars():
        areas = []
        for j in org.jurisdictions:
            province = _province_names(vocabulary, j.province)
            zh, en = [province.zh], [province.en]
            if j.city:
                city = _city_names(vocabulary, j.city)
                zh.append(city.zh)
                en.append(city.en)
            if j.industries:
                names = [_industry_names(vocabulary, key) for key in j.industries]
                zh.append("、".join(n.zh for n in names))
                en.append(", ".join(n.en for n in names))
            areas.append(Names(" · ".join(zh), " · ".join(en)))
        out.append(Reach(Names(org.name, org.name_en or org.name), areas))
    return out
