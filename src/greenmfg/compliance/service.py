"""Benchmark classes of stored data (enterprises) and the compliance view (regulators).

Where benchmark results come from
    They are **stored with the accounting results** (:mod:`greenmfg.compliance.stored`): on
    commit, demo seeding and recalculation, the same accounting run that produces the stored
    results is benchmarked by the function the CLI runs (:func:`greenmfg.benchmarking.benchmark`)
    for every edition option, and the results are stored per facility, period and product,
    together with each facility-product pooled over its year and each period (the compliance
    view). The views read those rows with set-based queries limited to the caller's enterprises
    (the access policy as a subquery), so a view costs the same whatever the data volume behind
    it. Each stored row carries the data version and calculation run it came from and the key of
    the reference data it was computed with: when the installed reference data (accounting
    datasets, levels, quota limits, indicator definitions) differ, the answer says so
    (``stored_results_current`` false) until ``greenmfg recalc`` has recomputed them.
    :func:`computed_benchmark` repeats the engine run on the stored activity rows (the check of the
    stored results, and the enterprise's xlsx workbook, which needs the run).

Which data count
    The current version of each facility-period; an annual period supersedes the same
    facility's months of that year (the rule of the regional view), so nothing counts twice.

Facility classes for a year (the compliance view)
    A facility's indicator value over a year is its output-weighted mean over the periods
    (Σ value × output / Σ output, equal to the energy of the year over the output of the year);
    class, gaps and savings are computed from that value with :mod:`greenmfg.calc.benchmarking`
    at the year's output, and CO2 savings at the periods' energy-weighted tCO2e per tce
    (:mod:`greenmfg.compliance.pooling`). The trend uses each period's own results.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from greenmfg.accounting.models import CalculationRun, DataVersion, FacilityResult
from greenmfg.accounting.store import account_records, installed_fingerprint
from greenmfg.benchmarking import BenchmarkOptions, ProductBenchmark, benchmark
from greenmfg.benchmarking.output import write_xlsx
from greenmfg.benchmarking.service import benchmark_editions, resolve_edition
from greenmfg.compliance.pooling import (
    REASON_CODES,
    PlantYear,
    benchmark_key,
    plant_years,
    works_years,
)
from greenmfg.compliance.stored import (
    NEWEST,
    BenchmarkRunRecord,
    StoredBenchmark,
    StoredPlantYear,
    StoredWorks,
    option_of,
    plant_year_of,
    product_benchmark_of,
    reference_key,
    works_of,
)
from greenmfg.errors import GreenmfgError, ValidationFailed
from greenmfg.i18n import Translator
from greenmfg.orgs.access import (
    Principal,
    enterprise_filter,
    get_enterprise,
    require_regulator,
)
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata.catalog import Catalog, load_catalog

__all__ = ["CLASSES", "DEADLINES_DATASET", "REASON_CODES", "BadParameter", "BenchmarkView", "ComplianceView",
           "Deadline", "GroupCounts", "PlantYear", "benchmark_key", "computed_benchmark", "enterprise_benchmark",
           "has_benchmark_results",
           "load_deadlines", "plant_years", "reference_key", "region_compliance", "works_years"]

#: classes in display order; ``not_classified``: an indicator but no value or level,
#: ``no_indicator``: no benchmark/baseline indicator defined for the product
CLASSES = ("benchmark", "between", "below_baseline", "not_classified", "no_indicator")
DEADLINES_DATASET = "compliance_deadlines/ndrc-2023"
_PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


class BadParameter(GreenmfgError):
    """A query parameter is not acceptable (HTTP 422); ``field`` names it."""

    code = "invalid_parameter"
    message = "a query parameter is not acceptable"
    message_zh = "查询参数无效"
    location = "query"

    def __init__(self, field_name: str, message: str, message_zh: str) -> None:
        super().__init__(message, message_zh, field=field_name)


#: only regulators and platform admins see the compliance view (not enterprise users, evaluators, tokens
#: without the read scope): :func:`~greenmfg.orgs.access.require_regulator` with this message
REGULATORS_ONLY = ("the compliance view is for regulators and platform administrators",
                   "能效达标监管视图仅向监管部门和平台管理员开放")


def check_period(period: str | None) -> str | None:
    """``YYYY`` or ``YYYY-MM``, else :class:`BadParameter`."""
    if period is None or period == "":
        return None
    if not _PERIOD.match(period):
        raise BadParameter("period", f"period '{period}' is not YYYY or YYYY-MM (e.g. 2024 or 2024-03)",
                           f"期间“{period}”格式无效，应为 YYYY 或 YYYY-MM（如 2024 或 2024-03）")
    return period


def check_edition(edition: str | None, catalog: Catalog | None = None) -> str | None:
    """An edition label of the benchmarks datasets (``2021``, ``2023``) or None, else :class:`BadParameter`."""
    if edition is None or edition == "":
        return None
    editions = benchmark_editions(catalog or load_catalog())
    try:
        return resolve_edition(edition, editions)
    except GreenmfgError:
        raise BadParameter("edition", f"unknown benchmark edition '{edition}': choose one of {', '.join(editions)}",
                           f"未知的标杆基准版本“{edition}”，可选：{'、'.join(editions)}") from None


# ------------------------------------------------------------------------------ deadlines


@dataclass(frozen=True, slots=True)
class Deadline:
    """The policy deadline for below-baseline capacity of one benchmarked area."""

    key: str
    area_zh: str
    area_en: str
    introduced: str
    deadline: str
    rule_en: str
    rule_zh: str
    source: str
    verification_status: str
    ref: str

    def as_dict(self) -> dict[str, str]:
        return {"key": self.key, "area_zh": self.area_zh, "area_en": self.area_en, "introduced": self.introduced,
                "deadline": self.deadline, "rule": self.rule_en, "rule_zh": self.rule_zh, "source": self.source,
                "verification_status": self.verification_status, "ref": self.ref}


def load_deadlines(catalog: Catalog | None = None) -> dict[str, Deadline]:
    """Benchmark key → its deadline, from the ``compliance_deadlines`` dataset."""
    dataset = (catalog or load_catalog()).dataset(DEADLINES_DATASET)
    return {r["key"]: Deadline(key=r["key"], area_zh=r["area_zh"], area_en=r["area_en"], introduced=r["introduced"],
                               deadline=r["deadline"], rule_en=r["rule_en"], rule_zh=r["rule_zh"], source=r["source"],
                               verification_status=r["verification_status"], ref=f"{DEADLINES_DATASET}:{r['key']}")
            for r in dataset.records}


# ------------------------------------------------------------------------------ computing


@dataclass(frozen=True, slots=True)
class EnterpriseInfo:
    id: int
    code: str
    name: str
    industry: str | None
    province: str | None
    city: str | None


@dataclass
class BenchmarkView:
    """Benchmark results of stored data, with the organisations and facilities they belong to."""

    edition: str | None
    #: per facility, period and product (the enterprise view; empty in the regional view, which
    #: reads the stored plant-years)
    results: list[ProductBenchmark]
    enterprises: dict[str, EnterpriseInfo]
    #: (enterprise code, facility code) → (facility id, facility name)
    facilities: dict[tuple[str, str], tuple[int, str | None]]
    provenance: dict[str, Any]
    #: the stored results were computed with the installed reference data (else ``greenmfg recalc``
    #: has not run since it changed: the numbers shown are the stored ones)
    stored_results_current: bool
    periods: list[str] = field(default_factory=list)
    xlsx: bytes | None = None
    #: the iron and steel works' crude-steel results per period (facility ``*``, the enterprise view only)
    works: list[ProductBenchmark] = field(default_factory=list)
    #: ``works`` pooled over each year (:func:`works_years`; not when one month is asked for)
    works_years: list[ProductBenchmark] = field(default_factory=list)


def _counted_versions(enterprises: ColumnElement[bool]) -> ColumnElement[bool]:
    """Current data versions of the enterprises ``enterprises`` (a clause on :class:`DataVersion`)
    selects, without months superseded by an annual version of the same facility and year."""
    annual = aliased(DataVersion)
    superseded = select(annual.id).where(
        annual.facility_id == DataVersion.facility_id, annual.current.is_(True), func.length(annual.period) == 4,
        annual.period == func.substr(DataVersion.period, 1, 4)).exists()
    return and_(enterprises, DataVersion.current.is_(True),
                (func.length(DataVersion.period) == 4) | ~superseded)


def has_benchmark_results() -> ColumnElement[bool]:
    """A clause on :class:`Organisation`: the enterprise has current stored results that place a
    plant against a benchmark or baseline level (what the benchmark page opens on)."""
    return exists().where(StoredBenchmark.enterprise_id == Organisation.id, StoredBenchmark.current.is_(True),
                          StoredBenchmark.option == NEWEST, StoredBenchmark.cls.in_(CLASSES[:3]))


def _in_period(column: Any, period: str | None) -> ColumnElement[bool]:
    if not period:
        return true()
    result: ColumnElement[bool] = column.startswith(period) if len(period) == 4 else column == period
    return result


def _results_current(session: Session, runs: ColumnElement[bool]) -> bool:
    """Whether every calculation run (``runs``: a clause on :class:`CalculationRun`) with current
    results was accounted and benchmarked with the installed reference data."""
    # the runs computed with other reference data (normally none), then whether one has current results
    other = (select(CalculationRun.id)
             .outerjoin(BenchmarkRunRecord, BenchmarkRunRecord.run_id == CalculationRun.id)
             .where(runs, or_(CalculationRun.reference_fingerprint != installed_fingerprint(),
                              BenchmarkRunRecord.run_id.is_(None),
                              BenchmarkRunRecord.reference_key != reference_key())))
    stale = select(FacilityResult.id).where(FacilityResult.run_id.in_(other), FacilityResult.current.is_(True)).limit(1)
    return session.execute(stale).first() is None


def _merged(provenances: Iterable[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    datasets: dict[str, Any] = {}
    for provenance in provenances:
        out = dict(provenance)
        datasets.update({d["id"]: d for d in provenance.get("datasets", [])})
    if out:
        out["datasets"] = [datasets[i] for i in sorted(datasets)]
    return out


def _provenance(session: Session, runs: Any, option: str) -> dict[str, Any]:
    """Accounting provenance of the newest of these runs (a subquery of run ids), the benchmarking
    provenance of all of them for the option, and which runs they are."""
    records = session.execute(
        select(CalculationRun.id, CalculationRun.provenance, BenchmarkRunRecord.provenance)
        .join(BenchmarkRunRecord, BenchmarkRunRecord.run_id == CalculationRun.id)
        .where(CalculationRun.id.in_(runs)).order_by(CalculationRun.id)).all()
    if not records:
        return {}
    return {**records[-1][1], "benchmarking": _merged(r[2].get(option, {}) for r in records),
            "accounted_separately": len(records) > 1, "calculation_runs": [r[0] for r in records]}


def _region_provenance(session: Session, scope: tuple[ColumnElement[bool], ...], option: str) -> dict[str, Any]:
    """Provenance of the regional view, in constant size: the newest contributing run's accounting
    and benchmarking provenance, how many runs contribute and the reference keys they were computed
    with (every stored row names its own run and key)."""
    runs, newest = session.execute(select(func.count(StoredPlantYear.run_id.distinct()),
                                          func.max(StoredPlantYear.run_id)).where(*scope)).one()
    if not runs:
        return {}
    record = session.execute(
        select(CalculationRun.provenance, BenchmarkRunRecord.provenance)
        .join(BenchmarkRunRecord, BenchmarkRunRecord.run_id == CalculationRun.id)
        .where(CalculationRun.id == newest)).one()
    keys = sorted(session.execute(select(StoredPlantYear.reference_key).where(*scope).distinct()).scalars())
    return {**record[0], "benchmarking": record[1].get(option, {}), "accounted_separately": runs > 1,
            "calculation_run_count": runs, "newest_calculation_run": newest, "reference_keys": keys}


def _stored_view(session: Session, enterprise: Organisation, *, period: str | None,
                 edition: str | None) -> BenchmarkView:
    """One enterprise's benchmark results, read from the stored rows of its counted data versions."""
    code = enterprise.code or str(enterprise.id)
    info = EnterpriseInfo(enterprise.id, code, enterprise.name, enterprise.industry, enterprise.province,
                          enterprise.city)
    view = BenchmarkView(edition=edition, results=[], enterprises={code: info}, facilities={}, provenance={},
                         stored_results_current=True)
    counted = _counted_versions(DataVersion.enterprise_id == enterprise.id)
    view.periods = sorted(set(session.execute(
        select(DataVersion.period).where(counted, _in_period(DataVersion.period, period))).scalars()))
    if not view.periods:
        return view
    for fid, fcode, name in session.execute(select(Facility.id, Facility.code, Facility.name)
                                            .where(Facility.enterprise_id == enterprise.id)):
        view.facilities[(code, fcode)] = (fid, name)
    option = option_of(edition)
    where = (StoredBenchmark.enterprise_id == enterprise.id, StoredBenchmark.current.is_(True),
             StoredBenchmark.option == option, _in_period(StoredBenchmark.period, period))
    rows = session.execute(
        select(StoredBenchmark, Facility.code)
        .join(DataVersion, DataVersion.id == StoredBenchmark.data_version_id)
        .join(Facility, Facility.id == StoredBenchmark.facility_id)
        .where(*where, counted)
        .order_by(Facility.code, StoredBenchmark.period, StoredBenchmark.product)).all()
    view.results = [product_benchmark_of(row, code, fcode) for row, fcode in rows]
    view.works = [works_of(row, code) for row in session.execute(
        select(StoredWorks).where(StoredWorks.enterprise_id == enterprise.id, StoredWorks.option == option,
                                  _in_period(StoredWorks.period, period))
        .order_by(StoredWorks.period)).scalars()]
    if period is None or len(period) == 4:
        view.works_years = works_years(view.works)
    runs = (select(StoredBenchmark.run_id).join(DataVersion, DataVersion.id == StoredBenchmark.data_version_id)
            .where(*where, counted).distinct())
    view.provenance = _provenance(session, runs, option)
    view.stored_results_current = _results_current(session, CalculationRun.enterprise_id == enterprise.id)
    return view


