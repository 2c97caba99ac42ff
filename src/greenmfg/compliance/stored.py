"""Stored benchmark results: computed where accounting results are stored, read by the views.

Benchmark classes of stored data are computed from the same accounting run as the results they
belong to (:func:`greenmfg.accounting.store.store_accounted` on commit and demo seeding,
:func:`greenmfg.accounting.store.recalculate` after new reference data), with
:func:`greenmfg.benchmarking.benchmark`, once per edition option the views accept (the newest
edition with a value per indicator, and each edition: ``newest``, ``2021``, ``2023``). They are
kept in three tables:

``benchmark_results`` (:class:`StoredBenchmark`)
    One row per facility, period, product and edition option: what
    :class:`~greenmfg.benchmarking.ProductBenchmark` carries (indicator, variant, value, levels,
    class, gaps, savings, quota grade and limits, warnings, derivation), the data version and
    calculation run it came from, ``current`` (its data version is current) and the reference
    key (SHA-256 over every installed dataset) it was computed with.
``benchmark_plant_years`` (:class:`StoredPlantYear`)
    The pooled results of each facility-product over each year (``by_period`` false) and of
    each period alone (``by_period`` true, the compliance trend), computed with
    :func:`greenmfg.compliance.pooling.plant_years` from the counted rows of the enterprise: the
    current ones, an annual period superseding the same facility's months of that year. They are
    recomputed for every year a store touches.
``benchmark_works`` (:class:`StoredWorks`)
    The crude-steel result of each iron and steel works reported as process units
    (:mod:`greenmfg.benchmarking.works`), one per enterprise, counted period and edition option:
    an enterprise-level result, kept apart from the facility rows so that nothing that sums
    facilities (the regional view, the plant-years) counts a works' energy twice. It is
    recomputed for every period a store touches, from all counted data of the enterprise in
    that period (the store's own accounting when it covers them, else the period's counted
    data versions accounted again), and the views pool it over the year
    (:func:`greenmfg.compliance.pooling.works_years`).
``benchmark_runs`` (:class:`BenchmarkRunRecord`)
    Per calculation run: the reference key and the benchmarking provenance per edition option.
    A run whose current results have no record with the installed reference key is stale: the
    views say so, and ``greenmfg recalc`` recomputes it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from greenmfg.accounting.models import DataVersion
from greenmfg.accounting.service import AccountingRun
from greenmfg.benchmarking import (
    BenchmarkOptions,
    Finding,
    LevelUsed,
    ProductBenchmark,
    benchmark,
    load_definitions,
)
from greenmfg.benchmarking.service import benchmark_editions
from greenmfg.benchmarking.works import WORKS_FACILITY, process_of
from greenmfg.compliance.pooling import PlantYear, plant_years
from greenmfg.db.base import Base, JSONType
from greenmfg.db.columns import IntPk, OrgId, RunId, Timestamp
from greenmfg.errors import ValidationFailed
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata.catalog import Catalog, load_catalog

__all__ = ["NEWEST", "BenchmarkRunRecord", "BenchmarkSet", "StoredBenchmark", "StoredPlantYear", "StoredWorks",
           "benchmark_set", "edition_options", "needs_refresh", "option_of", "plant_year_of", "product_benchmark_of",
           "reference_key", "refresh_plant_years", "store_benchmarks", "works_of"]

#: the edition option "per indicator the newest edition that has a value" (the views' default)
NEWEST = "newest"


def reference_key(catalog: Catalog | None = None) -> str:
    """SHA-256 over every installed dataset (id + sha256): stored benchmark results carry it, so results
    computed with other reference data are recognised (and cache keys never meet new reference data)."""
    return (catalog or load_catalog()).digest


def edition_options(catalog: Catalog | None = None) -> list[str]:
    """``newest`` and each edition label of the installed benchmarks datasets (``2021``, ``2023``)."""
    return [NEWEST, *benchmark_editions(catalog or load_catalog())]


def option_of(edition: str | None) -> str:
    """The stored option answering a view's ``edition`` (a label, or None for the newest)."""
    return edition or NEWEST


# ------------------------------------------------------------------------------ tables


class BenchmarkRunRecord(Base):
    """The benchmarking of one calculation run's results: reference key and provenance per option."""

    __tablename__ = "benchmark_runs"

    run_id: Mapped[int] = mapped_column(ForeignKey("calculation_runs.id", ondelete="CASCADE"), primary_key=True)
    enterprise_id: Mapped[OrgId]
    reference_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    #: edition option → the engine's benchmarking provenance (edition option, editions, datasets with sha256)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType)


