"""The regional view: what a regulator's jurisdiction reports, in totals, trends and rankings.

Every function works on the enterprises the caller may see (:func:`~greenmfg.orgs.access.
enterprise_filter`): a provincial regulator its province, a city regulator its city (and
industries), an admin everything. Regulators and admins only; anyone else gets
:class:`~greenmfg.orgs.access.Forbidden`.

Which results count
    The current result of every facility-period (``FacilityResult.current``). When a facility
    has an annual result (period ``YYYY``) and monthly results of the same year, the annual one
    counts and the months are left out, so nothing is counted twice. Each enterprise's results of
    a year are summed in SQL (the same statements on SQLite and PostgreSQL) once per request by a
    :class:`RegionReader`; totals, groups by industry and city, the enterprise table (filtered,
    sorted, paginated) and the top emitters are derived from those sums.

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

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    distinct,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from greenmfg.accounting.models import FacilityResult, ResultProduct
from greenmfg.calc.aggregate import relative_change
from greenmfg.orgs.access import Principal, enterprise_filter, require_regulator
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
    "counted_results",
    "enterprises",
    "filter_options",
    "RegionReader",
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


def require_regional_access(session: Session, principal: Principal) -> None:
    """Only regulators and platform admins see regional views (the access policy's
    :func:`~greenmfg.orgs.access.require_regulator`).

    Raises
    ------
    Forbidden
        Anyone else (enterprise users, evaluators), and tokens without the read scope.
    """
    require_regulator(session, principal, write=False, admin=True,
                      message=("the regional view is for regulators and platform administrators",
                               "区域视图仅向监管部门和平台管理员开放"))


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


def counted_results(visible: ColumnElement[bool]) -> Select[Any]:
    """A select of the counted facility results (joined to their enterprise) that ``visible`` lets
    the caller see; the caller adds its columns. The base of every regional figure (and of the
    green-list targets, :mod:`greenmfg.greenlist.targets`)."""
    return (select().select_from(FacilityResult)
            .join(Organisation, Organisation.id == FacilityResult.enterprise_id)
            .where(visible, _counted()))


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
        if session.scalar(select(counted_results(visible).add_columns(FacilityResult.id)
                                 .where(FacilityResult.year == below).exists())):
            years.append(below)


# ------------------------------------------------------------------------------ summary


def _by_period(session: Session, visible: ColumnElement[bool], column: Any,
               *where: ColumnElement[bool]) -> list[PeriodFigures]:
    rows = session.execute(counted_results(visible).add_columns(
        column, func.sum(FacilityResult.energy_tce), func.sum(FacilityResult.total_tco2e),
        func.count(distinct(FacilityResult.enterprise_id))).where(*where).group_by(column).order_by(column)).all()
    return [PeriodFigures(str(r[0]), _float(r[1]), _float(r[2]), int(r[3])) for r in rows]


# ------------------------------------------------------------------------------- reader


@dataclass(frozen=True, slots=True)
class _Org:
    """A visible enterprise: what the regional views show of it."""

    id: int
    code: str | None
    name: str
    name_en: str | None
    industry: str | None
    province: str | None
    city: str | None


@dataclass(frozen=True, slots=True)
class _Sums:
    """One enterprise's counted results of a year (or its comparable previous periods), summed."""

    energy_tce: float
    emissions_tco2e: float
    scope1_tco2e: float
    scope2_tco2e: float
    periods: int


def _add(sums: list[_Sums]) -> Totals:
    return Totals(math.fsum(x.energy_tce for x in sums), math.fsum(x.emissions_tco2e for x in sums),
                  math.fsum(x.scope1_tco2e for x in sums), math.fsum(x.scope2_tco2e for x in sums), len(sums))