def _compute(session: Session, enterprise: Organisation, *, period: str | None, edition: str | None,
             xlsx: bool = False, translator: Translator | None = None) -> BenchmarkView:
    """One enterprise's benchmark results computed now from its stored activity rows (the engine
    run the stored results came from, repeated): for the xlsx workbook, which needs the run, and
    to check the stored results against."""
    code = enterprise.code or str(enterprise.id)
    infos = {code: EnterpriseInfo(enterprise.id, code, enterprise.name, enterprise.industry, enterprise.province,
                                  enterprise.city)}
    view = BenchmarkView(edition=edition, results=[], enterprises=infos, facilities={}, provenance={},
                         stored_results_current=True)
    where = [_counted_versions(DataVersion.enterprise_id == enterprise.id), _in_period(DataVersion.period, period)]
    versions = session.execute(select(DataVersion.id, DataVersion.period).where(*where)).all()
    view.periods = sorted({p for _, p in versions})
    if not versions:
        return view
    for fid, fcode, name in session.execute(select(Facility.id, Facility.code, Facility.name)
                                            .where(Facility.enterprise_id == enterprise.id)):
        view.facilities[(code, fcode)] = (fid, name)
    pool = period is None or len(period) == 4  # the works pooled over the year (not for one month)
    try:
        _benchmark_into(session, view, [[v for v, _ in versions]], edition, xlsx, pool, translator)
    except ValidationFailed:
        # a facility that reported annually one year and monthly another cannot be read as one
        # file (the template's rule); each year is then accounted on its own
        by_year: dict[str, list[int]] = defaultdict(list)
        for version, version_period in versions:
            by_year[version_period[:4]].append(version)
        _benchmark_into(session, view, [by_year[y] for y in sorted(by_year)], edition, xlsx, pool, translator)
    if pool:
        view.works_years = works_years(view.works)
    view.stored_results_current = _results_current(session, CalculationRun.enterprise_id == enterprise.id)
    return view