class StoredBenchmark(Base):
    """Benchmarking of one product of one facility-period (one data version) for one edition option."""

    __tablename__ = "benchmark_results"
    __table_args__ = (
        Index("ix_benchmark_results_enterprise_current", "enterprise_id", "current", "option", "period"),
        Index("ix_benchmark_results_facility_period", "facility_id", "period"),
    )

    id: Mapped[IntPk]
    run_id: Mapped[RunId]
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    year: Mapped[int] = mapped_column(Integer)
    product: Mapped[str] = mapped_column(String(64))
    #: ``newest`` or an edition label
    option: Mapped[str] = mapped_column(String(16))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    reference_key: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str | None] = mapped_column(String(64))
    variant: Mapped[str] = mapped_column(String(255), default="")
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32), default="")
    output: Mapped[float | None] = mapped_column(Float)
    output_unit: Mapped[str] = mapped_column(String(32), default="")
    edition: Mapped[str | None] = mapped_column(String(16))
    benchmark_level: Mapped[float | None] = mapped_column(Float)
    baseline_level: Mapped[float | None] = mapped_column(Float)
    cls: Mapped[str | None] = mapped_column(String(16))
    gap_to_benchmark: Mapped[float | None] = mapped_column(Float)
    gap_to_baseline: Mapped[float | None] = mapped_column(Float)
    savings_to_benchmark_tce: Mapped[float | None] = mapped_column(Float)
    savings_to_baseline_tce: Mapped[float | None] = mapped_column(Float)
    savings_to_benchmark_tco2: Mapped[float | None] = mapped_column(Float)
    savings_to_baseline_tco2: Mapped[float | None] = mapped_column(Float)
    quota_standard: Mapped[str | None] = mapped_column(String(32))
    #: "1", "2", "3", "fails" or None
    quota_grade: Mapped[str | None] = mapped_column(String(8))
    #: {"dataset", "base": {grade: limit}, "corrected": {grade: limit}, "corrections": [...]}
    quota_limits: Mapped[dict[str, Any]] = mapped_column(JSONType)
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    #: the engine's derivation plus names, selection and boundary of the indicator
    derivation: Mapped[dict[str, Any]] = mapped_column(JSONType)


class StoredPlantYear(Base):
    """A facility-product pooled over a year (or one period alone, ``by_period``) for one edition option."""

    __tablename__ = "benchmark_plant_years"
    __table_args__ = (
        Index("ix_benchmark_plant_years_view", "year", "option", "by_period", "enterprise_id"),
        Index("ix_benchmark_plant_years_enterprise", "enterprise_id", "year"),
    )

    id: Mapped[IntPk]
    #: the calculation run whose store recomputed this row
    run_id: Mapped[RunId]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    #: the year ("2024") or, with ``by_period``, the period ("2024-03")
    span: Mapped[str] = mapped_column(String(7))
    by_period: Mapped[bool] = mapped_column(Boolean)
    option: Mapped[str] = mapped_column(String(16))
    reference_key: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str | None] = mapped_column(String(64))
    indicator_name: Mapped[str] = mapped_column(String(255), default="")
    indicator_name_zh: Mapped[str] = mapped_column(String(255), default="")
    unit: Mapped[str] = mapped_column(String(32), default="")
    edition: Mapped[str | None] = mapped_column(String(16))
    benchmark_level: Mapped[float | None] = mapped_column(Float)
    baseline_level: Mapped[float | None] = mapped_column(Float)
    benchmark_key: Mapped[str | None] = mapped_column(String(64))
    output: Mapped[float] = mapped_column(Float)
    output_unit: Mapped[str] = mapped_column(String(32), default="")
    value: Mapped[float | None] = mapped_column(Float)
    cls: Mapped[str] = mapped_column(String(16))
    gap_to_benchmark: Mapped[float | None] = mapped_column(Float)
    gap_to_baseline: Mapped[float | None] = mapped_column(Float)
    savings_to_benchmark_tce: Mapped[float] = mapped_column(Float)
    savings_to_baseline_tce: Mapped[float] = mapped_column(Float)
    savings_to_benchmark_tco2: Mapped[float] = mapped_column(Float)
    savings_to_baseline_tco2: Mapped[float] = mapped_column(Float)
    quota_standard: Mapped[str | None] = mapped_column(String(32))
    quota_grade: Mapped[str | None] = mapped_column(String(8))
    periods: Mapped[list[str]] = mapped_column(JSONType)
    unverified: Mapped[list[str]] = mapped_column(JSONType)
    #: [code, English, Chinese] of the findings explaining a missing value or class
    reasons: Mapped[list[list[str]]] = mapped_column(JSONType)
    #: [code, English, Chinese] of the findings qualifying the value or class (an upper bound …)
    caveats: Mapped[list[list[str]]] = mapped_column(JSONType, server_default="[]")
    #: [reference, English, Chinese] of the unverified levels and limits used
    unverified_notes: Mapped[list[list[str]]] = mapped_column(JSONType, server_default="[]")