class RegionReader:
    """The regional views of one caller, each reading the stored results at most once.

    The summary, the enterprise table, the top emitters and the groups by industry and city all
    derive from the same two grouped reads per year (every visible enterprise's counted results of
    the year, and of its comparable previous periods: :func:`_comparable_previous`) and one read of
    the visible enterprises, so the ``/region`` page, which shows all of them, reads each once.
    Sums over enterprises are exact-rounded (:func:`math.fsum`): the order in which the database
    returns the enterprises does not change a total.

    Raises
    ------
    Forbidden
        On construction: the caller is not a regulator or admin.
    """

    def __init__(self, session: Session, principal: Principal) -> None:
        require_regional_access(session, principal)
        self.session = session
        self.principal = principal
        self.visible = enterprise_filter(session, principal)
        self.vocabulary = load_vocabulary()
        self._years: list[int] | None = None
        self._orgs: dict[int, _Org] | None = None
        self._now: dict[int, dict[int, _Sums]] = {}
        self._before: dict[int, dict[int, _Sums]] = {}
        self._totals: dict[int, Totals] = {}

    # -- what is read

    def years(self) -> list[int]:
        """The years with counted results of visible enterprises, latest first."""
        if self._years is None:
            self._years = _years(self.session, self.visible)
        return self._years

    def resolve(self, year: int | None) -> int | None:
        """The year asked for, or the latest with data."""
        if year is not None:
            return year
        years = self.years()
        return years[0] if years else None

    def orgs(self) -> dict[int, _Org]:
        """The visible enterprises by id."""
        if self._orgs is None:
            o = Organisation
            self._orgs = {row[0]: _Org(*row) for row in self.session.execute(
                select(o.id, o.code, o.name, o.name_en, o.industry, o.province, o.city).where(self.visible)
                .order_by(o.id))}
        return self._orgs

    def _grouped(self, *where: ColumnElement[bool]) -> dict[int, _Sums]:
        rows = self.session.execute(counted_results(self.visible).add_columns(
            FacilityResult.enterprise_id, func.sum(FacilityResult.energy_tce), func.sum(FacilityResult.total_tco2e),
            func.sum(FacilityResult.scope1_tco2e), func.sum(FacilityResult.scope2_tco2e),
            func.count(distinct(FacilityResult.period))).where(*where).group_by(FacilityResult.enterprise_id))
        return {int(r[0]): _Sums(_float(r[1]), _float(r[2]), _float(r[3]), _float(r[4]), int(r[5])) for r in rows}

    def now(self, year: int) -> dict[int, _Sums]:
        """Per enterprise with counted results in ``year``: their sums and number of periods."""
        if year not in self._now:
            self._now[year] = self._grouped(FacilityResult.year == year)
        return self._now[year]

    def before(self, year: int) -> dict[int, _Sums]:
        """Per enterprise: its results of ``year - 1`` in the periods it reported in ``year``."""
        if year not in self._before:
            self._before[year] = self._grouped(_comparable_previous(year))
        return self._before[year]

    def totals(self, year: int) -> Totals:
        """The sums of every visible enterprise's counted results of ``year``."""
        if year not in self._totals:
            self._totals[year] = _add(list(self.now(year).values()))
        return self._totals[year]

    # -- the views

    def summary(self, *, year: int | None = None) -> RegionSummary:
        """See :func:`summary`."""
        years = self.years()
        year = self.resolve(year)
        orgs = self.orgs()
        empty = Totals(0.0, 0.0, 0.0, 0.0, 0)
        if year is None:
            return RegionSummary(None, years, len(orgs), empty, None, None, None, [], [], [], [])
        totals = self.totals(year)
        previous = _add(list(self.before(year).values()))
        has_previous = previous.enterprises > 0
        return RegionSummary(
            year=year, years=years, enterprises_visible=len(orgs), totals=totals,
            previous=previous if has_previous else None,
            energy_change=relative_change(totals.energy_tce, previous.energy_tce) if has_previous else None,
            emissions_change=(relative_change(totals.emissions_tco2e, previous.emissions_tco2e)
                              if has_previous else None),
            by_period=_by_period(self.session, self.visible, FacilityResult.period,
                                 FacilityResult.year.in_([year, year - 1])),
            by_year=_by_period(self.session, self.visible, FacilityResult.year),
            by_industry=self._groups(year, lambda org: (org.industry,), kind="industry"),
            by_city=self._groups(year, lambda org: (org.province, org.city), kind="city"),
        )

    def _groups(self, year: int, key_of: Any, *, kind: str) -> list[Group]:
        orgs = self.orgs()
        now: dict[tuple[Any, ...], list[_Sums]] = {}
        before: dict[tuple[Any, ...], list[_Sums]] = {}
        for enterprise_id, sums in self.now(year).items():
            now.setdefault(key_of(orgs[enterprise_id]), []).append(sums)
        for enterprise_id, sums in self.before(year).items():
            before.setdefault(key_of(orgs[enterprise_id]), []).append(sums)
        groups = []
        for keys, members in now.items():
            totals = _add(members)
            earlier = before.get(keys)
            prev_energy = math.fsum(x.energy_tce for x in earlier) if earlier else None
            prev_emissions = math.fsum(x.emissions_tco2e for x in earlier) if earlier else None
            if kind == "industry":
                names, province, key = _industry_names(self.vocabulary, keys[0]), None, keys[0] or ""
            else:
                names, province, key = _city_names(self.vocabulary, keys[1]), keys[0], keys[1] or ""
                if not keys[1]:
                    province_names = _province_names(self.vocabulary, keys[0])
                    names = Names(f"{province_names.zh}（未注明城市）", f"{province_names.en} (city not given)")
            groups.append(Group(key=key, names=names, province=province, totals=totals,
                                previous_energy_tce=prev_energy, previous_emissions_tco2e=prev_emissions,
                                energy_change=relative_change(totals.energy_tce, prev_energy),
                                emissions_change=relative_change(totals.emissions_tco2e, prev_emissions)))
        groups.sort(key=lambda g: (-g.totals.emissions_tco2e, g.key))
        return groups

    def _row(self, org: _Org, year: int, region_emissions: float,
             main_product: ProductIntensity | None) -> EnterpriseRow:
        now, before = self.now(year).get(org.id), self.before(year).get(org.id)
        energy = now.energy_tce if now else None
        emissions = now.emissions_tco2e if now else None
        prev_energy = before.energy_tce if before else None
        prev_emissions = before.emissions_tco2e if before else None
        return EnterpriseRow(
            id=org.id, code=org.code, name=org.name, name_en=org.name_en, industry=org.industry,
            industry_names=_industry_names(self.vocabulary, org.industry), province=org.province, city=org.city,
            city_names=_city_names(self.vocabulary, org.city), reporting=now is not None,
            periods=now.periods if now else 0, energy_tce=energy, emissions_tco2e=emissions,
            scope1_tco2e=now.scope1_tco2e if now else None, scope2_tco2e=now.scope2_tco2e if now else None,
            previous_energy_tce=prev_energy, previous_emissions_tco2e=prev_emissions,
            energy_change=relative_change(energy, prev_energy),
            emissions_change=relative_change(emissions, prev_emissions),
            emissions_share=(emissions / region_emissions if emissions is not None and region_emissions > 0
                             else None),
            main_product=main_product)

    def _sort_value(self, org: _Org, year: int, key: str) -> Any:
        now, before = self.now(year).get(org.id), self.before(year).get(org.id)
        if key in ("name", "code", "industry", "city"):
            return getattr(org, key)
        if now is None:
            return None
        if key in ("energy", "emissions", "scope1", "scope2"):
            return getattr(now, {"energy": "energy_tce", "emissions": "emissions_tco2e", "scope1": "scope1_tco2e",
                                 "scope2": "scope2_tco2e"}[key])
        if before is None:
            return None
        current, previous = ((now.energy_tce, before.energy_tce) if key == "energy_change"
                             else (now.emissions_tco2e, before.emissions_tco2e))
        # as in SQL: (current − previous) / NULLIF(previous, 0)
        return (current - previous) / previous if previous != 0 else None

    def _listed(self, year: int, filters: EnterpriseFilters, sort: str) -> list[_Org]:
        descending = sort.startswith("-")
        key = sort.lstrip("-")
        if key not in ENTERPRISE_SORTS:
            raise ValueError(f"unknown sort {sort!r}; one of {', '.join(ENTERPRISE_SORTS)} (prefix - for descending)")
        now = self.now(year)
        listed = [org for org in self.orgs().values() if self._plain_match(org, filters)
                  and (filters.reporting is None or (org.id in now) == filters.reporting)]
        # missing figures last in either direction, then a stable tie-break by id (orgs are in id order)
        valued = [(self._sort_value(org, year, key), org) for org in listed]
        # reverse=True keeps equal values in their (id) order: the SQL tie-break
        present = sorted((pair for pair in valued if pair[0] is not None), key=lambda pair: pair[0],
                         reverse=descending)
        return [org for _value, org in present] + [org for value, org in valued if value is None]

    def enterprises(self, *, year: int | None = None, filters: EnterpriseFilters | None = None,
                    sort: str = "-emissions", page: int = 1, page_size: int = 50) -> EnterprisePage:
        """See :func:`enterprises`."""
        year = self.resolve(year)
        filters = filters or EnterpriseFilters()
        if year is None:
            if filters.reporting is True:
                return EnterprisePage(None, [], 0, page, page_size)
            listed = sorted((org for org in self.orgs().values() if self._plain_match(org, filters)),
                            key=lambda org: (org.name, org.id))
            items = [_no_data_row(org, self.vocabulary) for org in listed[(page - 1) * page_size:page * page_size]]
            return EnterprisePage(None, items, len(listed), page, page_size)
        listed = self._listed(year, filters, sort)
        shown = listed[(page - 1) * page_size:page * page_size]
        region = self.totals(year).emissions_tco2e
        products = _main_products(self.session, self.visible, year, [org.id for org in shown], self.vocabulary)
        items = [self._row(org, year, region, products.get(org.id)) for org in shown]
        return EnterprisePage(year, items, len(listed), page, page_size)

    @staticmethod
    def _plain_match(org: _Org, filters: EnterpriseFilters) -> bool:
        """Industry and city equal, and the name, English name or code contains ``q`` (any case)."""
        needle = (filters.q or "").strip().casefold()
        return ((not filters.industry or org.industry == filters.industry)
                and (not filters.city or org.city == filters.city)
                and (not needle or any(needle in (t or "").casefold() for t in (org.name, org.name_en, org.code))))

    def top_emitters(self, *, year: int | None = None, limit: int = 10) -> TopEmitters:
        """See :func:`top_emitters`."""
        year = self.resolve(year)
        if year is None:
            return TopEmitters(None, 0.0, [])
        page = self.enterprises(year=year, filters=EnterpriseFilters(reporting=True), sort="-emissions",
                                page=1, page_size=limit)
        return TopEmitters(year, self.totals(year).emissions_tco2e, page.items)

    def rising_intensities(self, *, year: int | None = None, limit: int = 10,
                           metric: str = "energy") -> RisingIntensities:
        """See :func:`rising_intensities`."""
        session, visible, vocabulary = self.session, self.visible, self.vocabulary
        year = self.resolve(year)
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
        names = self.orgs()
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

    def filter_options(self) -> tuple[list[FilterOption], list[FilterOption]]:
        """See :func:`filter_options`."""
        industries: dict[str, int] = {}
        cities: dict[str, int] = {}
        for org in self.orgs().values():
            if org.industry is not None:
                industries[org.industry] = industries.get(org.industry, 0) + 1
            if org.city is not None:
                cities[org.city] = cities.get(org.city, 0) + 1
        return ([FilterOption(key, _industry_names(self.vocabulary, key), n) for key, n in sorted(industries.items())],
                [FilterOption(key, _city_names(self.vocabulary, key), n) for key, n in sorted(cities.items())])


