"""An enterprise's yearly targets: reading, setting (audited) and tracking them against the results.

Who
    Everybody who may see the enterprise (:func:`greenmfg.orgs.access.get_enterprise`: its members,
    regulators covering it, evaluators assigned to it, admins) reads its targets; only those who
    may manage it (its managers, admins) set them.

What
    :data:`METRICS`: total energy [tce] and emissions [tCO2e] of the year, each product's energy
    [kgce/unit] and emission [tCO2e/unit] intensity, and energy [tce] and emissions [tCO2e] per
    10 000 CNY (万元) of the year's output value (the value the enterprise entered for the green
    list, :class:`greenmfg.greenlist.models.EnterpriseOutput`).

Tracking
    Against the year's current results (:func:`greenmfg.accounting.dashboard.enterprise_dashboard`)
    with :mod:`greenmfg.calc.targets`: totals projected linearly from the months so far; a
    product's intensity is its output-weighted value over the months so far; per output value is
    the projected total over the year's output value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from greenmfg.accounting.dashboard import enterprise_dashboard
from greenmfg.accounting.models import FacilityResult, ResultProduct
from greenmfg.audit.service import record
from greenmfg.calc.targets import Tracking, pooled_ratio, track_ratio, track_total
from greenmfg.errors import Finding, ValidationFailed
from greenmfg.findings import Locator, read_number
from greenmfg.greenlist.models import EnterpriseOutput
from greenmfg.i18n import N_
from greenmfg.orgs.access import Principal, get_enterprise
from greenmfg.orgs.models import Organisation
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.targets.models import METRIC_KEYS, EnterpriseTarget

__all__ = ["METRICS", "MAX_YEAR", "MIN_YEAR", "Metric", "Product", "TargetsView", "TrackedTarget", "default_year",
           "enterprise_products", "set_targets", "targets_dict", "year_targets"]

MIN_YEAR, MAX_YEAR = 2000, 2100
#: the longest note kept with a target
NOTE_LIMIT = 500
_INPUT = Locator(code_prefix="targets.input.", value_limit=200)


@dataclass(frozen=True, slots=True)
class Metric:
    """What a target can be set on: its English label (a message id), unit and kind."""

    key: str
    label: str
    #: ``total`` (accumulates over the year) or ``ratio``
    kind: str
    #: the unit; ``{unit}`` is the product's unit
    unit: str
    per_product: bool = False
    per_output: bool = False

    def unit_for(self, product_unit: str | None) -> str:
        return self.unit.replace("{unit}", product_unit or "")


METRICS: dict[str, Metric] = {m.key: m for m in (
    Metric("energy_tce", N_("Total energy"), "total", "tce"),
    Metric("emissions_tco2e", N_("GHG emissions"), "total", "tCO2e"),
    Metric("energy_intensity", N_("Unit product energy"), "ratio", "kgce/{unit}", per_product=True),
    Metric("emission_intensity", N_("Unit product emissions"), "ratio", "tCO2e/{unit}", per_product=True),
    Metric("energy_per_output", N_("Energy per 10 000 CNY of output value"), "ratio", "tce/万元", per_output=True),
    Metric("emissions_per_output", N_("Emissions per 10 000 CNY of output value"), "ratio", "tCO2e/万元",
           per_output=True),
)}
assert tuple(METRICS) == METRIC_KEYS


@dataclass(frozen=True, slots=True)
class Product:
    key: str
    name_zh: str
    name_en: str
    unit: str


@dataclass(frozen=True, slots=True)
class TrackedTarget:
    metric: Metric
    product: Product | None
    value: float
    unit: str
    note: str | None
    set_at: dt.datetime | None
    tracking: Tracking


@dataclass(frozen=True, slots=True)
class TargetsView:
    enterprise: Organisation
    year: int
    #: months with results in the year (an annual result counts as the whole year)
    months: int
    complete: bool
    periods: list[str]
    #: the year's output value [万元], when entered
    output_value: float | None
    products: list[Product]
    targets: list[TrackedTarget] = field(default_factory=list)
    can_manage: bool = False


# ------------------------------------------------------------------------------------- reading


def default_year(session: Session, enterprise_id: int) -> int:
    """The latest year with current results, else this calendar year."""
    latest = session.scalar(select(FacilityResult.year).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True))
        .order_by(FacilityResult.year.desc()).limit(1))
    return int(latest) if latest is not None else dt.date.today().year


def enterprise_products(session: Session, enterprise_id: int) -> list[Product]:
    """The products in the enterprise's current results (any year), with their units, by key."""
    rows = session.execute(
        select(ResultProduct.product, ResultProduct.unit).distinct()
        .join(FacilityResult, FacilityResult.id == ResultProduct.result_id)
        .where(FacilityResult.enterprise_id == enterprise_id, FacilityResult.current.is_(True))).all()
    vocabulary = load_vocabulary()
    units: dict[str, str] = {}
    for key, unit in rows:
        units.setdefault(key, unit or "")
    products = []
    for key in sorted(units):
        item = vocabulary.items.get(key)
        products.append(Product(key, item.name_zh if item else key, item.name_en if item else key, units[key]))
    return products