class StoredWorks(Base):
    """The crude-steel result of an iron and steel works (all its facilities) in one period, one edition option.

    ``result`` holds what :class:`~greenmfg.benchmarking.ProductBenchmark` carries, in the same
    fields as a :class:`StoredBenchmark` row (derivation with the process ratios, warnings, levels);
    value and class are repeated as columns for queries.
    """

    __tablename__ = "benchmark_works"
    __table_args__ = (Index("ix_benchmark_works_enterprise", "enterprise_id", "option", "period"),)

    id: Mapped[IntPk]
    #: the calculation run whose store recomputed this row
    run_id: Mapped[RunId]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))
    year: Mapped[int] = mapped_column(Integer)
    option: Mapped[str] = mapped_column(String(16))
    reference_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    cls: Mapped[str | None] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)


# ------------------------------------------------------------------------------ rows ⇄ objects


def _grade_text(grade: int | str | None) -> str | None:
    return None if grade is None else str(grade)


def _grade(text: str | None) -> int | str | None:
    if text is None:
        return None
    return int(text) if text.isdigit() else text


def _limits(values: Mapping[Any, float | None]) -> dict[int, float | None]:
    return {int(g): v for g, v in values.items()}


_DETAIL = ("indicator_name", "indicator_name_zh", "variant_zh", "selection", "boundary", "boundary_rule")


def _result_row(r: ProductBenchmark, *, option: str, key: str, run_id: int, version_id: int, enterprise_id: int,
                facility_id: int) -> dict[str, Any]:
    return {
        "run_id": run_id, "data_version_id": version_id, "enterprise_id": enterprise_id, "facility_id": facility_id,
        "period": r.period, "year": int(r.period[:4]), "product": r.product, "option": option, "current": True,
        "reference_key": key, "indicator": r.indicator, "variant": r.variant, "value": r.value, "unit": r.unit,
        "output": r.output, "output_unit": r.output_unit, "edition": r.edition, "benchmark_level": r.benchmark_level,
        "baseline_level": r.baseline_level, "cls": r.cls, "gap_to_benchmark": r.gap_to_benchmark,
        "gap_to_baseline": r.gap_to_baseline, "savings_to_benchmark_tce": r.savings_to_benchmark_tce,
        "savings_to_baseline_tce": r.savings_to_baseline_tce, "savings_to_benchmark_tco2": r.savings_to_benchmark_tco2,
        "savings_to_baseline_tco2": r.savings_to_baseline_tco2, "quota_standard": r.quota_standard,
        "quota_grade": _grade_text(r.quota_grade),
        "quota_limits": {"dataset": r.quota_dataset, "base": {str(g): v for g, v in r.quota_limits_base.items()},
                         "corrected": {str(g): v for g, v in r.quota_limits.items()},
                         "corrections": r.corrections},
        "levels": [level.as_dict() for level in r.levels], "warnings": [w.as_dict() for w in r.warnings],
        "derivation": {"derivation": r.derivation, **{name: getattr(r, name) for name in _DETAIL}},
    }


def _works_row(r: ProductBenchmark, *, option: str, key: str, run_id: int, enterprise_id: int) -> dict[str, Any]:
    fields = _result_row(r, option=option, key=key, run_id=run_id, version_id=0, enterprise_id=enterprise_id,
                         facility_id=0)
    for name in ("run_id", "data_version_id", "enterprise_id", "facility_id", "option", "current", "reference_key"):
        del fields[name]
    return {"run_id": run_id, "enterprise_id": enterprise_id, "period": r.period, "year": int(r.period[:4]),
            "option": option, "reference_key": key, "value": r.value, "cls": r.cls, "result": fields}


