"""Benchmark classes of stored data (enterprises) and the compliance view (regulators).

Where benchmark results come from
    They are **computed on read** from the stored activity rows of the current data versions:
    the rows are accounted and benchmarked by the very functions the CLI runs
    (:func:`greenmfg.accounting.service.account`, :func:`greenmfg.benchmarking.benchmark`), so
    the platform's answer equals ``greenmfg benchmark`` on the same rows by construction, and
    always uses the installed reference data (levels, quota limits, indicator definitions): a
    new reference-data edition changes the classes at once, with no second copy to keep in step.
    The accounting results stored on commit are not read for this: benchmarking needs the
    derivation lines per energy carrier (net electricity, energy-related emissions, process
    inputs that select a variant), which the engine recomputes in well under a second per
    enterprise-year (figures in ``docs/benchmarks.md``). When the stored accounting results were
    computed with other reference data than installed (``greenmfg recalc`` not yet run) the
    answer says so (``stored_results_current`` false).

Which data count
    The current version of each facility-period; an annual period supersedes the same
    facility's months of that year (the rule of the regional view), so nothing counts twice.

Facility classes for a year (the compliance view)
    A facility's indicator value over a year is its output-weighted mean over the periods
    (Σ value × output / Σ output, equal to the energy of the year over the output of the year);
    class, gaps and savings are computed from that value with :mod:`greenmfg.calc.benchmarking`
    at the year's output, and CO2 savings at the periods' energy-weighted tCO2e per tce. The
    trend uses each period's own results.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, aliased

from greenmfg.accounting.models import CalculationRun, DataVersion, FacilityResult
from greenmfg.accounting.store import account_records, reference_fingerprint
from greenmfg.benchmarking import BenchmarkOptions, ProductBenchmark, benchmark
from greenmfg.benchmarking.output import write_xlsx
from greenmfg.benchmarking.service import benchmark_editions, resolve_edition
from greenmfg.calc import benchmarking as calc
from greenmfg.errors import GreenmfgError, ValidationFailed
from greenmfg.orgs.access import Forbidden, Principal, enterprise_filter, get_enterprise
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata.catalog import Catalog, load_catalog

__all__ = ["CLASSES", "DEADLINES_DATASET", "BadParameter", "BenchmarkView", "ComplianceView", "Deadline",
           "GroupCounts", "PlantYear", "enterprise_benchmark", "load_deadlines", "plant_years",
           "reference_key", "region_compliance", "require_regulator"]

#: classes in display order; ``not_classified``: an indicator but no value or level,
#: ``no_indicator``: no benchmark/baseline indicator defined for the product
CLASSES = ("benchmark", "between", "below_baseline", "not_classified", "no_indicator")
DEADLINES_DATASET = "compliance_deadlines/ndrc-2023"
_PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


class BadParameter(GreenmfgError):
    """A query parameter is not acceptable (HTTP 422); ``field`` names it."""

    def __init__(self, field_name: str, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.field, self.message, self.message_zh = field_name, message, message_zh


def require_regulator(principal: Principal) -> None:
    """Only regulators and platform admins see the compliance view.

    Raises
    ------
    Forbidden
        Enterprise users, evaluators, tokens without the read scope.
    """
    if not (principal.is_regulator or principal.is_admin) or "read" not in principal.scopes:
        raise Forbidden("the compliance view is for regulators and platform administrators",
                        "能效达标监管视图仅向监管部门和平台管理员开放")


def reference_key(catalog: Catalog | None = None) -> str:
    """SHA-256 over every installed dataset (id + sha256): part of cache keys, so new reference data
    never meets a cached answer."""
    material = "\n".join(f"{d.id} {d.info.sha256}" for d in (catalog or load_catalog()))
    return hashlib.sha256(material.encode()).hexdigest()


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


def benchmark_key(result: ProductBenchmark) -> str | None:
    """The benchmarks-dataset key a result's levels came from (``clinker``), or None."""
    for level in result.levels:
        if level.name in ("benchmark_level", "baseline_level") and ":" in level.ref:
            return level.ref.split(":", 1)[1].rsplit(".", 1)[0]
    return None


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
    results: list[ProductBenchmark]
    enterprises: dict[str, EnterpriseInfo]
    #: (enterprise code, facility code) → (facility id, facility name)
    facilities: dict[tuple[str, str], tuple[int, str | None]]
    provenance: dict[str, Any]
    #: the stored accounting results were computed with the installed reference data
    stored_results_current: bool
    periods: list[str] = field(default_factory=list)
    xlsx: bytes | None = None


