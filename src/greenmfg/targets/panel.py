"""The targets as a page shows them: labels, numbers and statuses in the page's language.

Used by the targets page and by the enterprise dashboard's targets card
(:mod:`greenmfg.accounting.pages`); the figures are :mod:`greenmfg.targets.service`'s.
"""

from __future__ import annotations

from typing import Any

from greenmfg.i18n import N_, Translator
from greenmfg.targets.service import METRICS, Product, TargetsView, TrackedTarget

__all__ = ["STATUS_BADGES", "metric_label", "panel", "product_label", "status_label"]

#: a tracking status → (badge of ``ui.badge``, English label)
STATUS_BADGES: dict[str, tuple[str, str]] = {
    "on_track": ("verified", N_("On track")),
    "at_risk": ("warning", N_("At risk")),
    "missed": ("error", N_("Target exceeded")),
    "no_data": ("pending", N_("No results yet")),
}


def product_label(product: Product, translator: Translator) -> str:
    name = product.name_zh if translator.locale == "zh-CN" else product.name_en
    return name[:1].upper() + name[1:]


def metric_label(target: TrackedTarget, translator: Translator) -> str:
    label = translator.gettext(target.metric.label)
    if target.product is not None:
        separator = "：" if translator.locale == "zh-CN" else ": "
        return f"{label}{separator}{product_label(target.product, translator)}"
    return label


def status_label(status: str, translator: Translator) -> str:
    return translator.gettext(STATUS_BADGES[status][1])


def _digits(value: float) -> int:
    """Decimals that show a value to three or four significant figures (12 345 → 0, 1.234 → 2, 0.62 → 3)."""
    magnitude = abs(value)
    return 0 if magnitude >= 1000 else 1 if magnitude >= 100 else 2 if magnitude >= 1 else 3


def _number(value: float | None, translator: Translator, digits: int) -> str:
    return translator.format_decimal(value, digits)


def _row(target: TrackedTarget, translator: Translator) -> dict[str, Any]:
    tracking = target.tracking
    digits = _digits(target.value)
    badge, _ = STATUS_BADGES[tracking.status]
    progress = tracking.progress
    return {
        "key": f"{target.metric.key}:{target.product.key if target.product else ''}",
        "metric": target.metric.key, "kind": target.metric.kind,
        "label": metric_label(target, translator), "unit": target.unit,
        "target": _number(target.value, translator, digits),
        "to_date": _number(tracking.to_date, translator, digits),
        "projected": _number(tracking.projected, translator, digits),
        "progress": translator.format_percent(progress, 0) if progress is not None else "—",
        # the bar: filled to progress (capped at 100 %), a mark at the share of the year reported
        "bar": None if progress is None else round(min(progress, 1.0) * 100, 1),
        "mark": round(tracking.expected * 100, 1) if target.metric.kind == "total" else None,
        "over": progress is not None and progress > 1.0,
        "status": tracking.status, "badge": badge, "status_label": status_label(tracking.status, translator),
        "note": target.note,
    }


def panel(view: TargetsView, translator: Translator) -> dict[str, Any]:
    """The year's targets for a template: rows, the basis of the projection, and the form's fields."""
    _ = translator.gettext
    if view.complete:
        basis = _("The year is complete: the figures are the year's results.")
    elif view.months:
        basis = translator.ngettext(
            "Year-end projection from %(num)s month so far (totals in proportion to the months reported; intensities "
            "as they are so far).",
            "Year-end projection from %(num)s months so far (totals in proportion to the months reported; intensities "
            "as they are so far).", view.months)
    else:
        basis = _("No results for this year yet: the targets will be tracked once data are committed.")
    current = {(t.metric.key, t.product.key if t.product else ""): t for t in view.targets}
    fields = []
    for metric in METRICS.values():
        products: list[Product | None] = list(view.products) if metric.per_product else [None]
        for product in products:
            key = (metric.key, product.key if product else "")
            existing = current.get(key)
            label = translator.gettext(metric.label)
            if product is not None:
                label += ("：" if translator.locale == "zh-CN" else ": ") + product_label(product, translator)
            fields.append({
                "name": f"{metric.key}:{product.key}" if product else metric.key,
                "label": label, "unit": metric.unit_for(product.unit if product else None),
                "value": "" if existing is None else repr(existing.value).removesuffix(".0"),
                "note": existing.note if existing and existing.note else "",
                "hint": (_("Needs the year's output value (entered on the green-list page).")
                         if metric.per_output and view.output_value is None else None),
            })
    return {"year": view.year, "rows": [_row(t, translator) for t in view.targets], "basis": basis,
            "fields": fields, "can_manage": view.can_manage, "output_value": view.output_value,
            "enterprise_id": view.enterprise.id}