def summary(session: Session, principal: Principal, *, year: int | None = None) -> RegionSummary:
    """Totals of the caller's region in ``year`` (default: the latest with data), with trends.

    Raises
    ------
    Forbidden
        The caller is not a regulator or admin.
    """
    return RegionReader(session, principal).summary(year=year)


# -------------------------------------------------------------------------- enterprises

#: sort keys of the enterprise table → what they order by (a leading '-' is descending)
ENTERPRISE_SORTS = ("name", "code", "industry", "city", "energy", "emissions", "scope1", "scope2",
                    "energy_change", "emissions_change")


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
    query = (counted_results(visible).join(p, p.result_id == FacilityResult.id).add_columns(
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
    return RegionReader(session, principal).enterprises(year=year, filters=filters, sort=sort, page=page,
                                                        page_size=page_size)


def _no_data_row(org: _Org, vocabulary: Vocabulary) -> EnterpriseRow:
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
    return RegionReader(session, principal).top_emitters(year=year, limit=limit)


# ------------------------------------------------------------------- rising intensities


def _basis(session: Session, visible: ColumnElement[bool], year: int) -> tuple[str, list[str], list[str]]:
    """The comparison basis of ``year`` and the periods compared (see the module docstring)."""
    periods = sorted(set(session.execute(
        counted_results(visible).add_columns(FacilityResult.period).where(FacilityResult.year == year).distinct()
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
    return RegionReader(session, principal).rising_intensities(year=year, limit=limit, metric=metric)


# ------------------------------------------------------------------------------ filters


@dataclass(frozen=True, slots=True)
class FilterOption:
    value: str
    names: Names
    count: int


def filter_options(session: Session, principal: Principal) -> tuple[list[FilterOption], list[FilterOption]]:
    """Industries and cities among the caller's enterprises (for the table's filter menus)."""
    return RegionReader(session, principal).filter_options()


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