def _counted_versions(enterprise_ids: Sequence[int]) -> ColumnElement[bool]:
    annual = aliased(DataVersion)
    superseded = select(annual.id).where(
        annual.facility_id == DataVersion.facility_id, annual.current.is_(True), func.length(annual.period) == 4,
        annual.period == func.substr(DataVersion.period, 1, 4)).exists()
    return and_(DataVersion.enterprise_id.in_(enterprise_ids), DataVersion.current.is_(True),
                (func.length(DataVersion.period) == 4) | ~superseded)


def _compute(session: Session, enterprises: Sequence[Organisation], *, period: str | None, edition: str | None,
             xlsx: bool = False) -> BenchmarkView:
    infos = {o.code or str(o.id): EnterpriseInfo(o.id, o.code or str(o.id), o.name, o.industry, o.province, o.city)
             for o in enterprises}
    ids = [o.id for o in enterprises]
    view = BenchmarkView(edition=edition, results=[], enterprises=infos, facilities={}, provenance={},
                         stored_results_current=True)
    if not ids:
        return view
    where = [_counted_versions(ids)]
    if period:
        where.append(DataVersion.period.startswith(period) if len(period) == 4 else DataVersion.period == period)
    versions = session.execute(select(DataVersion.id, DataVersion.period).where(*where)).all()
    view.periods = sorted({p for _, p in versions})
    if not versions:
        return view
    code_of = {o.id: o.code or str(o.id) for o in enterprises}
    for fid, ent, code, name in session.execute(select(Facility.id, Facility.enterprise_id, Facility.code,
                                                       Facility.name).where(Facility.enterprise_id.in_(ids))):
        view.facilities[(code_of[ent], code)] = (fid, name)
    try:
        fingerprint = _benchmark_into(session, view, [[v for v, _ in versions]], edition, xlsx)
    except ValidationFailed:
        # a facility that reported annually one year and monthly another cannot be read as one
        # file (the template's rule); each year is then accounted on its own
        by_year: dict[str, list[int]] = defaultdict(list)
        for version, version_period in versions:
            by_year[version_period[:4]].append(version)
        fingerprint = _benchmark_into(session, view, [by_year[y] for y in sorted(by_year)], edition, xlsx)
    stored = set(session.execute(
        select(CalculationRun.reference_fingerprint).join(FacilityResult, FacilityResult.run_id == CalculationRun.id)
        .where(FacilityResult.enterprise_id.in_(ids), FacilityResult.current.is_(True))).scalars())
    view.stored_results_current = stored <= {fingerprint}
    return view


def _benchmark_into(session: Session, view: BenchmarkView, groups: list[list[int]], edition: str | None,
                    xlsx: bool) -> str:
    """Account and benchmark the stored rows of each group of data versions; the results go into
    ``view``.

    Returns the reference fingerprint of the accounting (the same for every group).
    """
    fingerprint = ""
    view.results = []
    for index, version_ids in enumerate(groups):
        run = account_records(session, version_ids)
        bench = benchmark(run, BenchmarkOptions(edition=edition))
        accounting = run.provenance()
        view.results.extend(bench.results)
        view.provenance = {**accounting, "benchmarking": bench.provenance(),
                           "accounted_separately": len(groups) > 1}
        if xlsx and index == len(groups) - 1:  # with several years: the latest year's workbook
            buffer = io.BytesIO()
            write_xlsx(bench, buffer)
            view.xlsx = buffer.getvalue()
        fingerprint = reference_fingerprint(accounting)
    return fingerprint