def _benchmark_into(session: Session, view: BenchmarkView, groups: list[list[int]], edition: str | None,
                    xlsx: bool, pool: bool, translator: Translator | None = None) -> None:
    """Account and benchmark the stored rows of each group of data versions into ``view``."""
    view.results, view.works = [], []
    for index, version_ids in enumerate(groups):
        run = account_records(session, version_ids)
        bench = benchmark(run, BenchmarkOptions(edition=edition))
        view.results.extend(bench.results)
        view.works.extend(bench.works)
        view.provenance = {**run.provenance(), "benchmarking": bench.provenance(),
                           "accounted_separately": len(groups) > 1}
        if xlsx and index == len(groups) - 1:  # with several years: the latest year's workbook
            buffer = io.BytesIO()
            write_xlsx(bench, buffer, works_years=works_years(bench.works) if pool else (), translator=translator)
            view.xlsx = buffer.getvalue()


def enterprise_benchmark(session: Session, principal: Principal, enterprise_id: int, *, period: str | None = None,
                         edition: str | None = None, xlsx: bool = False,
                         translator: Translator | None = None) -> tuple[Organisation, BenchmarkView]:
    """Benchmark results of one enterprise's current data (optionally one year or month), read
    from the stored results; with ``xlsx`` the workbook is computed now for this one enterprise, its
    columns headed in the language of ``translator``
    (the engine's workbook needs the accounting run).

    Raises
    ------
    NotFound
        The enterprise does not exist or the caller may not see it.
    BadParameter
        Bad period or unknown edition.
    """
    period, edition = check_period(period), check_edition(edition)
    enterprise = get_enterprise(session, principal, enterprise_id)
    view = _stored_view(session, enterprise, period=period, edition=edition)
    if xlsx and view.results:
        view.xlsx = _compute(session, enterprise, period=period, edition=edition, xlsx=True,
                             translator=translator).xlsx
    return enterprise, view