def _output_value(session: Session, enterprise_id: int, year: int) -> float | None:
    value = session.scalar(select(EnterpriseOutput.output_value).where(
        EnterpriseOutput.organisation_id == enterprise_id, EnterpriseOutput.year == year))
    return float(value) if value is not None and value > 0 else None


def _months(periods: Sequence[str]) -> tuple[int, bool]:
    """(months reported, complete): an annual period makes the year complete."""
    if any(len(p) == 4 for p in periods):
        return 12, True
    months = len({p for p in periods if len(p) == 7})
    return months, months >= 12


def _track(metric: Metric, target: float, product: Product | None, dashboard: Mapping[str, Any], months: int,
           complete: bool, output_value: float | None) -> Tracking:
    kpis = dashboard["kpis"]
    energy, emissions = float(kpis["energy_tce"]), float(kpis["emissions_tco2e"]["total"])
    if metric.key == "energy_tce":
        return track_total(target, energy, months, complete=complete)
    if metric.key == "emissions_tco2e":
        return track_total(target, emissions, months, complete=complete)
    if metric.per_product:
        assert product is not None
        field_name = "energy_intensity" if metric.key == "energy_intensity" else "emission_intensity"
        series: list[dict[str, Any]] = next((p["series"] for p in dashboard["products"]
                       if p["product"] == product.key and p["unit"] == product.unit), [])
        value = pooled_ratio((point[field_name], point["quantity"]) for point in series)
        return track_ratio(target, value, months, complete=complete)
    # per output value: the year's projected total over the year's output value
    total = track_total(math.inf, energy if metric.key == "energy_per_output" else emissions, months,
                        complete=complete).projected
    value = total / output_value if total is not None and output_value else None
    return track_ratio(target, value, months, complete=complete)


def year_targets(session: Session, principal: Principal, enterprise_id: int, year: int, *,
                 dashboard: Mapping[str, Any] | None = None) -> TargetsView:
    """The enterprise's targets of ``year``, each tracked against the year's results.

    ``dashboard``: the year's :func:`~greenmfg.accounting.dashboard.enterprise_dashboard` when the
    caller has it already (the dashboard page), else it is read here.

    Raises
    ------
    NotFound
        The enterprise does not exist or the caller may not see it.
    """
    enterprise = get_enterprise(session, principal, enterprise_id)
    if dashboard is None or dashboard.get("year") != year:
        dashboard = enterprise_dashboard(session, enterprise, year=year)
    periods = list(dashboard["periods"])
    months, complete = _months(periods)
    output_value = _output_value(session, enterprise.id, year)
    products = enterprise_products(session, enterprise.id)
    by_key = {p.key: p for p in products}
    rows = session.execute(select(EnterpriseTarget).where(
        EnterpriseTarget.enterprise_id == enterprise.id, EnterpriseTarget.year == year)).scalars().all()
    order = {key: index for index, key in enumerate(METRIC_KEYS)}
    tracked = []
    for row in sorted(rows, key=lambda r: (order[r.metric], r.product)):
        metric = METRICS[row.metric]
        product = None
        if metric.per_product:
            product = by_key.get(row.product) or _unknown_product(row.product)
        tracked.append(TrackedTarget(metric, product, row.value, metric.unit_for(product.unit if product else None),
                                     row.note, row.set_at,
                                     _track(metric, row.value, product, dashboard, months, complete, output_value)))
    return TargetsView(enterprise, year, months, complete, periods, output_value, products, tracked,
                       can_manage=principal.can_manage(enterprise.id))


def _unknown_product(key: str) -> Product:
    item = load_vocabulary().items.get(key)
    return Product(key, item.name_zh if item else key, item.name_en if item else key,
                   item.canonical_unit if item else "")


# ------------------------------------------------------------------------------------- setting