def enterprise_benchmark(session: Session, principal: Principal, enterprise_id: int, *, period: str | None = None,
                         edition: str | None = None, xlsx: bool = False) -> tuple[Organisation, BenchmarkView]:
    """Benchmark results of one enterprise's current data (optionally one year or month).

    Raises
    ------
    NotFound
        The enterprise does not exist or the caller may not see it.
    BadParameter
        Bad period or unknown edition.
    """
    period, edition = check_period(period), check_edition(edition)
    enterprise = get_enterprise(session, principal, enterprise_id)
    return enterprise, _compute(session, [enterprise], period=period, edition=edition, xlsx=xlsx)


# ------------------------------------------------------------------------------ facility-years


@dataclass
class PlantYear:
    """One product of one facility over a year (or any span): pooled value, class, gaps, savings."""

    enterprise: str
    facility: str
    product: str
    year: str
    indicator: str | None
    indicator_name: str
    indicator_name_zh: str
    unit: str
    edition: str | None
    benchmark_level: float | None
    baseline_level: float | None
    benchmark_key: str | None
    output: float
    output_unit: str
    value: float | None = None
    cls: str = "no_indicator"
    gap_to_benchmark: float | None = None
    gap_to_baseline: float | None = None
    savings_to_benchmark_tce: float = 0.0
    savings_to_baseline_tce: float = 0.0
    savings_to_benchmark_tco2: float = 0.0
    savings_to_baseline_tco2: float = 0.0
    quota_standard: str | None = None
    quota_grade: int | str | None = None
    periods: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    #: why there is no value or class (boundary, missing indicator or level): (code, English, Chinese)
    reasons: list[tuple[str, str, str]] = field(default_factory=list)


#: findings that explain a missing value or class, shown beside the plant on the page
REASON_CODES = ("benchmarking.boundary.not_computable", "benchmarking.product.no_indicator", "benchmarking.level.none",
                "benchmarking.value.missing", "benchmarking.level.missing", "benchmarking.variant.undetermined")