def computed_benchmark(session: Session, principal: Principal, enterprise_id: int, *, period: str | None = None,
                       edition: str | None = None) -> BenchmarkView:
    """Like :func:`enterprise_benchmark`, but computed now from the stored activity rows (not read
    from the stored results): the reference the stored results are checked against."""
    period, edition = check_period(period), check_edition(edition)
    enterprise = get_enterprise(session, principal, enterprise_id)
    return _compute(session, enterprise, period=period, edition=edition)


# ------------------------------------------------------------------------------ compliance view


@dataclass
class GroupCounts:
    """Facilities of one group (industry or area) and product by class: counts, output and shares."""

    key: str
    product: str
    indicator: str | None
    output_unit: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    output: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0.0))
    savings_to_benchmark_tce: float = 0.0
    savings_to_baseline_tce: float = 0.0
    savings_to_benchmark_tco2: float = 0.0
    savings_to_baseline_tco2: float = 0.0

    @property
    def total_output(self) -> float:
        return sum(self.output.values())

    @property
    def shares(self) -> dict[str, float | None]:
        total = self.total_output
        return {c: (self.output[c] / total if total > 0 else None) for c in CLASSES}

    def add(self, item: PlantYear) -> None:
        self.counts[item.cls] += 1
        self.output[item.cls] += item.output
        self.savings_to_benchmark_tce += item.savings_to_benchmark_tce
        self.savings_to_baseline_tce += item.savings_to_baseline_tce
        self.savings_to_benchmark_tco2 += item.savings_to_benchmark_tco2
        self.savings_to_baseline_tco2 += item.savings_to_baseline_tco2