def works_of(row: StoredWorks, enterprise_code: str) -> ProductBenchmark:
    """The works' :class:`ProductBenchmark` a stored row was made from (equal to the engine's)."""
    result = product_benchmark_of(_Fields(row.result), enterprise_code, WORKS_FACILITY)
    if "processes" in result.derivation:  # JSON keeps the grades as text
        result.derivation["processes"] = [{**p, "quota_limits": _limits(p.get("quota_limits", {}))}
                                          for p in result.derivation["processes"]]
    return result


class _Fields:
    """A stored works result's fields, read like a :class:`StoredBenchmark` row."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None


def product_benchmark_of(row: StoredBenchmark | _Fields, enterprise_code: str, facility_code: str
                         ) -> ProductBenchmark:
    """The :class:`ProductBenchmark` a stored row was made from (equal to the engine's)."""
    detail, limits = row.derivation, row.quota_limits
    return ProductBenchmark(
        enterprise_id=enterprise_code, facility_id=facility_code, period=row.period, product=row.product,
        indicator=row.indicator, indicator_name=detail["indicator_name"], indicator_name_zh=detail["indicator_name_zh"],
        variant=row.variant, variant_zh=detail["variant_zh"], selection=detail["selection"], unit=row.unit,
        value=row.value, output=row.output, output_unit=row.output_unit, edition=row.edition,
        benchmark_level=row.benchmark_level, baseline_level=row.baseline_level, cls=row.cls,
        gap_to_benchmark=row.gap_to_benchmark, gap_to_baseline=row.gap_to_baseline,
        savings_to_benchmark_tce=row.savings_to_benchmark_tce, savings_to_baseline_tce=row.savings_to_baseline_tce,
        savings_to_benchmark_tco2=row.savings_to_benchmark_tco2, savings_to_baseline_tco2=row.savings_to_baseline_tco2,
        quota_standard=row.quota_standard, quota_dataset=limits["dataset"], quota_grade=_grade(row.quota_grade),
        quota_limits_base=_limits(limits["base"]), quota_limits=_limits(limits["corrected"]),
        corrections=list(limits["corrections"]), boundary=detail["boundary"], boundary_rule=detail["boundary_rule"],
        derivation=dict(detail["derivation"]),
        levels=[LevelUsed(**level) for level in row.levels],
        warnings=[Finding(**w) for w in row.warnings])


def _plant_row(p: PlantYear, *, by_period: bool, option: str, key: str, run_id: int, enterprise_id: int,
               facility_id: int) -> dict[str, Any]:
    return {
        "run_id": run_id, "enterprise_id": enterprise_id, "facility_id": facility_id, "year": int(p.year[:4]),
        "span": p.year, "by_period": by_period, "option": option, "reference_key": key, "product": p.product,
        "indicator": p.indicator, "indicator_name": p.indicator_name, "indicator_name_zh": p.indicator_name_zh,
        "unit": p.unit, "edition": p.edition, "benchmark_level": p.benchmark_level, "baseline_level": p.baseline_level,
        "benchmark_key": p.benchmark_key, "output": p.output, "output_unit": p.output_unit, "value": p.value,
        "cls": p.cls, "gap_to_benchmark": p.gap_to_benchmark, "gap_to_baseline": p.gap_to_baseline,
        "savings_to_benchmark_tce": p.savings_to_benchmark_tce, "savings_to_baseline_tce": p.savings_to_baseline_tce,
        "savings_to_benchmark_tco2": p.savings_to_benchmark_tco2,
        "savings_to_baseline_tco2": p.savings_to_baseline_tco2, "quota_standard": p.quota_standard,
        "quota_grade": _grade_text(p.quota_grade), "periods": p.periods, "unverified": p.unverified,
        "reasons": [list(r) for r in p.reasons], "caveats": [list(c) for c in p.caveats],
        "unverified_notes": [list(n) for n in p.unverified_notes],
    }


def plant_year_of(row: StoredPlantYear, enterprise_code: str, facility_code: str) -> PlantYear:
    """The :class:`PlantYear` a stored row was made from."""
    return PlantYear(
        enterprise=enterprise_code, facility=facility_code, product=row.product, year=row.span,
        indicator=row.indicator, indicator_name=row.indicator_name, indicator_name_zh=row.indicator_name_zh,
        unit=row.unit, edition=row.edition, benchmark_level=row.benchmark_level, baseline_level=row.baseline_level,
        benchmark_key=row.benchmark_key, output=row.output, output_unit=row.output_unit, value=row.value,
        cls=row.cls, gap_to_benchmark=row.gap_to_benchmark, gap_to_baseline=row.gap_to_baseline,
        savings_to_benchmark_tce=row.savings_to_benchmark_tce, savings_to_baseline_tce=row.savings_to_baseline_tce,
        savings_to_benchmark_tco2=row.savings_to_benchmark_tco2, savings_to_baseline_tco2=row.savings_to_baseline_tco2,
        quota_standard=row.quota_standard, quota_grade=_grade(row.quota_grade), periods=list(row.periods),
        unverified=list(row.unverified), reasons=[(r[0], r[1], r[2]) for r in row.reasons],
        caveats=[(c[0], c[1], c[2]) for c in row.caveats],
        unverified_notes=[(n[0], n[1], n[2]) for n in row.unverified_notes])


# ------------------------------------------------------------------------------ computing


@dataclass
class BenchmarkSet:
    """Benchmark results of an accounting, one list per edition option, with the reference key used."""

    reference_key: str
    results: dict[str, list[ProductBenchmark]] = field(default_factory=dict)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the iron and steel works' crude-steel results (``BenchmarkRun.works``), per edition option
    works: dict[str, list[ProductBenchmark]] = field(default_factory=dict)

    def only(self, enterprise_code: str) -> BenchmarkSet:
        """The results of one enterprise (by the code in the activity data)."""
        return BenchmarkSet(self.reference_key,
                            {o: [r for r in rs if r.enterprise_id == enterprise_code] for o, rs in self.results.items()},
                            self.provenance,
                            {o: [r for r in rs if r.enterprise_id == enterprise_code] for o, rs in self.works.items()})


def _merge_provenance(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return new
    datasets = {d["id"]: d for d in [*old["datasets"], *new["datasets"]]}
    return {**new, "datasets": [datasets[i] for i in sorted(datasets)]}


def benchmark_set(runs: Sequence[AccountingRun]) -> BenchmarkSet:
    """Benchmark accounting runs (of one reference catalog) for every edition option."""
    if not runs:
        return BenchmarkSet(reference_key())
    catalog = runs[0].catalog
    definitions = load_definitions(catalog, runs[0].vocabulary)
    out = BenchmarkSet(reference_key(catalog))
    for option in edition_options(catalog):
        results: list[ProductBenchmark] = []
        works: list[ProductBenchmark] = []
        for run in runs:
            bench = benchmark(run, BenchmarkOptions(edition=None if option == NEWEST else option),
                              definitions=definitions)
            results.extend(bench.results)
            works.extend(bench.works)
            out.provenance[option] = _merge_provenance(out.provenance.get(option), bench.provenance())
        out.results[option] = results
        out.works[option] = works
    return out


# ------------------------------------------------------------------------------ storing


def _insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT of ``rows`` (same keys each) into ``model``'s table.

    Core, not the ORM's bulk insert: that groups the rows by which values are None and runs each
    group on its own (a statement per row, in effect), so a store's statement count grew with
    its rows' facility-periods."""
    session.connection().execute(insert(cast(Table, model.__table__)), rows)


def store_benchmarks(session: Session, *, enterprise_id: int, run_id: int, benchmarks: BenchmarkSet,
                     versions: Mapping[tuple[str, str], int], facilities: Mapping[str, int],
                     replace_all: bool = False) -> None:
    """Store an enterprise's benchmark results of newly stored (or recalculated) data versions.

    ``versions``: (facility code, period) → data version id of every version this store covers;
    ``facilities``: facility code → id. Earlier rows of these facility-periods stop being current
    (all current rows with ``replace_all``, for a recalculation); the plant-years of the years
    touched are recomputed.
    """
    # one store per enterprise at a time: the plant-years are recomputed from what is current
    session.execute(select(Organisation.id).where(Organisation.id == enterprise_id).with_for_update())
    if replace_all:
        session.execute(update(StoredBenchmark).where(StoredBenchmark.enterprise_id == enterprise_id,
                                                      StoredBenchmark.current.is_(True)).values(current=False))
    else:
        replaced = select(DataVersion.id).where(DataVersion.enterprise_id == enterprise_id,
                                                DataVersion.current.is_(False))
        session.execute(update(StoredBenchmark).where(
            StoredBenchmark.enterprise_id == enterprise_id, StoredBenchmark.current.is_(True),
            StoredBenchmark.data_version_id.in_(replaced)).values(current=False))
    rows = []
    for option, results in benchmarks.results.items():
        for r in results:
            version = versions.get((r.facility_id, r.period))
            if version is None:  # not part of what is stored now
                continue
            rows.append(_result_row(r, option=option, key=benchmarks.reference_key, run_id=run_id,
                                    version_id=version, enterprise_id=enterprise_id,
                                    facility_id=facilities[r.facility_id]))
    if rows:
        _insert_rows(session, StoredBenchmark, rows)
    session.add(BenchmarkRunRecord(run_id=run_id, enterprise_id=enterprise_id, reference_key=benchmarks.reference_key,
                                   provenance=benchmarks.provenance))
    session.flush()
    _store_works(session, enterprise_id, run_id, benchmarks, versions, replace_all=replace_all)
    years = None if replace_all else {int(period[:4]) for _, period in versions}
    refresh_plant_years(session, enterprise_id, years, run_id=run_id, key=benchmarks.reference_key)


def _counted_periods(session: Session, enterprise_id: int, periods: Iterable[str]) -> dict[str, set[int]]:
    """The counted data versions of each of these periods of the enterprise (an annual version
    supersedes the same facility's months of its year): period → version ids."""
    chosen = set(periods)
    current = session.execute(select(DataVersion.id, DataVersion.facility_id, DataVersion.period).where(
        DataVersion.enterprise_id == enterprise_id, DataVersion.current.is_(True))).all()
    annual = {(f, p) for _, f, p in current if len(p) == 4}
    out: dict[str, set[int]] = {p: set() for p in chosen}
    for version, facility, period in current:
        if period in chosen and (len(period) == 4 or (facility, period[:4]) not in annual):
            out[period].add(version)
    return out


def _store_works(session: Session, enterprise_id: int, run_id: int, benchmarks: BenchmarkSet,
                 versions: Mapping[tuple[str, str], int], *, replace_all: bool) -> None:
    """Recompute the works results of every period this store touches from the enterprise's
    counted data of that period (see the module docstring)."""
    touched = {period for _, period in versions}
    years = {p for p in touched if len(p) == 4}
    if years or replace_all:  # an annual version changes which months count
        touched |= {p for p in session.execute(select(DataVersion.period).where(
            DataVersion.enterprise_id == enterprise_id, DataVersion.current.is_(True))).scalars()
            if replace_all or p[:4] in years}
    if replace_all:
        session.execute(delete(StoredWorks).where(StoredWorks.enterprise_id == enterprise_id))
    else:
        session.execute(delete(StoredWorks).where(StoredWorks.enterprise_id == enterprise_id,
                                                  StoredWorks.period.in_(sorted(touched))))
    # a works needs a blast furnace and a steelmaking unit among the period's current results
    processes: dict[str, set[str]] = defaultdict(set)
    for period, indicator in session.execute(
            select(StoredBenchmark.period, StoredBenchmark.indicator).where(
                StoredBenchmark.enterprise_id == enterprise_id, StoredBenchmark.current.is_(True),
                StoredBenchmark.option == NEWEST, StoredBenchmark.period.in_(sorted(touched)),
                StoredBenchmark.value.is_not(None)).distinct()):
        kind = process_of(indicator)
        if kind is not None:
            processes[period].add(kind)
    candidates = sorted(p for p, kinds in processes.items()
                        if "blast_furnace" in kinds and kinds & {"converter", "eaf"})
    if not candidates:
        return
    counted = _counted_periods(session, enterprise_id, candidates)
    stored = set(versions.values())
    covered = [p for p in candidates if counted[p] <= stored]
    again = sorted({v for p in candidates if p not in covered for v in counted[p]})
    rows: list[dict[str, Any]] = []
    for option, results in benchmarks.works.items():
        rows.extend(_works_row(r, option=option, key=benchmarks.reference_key, run_id=run_id,
                               enterprise_id=enterprise_id) for r in results if r.period in covered)
    if again:
        # this store did not account all of those periods' facilities: account their counted data
        from greenmfg.accounting.store import account_records

        try:
            runs = [account_records(session, again)]
        except ValidationFailed:  # annual one year and monthly another: each year on its own
            by_year: dict[str, list[int]] = defaultdict(list)
            for p in candidates:
                if p not in covered:
                    by_year[p[:4]].extend(sorted(counted[p]))
            runs = [account_records(session, by_year[y]) for y in sorted(by_year)]
        recomputed = benchmark_set(runs)
        wanted = set(candidates) - set(covered)
        for option, results in recomputed.works.items():
            rows.extend(_works_row(r, option=option, key=recomputed.reference_key, run_id=run_id,
                                   enterprise_id=enterprise_id) for r in results if r.period in wanted)
    if rows:
        _insert_rows(session, StoredWorks, rows)


def _counted_rows(session: Session, enterprise_id: int, years: Iterable[int] | None
                  ) -> tuple[list[StoredBenchmark], dict[int, str], str]:
    """The enterprise's current rows of these years (all with None) that count: an annual data
    version supersedes the same facility's months of its year."""
    annual = {(f, p) for f, p in session.execute(select(DataVersion.facility_id, DataVersion.period).where(
        DataVersion.enterprise_id == enterprise_id, DataVersion.current.is_(True),
        func.length(DataVersion.period) == 4))}
    query = select(StoredBenchmark).where(StoredBenchmark.enterprise_id == enterprise_id,
                                          StoredBenchmark.current.is_(True))
    rows: list[StoredBenchmark] = []
    for year in (sorted(years) if years is not None else [None]):
        chosen = query if year is None else query.where(StoredBenchmark.year == year)
        rows.extend(session.execute(chosen).scalars())
    rows = [r for r in rows if len(r.period) == 4 or (r.facility_id, r.period[:4]) not in annual]
    facilities: dict[int, str] = {fid: fcode for fid, fcode in session.execute(
        select(Facility.id, Facility.code).where(Facility.enterprise_id == enterprise_id))}
    code = session.execute(select(Organisation.code).where(Organisation.id == enterprise_id)).scalar_one()
    return rows, facilities, code or str(enterprise_id)


def refresh_plant_years(session: Session, enterprise_id: int, years: Iterable[int] | None, *, run_id: int,
                        key: str) -> None:
    """Recompute the stored plant-years of an enterprise's years (all with None) from its counted rows."""
    chosen = sorted(set(years)) if years is not None else None
    if chosen is None:
        session.execute(delete(StoredPlantYear).where(StoredPlantYear.enterprise_id == enterprise_id))
    else:
        for year in chosen:
            session.execute(delete(StoredPlantYear).where(StoredPlantYear.enterprise_id == enterprise_id,
                                                          StoredPlantYear.year == year))
    rows, facilities, code = _counted_rows(session, enterprise_id, chosen)
    # the engine's order (facility, period, product): the first period of a year gives its levels
    rows.sort(key=lambda r: (facilities[r.facility_id], r.period, r.product))
    by_option: dict[str, list[ProductBenchmark]] = defaultdict(list)
    ids = {c: i for i, c in facilities.items()}
    for row in rows:
        by_option[row.option].append(product_benchmark_of(row, code, facilities[row.facility_id]))
    out = []
    for option, results in by_option.items():
        for by_period in (False, True):
            for item in plant_years(results, by_period=by_period):
                out.append(_plant_row(item, by_period=by_period, option=option, key=key, run_id=run_id,
                                      enterprise_id=enterprise_id, facility_id=ids[item.facility]))
    if out:
        _insert_rows(session, StoredPlantYear, out)


def needs_refresh(session: Session, enterprise_id: int, key: str | None = None) -> bool:
    """Whether a run with current results of the enterprise has no benchmark record with this
    reference key (default: the installed one)."""
    from greenmfg.accounting.models import CalculationRun, FacilityResult

    key = key or reference_key()
    current = select(FacilityResult.id).where(FacilityResult.run_id == CalculationRun.id,
                                              FacilityResult.current.is_(True)).exists()
    stale = (select(CalculationRun.id)
             .outerjoin(BenchmarkRunRecord, BenchmarkRunRecord.run_id == CalculationRun.id)
             .where(CalculationRun.enterprise_id == enterprise_id, current,
                    BenchmarkRunRecord.run_id.is_(None) | (BenchmarkRunRecord.reference_key != key))
             .limit(1))
    return session.execute(stale).first() is not None