def plant_years(results: Iterable[ProductBenchmark], *, by_period: bool = False) -> list[PlantYear]:
    """Pool each facility's product results over the periods of each year (see the module docstring).

    With ``by_period`` each period stands alone (``year`` is then the period).
    """
    groups: dict[tuple[str, str, str, str, str | None], list[ProductBenchmark]] = defaultdict(list)
    for r in results:
        span = r.period if by_period else r.period[:4]
        groups[(r.enterprise_id, r.facility_id, r.product, span, r.indicator)].append(r)
    out: list[PlantYear] = []
    pooled: list[tuple[PlantYear, float | None, float | None, dict[int, float | None]]] = []
    for (enterprise, facility, product, year, indicator), members in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3], kv[0][4] or "")):
        first = members[0]
        item = PlantYear(enterprise=enterprise, facility=facility, product=product, year=year, indicator=indicator,
                         indicator_name=first.indicator_name, indicator_name_zh=first.indicator_name_zh,
                         unit=first.unit, edition=first.edition, benchmark_level=first.benchmark_level,
                         baseline_level=first.baseline_level, benchmark_key=benchmark_key(first),
                         output=sum(m.output or 0.0 for m in members), output_unit=first.output_unit,
                         quota_standard=first.quota_standard, periods=sorted(m.period for m in members),
                         unverified=sorted({w.ref for m in members for w in m.warnings
                                            if w.code.endswith(".unverified")}),
                         reasons=sorted({(w.code, w.message, w.message_zh) for m in members for w in m.warnings
                                         if w.code in REASON_CODES}))
        out.append(item)
        if indicator is None:
            continue
        valued = [m for m in members if m.value is not None and m.output]
        weight = sum(m.output or 0.0 for m in valued)
        if not valued or weight <= 0:
            item.cls = "not_classified"
            continue
        value = sum((m.value or 0.0) * (m.output or 0.0) for m in valued) / weight
        # energy-weighted emissions per tce of the periods (value × output ∝ energy)
        ratios = [(m.derivation.get("tco2e_per_tce"), (m.value or 0.0) * (m.output or 0.0)) for m in valued]
        known = [(r, w) for r, w in ratios if r is not None]
        co2_per_tce = (sum(r * w for r, w in known) / sum(w for _, w in known)
                       if known and sum(w for _, w in known) > 0 else None)
        item.value, item.output = value, weight
        tce_per_unit = first.derivation.get("tce_per_unit")
        pooled.append((item, tce_per_unit, co2_per_tce, first.quota_limits))
    if pooled:
        values = np.array([p[0].value for p in pooled], dtype=np.float64)
        bench = np.array([np.nan if p[0].benchmark_level is None else p[0].benchmark_level for p in pooled])
        base = np.array([np.nan if p[0].baseline_level is None else p[0].baseline_level for p in pooled])
        output = np.array([p[0].output for p in pooled])
        per_unit = np.array([np.nan if p[1] is None else p[1] for p in pooled])
        co2 = np.array([np.nan if p[2] is None else p[2] for p in pooled])
        classes = calc.classify(values, bench, base)
        gap_bench, gap_base = calc.gaps(values, bench), calc.gaps(values, base)
        save_bench, save_base = calc.savings(values, bench, output, per_unit), calc.savings(values, base, output,
                                                                                             per_unit)
        grades = calc.quota_grades(values, *(np.array([np.nan if p[3].get(g) is None else p[3][g] for p in pooled])
                                             for g in (1, 2, 3)))
        for i, (item, *_rest) in enumerate(pooled):
            item.cls = classes[i] or "not_classified"
            item.gap_to_benchmark = None if np.isnan(gap_bench[i]) else float(gap_bench[i])
            item.gap_to_baseline = None if np.isnan(gap_base[i]) else float(gap_base[i])
            item.savings_to_benchmark_tce = 0.0 if np.isnan(save_bench[i]) else float(save_bench[i])
            item.savings_to_baseline_tce = 0.0 if np.isnan(save_base[i]) else float(save_base[i])
            factor = 0.0 if np.isnan(co2[i]) else float(co2[i])
            item.savings_to_benchmark_tco2 = item.savings_to_benchmark_tce * factor
            item.savings_to_baseline_tco2 = item.savings_to_baseline_tce * factor
            item.quota_grade = grades[i]
    return out


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
    require_regulator(principal)
    if year is not None and year != "" and not re.fullmatch(r"\d{4}", year):
        raise BadParameter("year", f"year '{year}' is not YYYY (e.g. 2024)", f"年份“{year}”格式无效，应为 YYYY（如 2024）")
    edition = check_edition(edition)
    query = select(Organisation).where(enterprise_filter(session, principal))
    if industry:
        query = query.where(Organisation.industry == industry)
    enterprises = list(session.execute(query.order_by(Organisation.id)).scalars())
    years = sorted({p[:4] for p in session.execute(
        select(DataVersion.period).where(_counted_versions([o.id for o in enterprises]))).scalars()}) \
        if enterprises else []
    chosen = year or (years[-1] if years else None)
    view = _compute(session, enterprises, period=chosen, edition=edition) if chosen else \
        _compute(session, [], period=None, edition=edition)
    plants = plant_years(view.results)
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
    trend_groups: dict[str, GroupCounts] = {}
    for single in plant_years(view.results, by_period=True):
        slot = trend_groups.setdefault(single.year, GroupCounts(key=single.year, product="", indicator=None,
                                                                output_unit=""))
        slot.add(single)
    return ComplianceView(year=chosen, years=years, edition=edition, plants=plants,
                          by_industry=sorted(industries.values(), key=lambda g: (g.key, g.product)),
                          by_area=sorted(areas.values(), key=lambda g: (g.key, g.product)),
                          area_level=area_level, below_baseline=below, totals=totals,
                          trend=[trend_groups[k] for k in sorted(trend_groups)], view=view, deadlines=deadlines)