def set_targets(session: Session, principal: Principal, enterprise_id: int, year: object,
                items: object) -> TargetsView:
    """Replace the enterprise's targets of ``year`` with ``items`` (``metric``, ``product`` for the
    intensities, ``value`` > 0, optional ``note``); an item without a value sets no target.
    Audited as ``targets.set`` with the targets before and after.

    Raises
    ------
    NotFound
        The enterprise does not exist or the caller may not see it.
    Forbidden
        The caller may not manage it (regulators and evaluators read only).
    ValidationFailed
        Every problem located by its place in ``targets`` (``targets[2].value``), in both languages.
    """
    enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
    issues: list[Finding] = []
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise ValidationFailed([_INPUT.finding("not_a_list", "targets", None, 'the body must be {"targets": [...]}',
                                               '请求体须为 {"targets": [...]}', "send the year's targets as a list",
                                               "请以列表提交本年度的目标")], 1)
    try:
        if isinstance(year, bool):
            raise ValueError
        year_number = int(str(year).strip())
        if not MIN_YEAR <= year_number <= MAX_YEAR:
            raise ValueError
    except ValueError:
        issues.append(_INPUT.finding("bad_year", "year", year, f"the year must be between {MIN_YEAR} and {MAX_YEAR}",
                                     f"年份须在 {MIN_YEAR} 至 {MAX_YEAR} 之间", "give the year as YYYY, e.g. 2025",
                                     "请按 YYYY 填写年份，例如 2025"))
        year_number = 0
    products = {p.key: p for p in enterprise_products(session, enterprise.id)}
    wanted: dict[tuple[str, str], tuple[float, str | None]] = {}
    for index, item in enumerate(items):
        where = f"targets[{index}]"
        if not isinstance(item, Mapping):
            issues.append(_INPUT.finding("not_an_object", where, item, "must be an object with metric and value",
                                         "须为含 metric 和 value 的对象", 'send {"metric": …, "value": …}',
                                         '请提交 {"metric": …, "value": …}'))
            continue
        key = str(item.get("metric") or "").strip()
        metric = METRICS.get(key)
        if metric is None:
            issues.append(_INPUT.finding("unknown_metric", f"{where}.metric", key or None,
                                         f"'{key}' is not a target the platform tracks", f"“{key}”不是平台跟踪的目标指标",
                                         "use one of: " + ", ".join(METRIC_KEYS), "可用指标：" + "、".join(METRIC_KEYS)))
            continue
        product = str(item.get("product") or "").strip()
        if metric.per_product:
            if product not in products:
                known = "、".join(p.name_zh for p in products.values()) or "—（请先上传产量数据）"
                issues.append(_INPUT.finding(
                    "unknown_product", f"{where}.product", product or None,
                    f"'{product}' is not a product in the enterprise's results" if product else "a product is required",
                    f"“{product}”不是本企业核算结果中的产品" if product else "须选择产品",
                    "choose one of: " + (", ".join(products) or "— (upload production data first)"),
                    "可选产品：" + known))
                continue
        elif product:
            issues.append(_INPUT.finding("product_not_allowed", f"{where}.product", product,
                                         "this target is for the whole enterprise, not a product",
                                         "该目标针对整个企业，不按产品设定", "leave product empty", "请将产品留空"))
            continue
        value = read_number(_INPUT, item.get("value"), f"{where}.value", issues, above_low=True, example="12500",
                            blank=("no target", "不设目标"))
        note = item.get("note")
        note_text = str(note).strip()[:NOTE_LIMIT] if note is not None and str(note).strip() else None
        if (key, product) in wanted:
            issues.append(_INPUT.finding("duplicate", where, key, "this target is given twice", "该目标重复填写",
                                         "give each target once", "每个目标只填写一次"))
            continue
        if value is not None:
            wanted[(key, product)] = (value, note_text)
    if issues:
        raise ValidationFailed(issues, len(issues))
    existing = session.execute(select(EnterpriseTarget).where(
        EnterpriseTarget.enterprise_id == enterprise.id, EnterpriseTarget.year == year_number)).scalars().all()
    before = {f"{row.metric}:{row.product}" if row.product else row.metric: row.value for row in existing}
    kept = {(row.metric, row.product): row for row in existing}
    stale = [row.id for key, row in kept.items() if key not in wanted]
    if stale:
        session.execute(delete(EnterpriseTarget).where(EnterpriseTarget.id.in_(stale)))
    for (key, product), (value, note_text) in wanted.items():
        row = kept.get((key, product))
        if row is None:
            row = EnterpriseTarget(enterprise_id=enterprise.id, year=year_number, metric=key, product=product)
            session.add(row)
        if row.value != value or row.note != note_text or row.id is None:
            row.value, row.note, row.set_by = value, note_text, principal.user_id
            row.set_at = dt.datetime.now(dt.UTC)
    after = {f"{key}:{product}" if product else key: value for (key, product), (value, _) in wanted.items()}
    record(session, "targets.set", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise.id, target_type="enterprise_targets", target_id=f"{enterprise.id}:{year_number}",
           details={"year": year_number, "before": before, "after": after})
    session.flush()
    return year_targets(session, principal, enterprise.id, year_number)


# ------------------------------------------------------------------------------------- JSON


def _tracking_dict(tracking: Tracking) -> dict[str, Any]:
    return {"to_date": tracking.to_date, "projected": tracking.projected, "progress": tracking.progress,
            "expected": tracking.expected, "projected_ratio": tracking.projected_ratio, "status": tracking.status}


def targets_dict(view: TargetsView) -> dict[str, Any]:
    """The JSON answer of ``GET/PUT /api/v1/enterprises/{id}/targets``."""
    return {
        "enterprise_id": view.enterprise.id, "year": view.year, "periods": view.periods, "months": view.months,
        "complete": view.complete, "output_value_10k_cny": view.output_value, "can_manage": view.can_manage,
        "products": [{"product": p.key, "name_zh": p.name_zh, "name_en": p.name_en, "unit": p.unit}
                     for p in view.products],
        "targets": [{"metric": t.metric.key, "kind": t.metric.kind, "product": t.product.key if t.product else None,
                     "value": t.value, "unit": t.unit, "note": t.note, "set_at": t.set_at,
                     **_tracking_dict(t.tracking)} for t in view.targets],
    }
