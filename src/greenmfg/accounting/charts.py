"""ECharts options for the enterprise pages (plain data: the ``ui.chart`` macro serialises them).

Labels arrive translated; values are rounded for display here (tooltips show the numbers as they
are), the figures themselves come from :mod:`greenmfg.accounting.dashboard`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from babel.dates import get_month_names

from greenmfg.calc.accounting import CATEGORIES
from greenmfg.i18n import Translator

__all__ = ["CATEGORY_COLOURS", "category_chart", "intensity_chart", "period_label", "product_name", "scope_chart",
           "sentence_case"]

#: one colour per emission category, the same on every page
CATEGORY_COLOURS: Mapping[str, str] = {
    "combustion": "#14937f", "process": "#f0a43a", "purchased_electricity": "#3b8fd1",
    "purchased_heat": "#e2675c", "exported": "#9aa8a4",
}
_SCOPE_COLOURS = {"scope1": "#14937f", "scope2": "#3b8fd1"}
_ENERGY_COLOUR = "#34c47c"


def period_label(period: str, translator: Translator, *, with_year: bool = False) -> str:
    """``2024-03`` as the month's short name (``3月``, ``Mar``); an annual ``2024`` as it is."""
    if len(period) != 7:
        return period
    month = get_month_names("abbreviated", locale=translator.babel_locale)[int(period[5:])]
    return f"{period[:4]} {month}" if with_year and translator.locale == "en" else (
        f"{period[:4]}年{month}" if with_year else month)


def sentence_case(name: str) -> str:
    """An English vocabulary name as a label starts: ``crude steel`` → ``Crude steel``."""
    return name[:1].upper() + name[1:]


def product_name(product: Mapping[str, Any], translator: Translator) -> str:
    """A dashboard product's name in the page's language."""
    return product["name_zh"] if translator.locale == "zh-CN" else sentence_case(product["name_en"])


def _rounded(values: Sequence[float | None], digits: int) -> list[float | None]:
    return [None if v is None else round(float(v), digits) for v in values]


def _base(labels: list[str], *, legend_top: int = 0) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": legend_top, "left": 0},
        "grid": {"left": 12, "right": 12, "top": 56, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels},
    }


def scope_chart(monthly: Mapping[str, Any], translator: Translator) -> dict[str, Any]:
    """Stacked monthly emissions by scope [tCO2e] with energy [tce] as a line on a second axis."""
    _ = translator.gettext
    labels = [period_label(p, translator) for p in monthly["periods"]]
    names = {"scope1": _("Scope 1 (direct)"), "scope2": _("Scope 2 (purchased energy)")}
    series: list[dict[str, Any]] = [
        {"name": names[scope], "type": "bar", "stack": "emissions", "color": _SCOPE_COLOURS[scope],
         "emphasis": {"focus": "series"}, "data": _rounded(monthly["scope"][scope], 1)}
        for scope in ("scope1", "scope2")
    ]
    exported = monthly["category"]["exported"]
    if any(v for v in exported):
        series.append({"name": _("Exported energy"), "type": "bar", "stack": "emissions",
                       "color": CATEGORY_COLOURS["exported"], "data": _rounded(exported, 1)})
    series.append({"name": _("Energy"), "type": "line", "yAxisIndex": 1, "color": _ENERGY_COLOUR,
                   "data": _rounded(monthly["energy_tce"], 1), "z": 5})
    return {**_base(labels),
            "yAxis": [{"type": "value", "name": "tCO2e"},
                      {"type": "value", "name": "tce", "splitLine": {"show": False}}],
            "series": series}


def category_chart(monthly: Mapping[str, Any], translator: Translator,
                   category_names: Mapping[str, str]) -> dict[str, Any]:
    """Stacked monthly emissions by source category [tCO2e] (categories without data left out)."""
    labels = [period_label(p, translator) for p in monthly["periods"]]
    series = [
        {"name": category_names[c], "type": "bar", "stack": "emissions", "color": CATEGORY_COLOURS[c],
         "emphasis": {"focus": "series"}, "data": _rounded(monthly["category"][c], 1)}
        for c in CATEGORIES if any(v for v in monthly["category"][c])
    ]
    return {**_base(labels), "yAxis": {"type": "value", "name": "tCO2e"}, "series": series}


def intensity_chart(products: Sequence[Mapping[str, Any]], translator: Translator, *, field: str,
                    digits: int) -> dict[str, Any]:
    """One line per product: ``field`` (``energy_intensity`` [kgce/unit] or ``emission_intensity``
    [tCO2e/unit]) over the periods; the unit is in each series' name."""
    periods = sorted({point["period"] for product in products for point in product["series"]})
    series = []
    for product in products:
        by_period = {point["period"]: point[field] for point in product["series"]}
        series.append({"name": f"{product_name(product, translator)} ({product[f'{field}_unit']})", "type": "line",
                       "connectNulls": True, "data": _rounded([by_period.get(p) for p in periods], digits)})
    units = sorted({product[f"{field}_unit"] for product in products})
    return {**_base([period_label(p, translator) for p in periods]),
            "tooltip": {"trigger": "axis"},
            "yAxis": {"type": "value", "scale": True, "name": units[0] if len(units) == 1 else ""},
            "series": series}