@dataclass
class ComplianceView:
    year: str | None
    years: list[str]
    edition: str | None
    plants: list[PlantYear]
    by_industry: list[GroupCounts]
    by_area: list[GroupCounts]
    #: by area: ``city`` when the caller's jurisdictions are all within one province, else ``province``
    area_level: str
    below_baseline: list[tuple[PlantYear, Deadline | None]]
    totals: GroupCounts
    trend: list[GroupCounts]
    view: BenchmarkView
    deadlines: dict[str, Deadline]


def _group(groups: dict[tuple[str, str, str | None], GroupCounts], key: str, item: PlantYear) -> None:
    slot = (key, item.product, item.indicator)
    if slot not in groups:
        groups[slot] = GroupCounts(key=key, product=item.product, indicator=item.indicator,
                                   output_unit=item.output_unit)
    groups[slot].add(item)


def region_compliance(session: Session, principal: Principal, *, year: str | None = None,
                      edition: str | None = None, industry: str | None = None) -> ComplianceView:
    """Classes, shares, below-baseline facilities with deadlines, savings and trend for the caller's region.

    Raises
    ------
    Forbidden
        Not a regulator or admin.
    BadParameter
        Bad year or unknown edition.
    """
    require_regulator(session, principal, write=False, admin=True, message=REGULATORS_ONLY)
    if year is not None and year != "" and not re.fullmatch(r"\d{4}", year):
        raise BadParameter("year", f"year '{year}' is not YYYY (e.g. 2024)", f"年份“{year}”格式无效，应为 YYYY（如 2024）")
    edition = check_edition(edition)
    option = option_of(edition)
    # the caller's enterprises, as a subquery of the access policy (never a list of ids)
    visible = select(Organisation.id).where(enterprise_filter(session, principal))
    if industry:
        visible = visible.where(Organisation.industry == industry)
    years = sorted(session.execute(select(func.substr(DataVersion.period, 1, 4)).where(
        DataVersion.current.is_(True), DataVersion.enterprise_id.in_(visible)).distinct()).scalars())
    chosen = year or (years[-1] if years else None)
    view = BenchmarkView(edition=edition, results=[], enterprises={}, facilities={}, provenance={},
                         stored_results_current=_results_current(session, CalculationRun.enterprise_id.in_(visible)))
    plants: list[PlantYear] = []
    trend_groups: dict[str, GroupCounts] = {}
    if chosen:
        scope = (StoredPlantYear.year == int(chosen), StoredPlantYear.option == option,
                 StoredPlantYear.enterprise_id.in_(visible))
        for row, org, fcode, fname in session.execute(
                select(StoredPlantYear, Organisation, Facility.code, Facility.name)
                .join(Organisation, Organisation.id == StoredPlantYear.enterprise_id)
                .join(Facility, Facility.id == StoredPlantYear.facility_id)
                .where(*scope, StoredPlantYear.by_period.is_(False))):
            code = org.code or str(org.id)
            if code not in view.enterprises:
                view.enterprises[code] = EnterpriseInfo(org.id, code, org.name, org.industry, org.province, org.city)
            view.facilities[(code, fcode)] = (row.facility_id, fname)
            plants.append(plant_year_of(row, code, fcode))
        plants.sort(key=lambda p: (p.enterprise, p.facility, p.product, p.year, p.indicator or ""))
        # the trend: each period alone, summed in the database
        for span, cls, count, output, *savings in session.execute(
                select(StoredPlantYear.span, StoredPlantYear.cls, func.count(), func.sum(StoredPlantYear.output),
                       func.sum(StoredPlantYear.savings_to_benchmark_tce),
                       func.sum(StoredPlantYear.savings_to_baseline_tce),
                       func.sum(StoredPlantYear.savings_to_benchmark_tco2),
                       func.sum(StoredPlantYear.savings_to_baseline_tco2))
                .where(*scope, StoredPlantYear.by_period.is_(True))
                .group_by(StoredPlantYear.span, StoredPlantYear.cls)):
            slot = trend_groups.setdefault(span, GroupCounts(key=span, product="", indicator=None, output_unit=""))
            slot.counts[cls] += count
            slot.output[cls] += output or 0.0
            slot.savings_to_benchmark_tce += savings[0] or 0.0
            slot.savings_to_baseline_tce += savings[1] or 0.0
            slot.savings_to_benchmark_tco2 += savings[2] or 0.0
            slot.savings_to_baseline_tco2 += savings[3] or 0.0
        view.periods = sorted(trend_groups)
        view.provenance = _region_provenance(session, scope, option)
    info = view.enterprises
    provinces = {j.province for j in principal.jurisdictions}
    area_level = "city" if (not principal.is_admin and len(provinces) == 1) else "province"
    industries: dict[tuple[str, str, str | None], GroupCounts] = {}
    areas: dict[tuple[str, str, str | None], GroupCounts] = {}
    totals = GroupCounts(key="total", product="", indicator=None, output_unit="")
    for item in plants:
        enterprise = info.get(item.enterprise)
        _group(industries, (enterprise.industry if enterprise else None) or "—", item)
        area = (enterprise.city if area_level == "city" else enterprise.province) if enterprise else None
        _group(areas, area or "—", item)
        totals.add(item)
    deadlines = load_deadlines()
    below = [(p, deadlines.get(p.benchmark_key or "")) for p in plants if p.cls == "below_baseline"]
    below.sort(key=lambda pair: -(pair[0].savings_to_baseline_tce))
    return ComplianceView(year=chosen, years=years, edition=edition, plants=plants,
                          by_industry=sorted(industries.values(), key=lambda g: (g.key, g.product)),
                          by_area=sorted(areas.values(), key=lambda g: (g.key, g.product)),
                          area_level=area_level, below_baseline=below, totals=totals,
                          trend=[trend_groups[k] for k in sorted(trend_groups)], view=view, deadlines=deadlines)
