"""The pathway charts: ECharts options for the pages and the same figures as static SVG for the PDF.

Drawn from the results' documents (``to_document()``), in the reader's language:

* waterfall of the LMDI effects (base-year value, each effect up or down, target-year value);
* scenario pathways with their 5–95 % bands and the probability of having peaked by each year;
* marginal abatement cost curve: a bar per measure, its width the abatement [tCO2e/yr], its height
  the cost per tonne [CNY/tCO2e] (an ECharts custom series: ``renderItem: "macc"`` is drawn by
  ``web/static/js/app.js``); measures of the least-cost portfolio in the brand colour;
* the industries of a region side by side (grouped bars of each industry's effects).

WeasyPrint runs no JavaScript, so the report draws each figure as inline SVG (plain rectangles,
lines and text), beside the tables that hold every number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from greenmfg.i18n import N_, Translator

__all__ = ["bands_option", "bands_svg", "industries_option", "macc_option", "macc_svg", "peak_probability_option",
           "scale", "waterfall_option", "waterfall_svg"]

#: colours of the house theme (web/static/css): rises, falls, totals, the portfolio and the rest
RISE, FALL, TOTAL, CHOSEN, OTHER = "#e2675c", "#14937f", "#3b8fd1", "#14937f", "#b8c4c0"
BAND_COLOURS = ("#14937f", "#f0a43a", "#7c6fd6", "#3b8fd1")


def scale(values: Sequence[float | None], unit: str, t: Translator) -> tuple[float, str]:
    """A divisor and its unit words for tonnes: tCO2e → 万 tCO2e (zh) / kt (en) or Mt as the size asks."""
    biggest = max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)
    base = unit.removeprefix("t")   # "CO2e", "CO2", "ce"
    if biggest >= 1e8:
        return 1e6, t.gettext(N_("million t%(what)s"), what=base)
    if biggest >= 1e5:
        return (1e4, t.gettext(N_("10 000 t%(what)s"), what=base)) if t.locale == "zh-CN" else \
            (1e3, t.gettext(N_("thousand t%(what)s"), what=base))
    return 1.0, unit


def _round(value: float | None, divisor: float = 1.0) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value / divisor, 4)


def _steps(aggregate: Mapping[str, Any], name: Callable[[Mapping[str, Any]], str]
           ) -> list[tuple[str, float, float, str]]:
    """(label, bottom, top, kind) of each bar of a waterfall: the base total, each effect, the target total."""
    steps = [(str(aggregate["base_year_label"]), 0.0, aggregate["base_value"], "total")]
    level = aggregate["base_value"]
    for effect in aggregate["effects"]:
        value = effect["additive"]
        steps.append((name(effect), min(level, level + value), max(level, level + value), "rise" if value > 0 else "fall"))
        level += value
    steps.append((str(aggregate["target_year_label"]), 0.0, aggregate["target_value"], "total"))
    return steps


def _effect_name(t: Translator) -> Callable[[Mapping[str, Any]], str]:
    zh = t.locale == "zh-CN"
    return lambda effect: str(effect["name_zh"] if zh else effect["name_en"])


def _labelled(document: Mapping[str, Any], aggregate: Mapping[str, Any], t: Translator) -> dict[str, Any]:
    return {**aggregate, "base_year_label": t.gettext(N_("%(year)s total"), year=str(document["base_year"])),
            "target_year_label": t.gettext(N_("%(year)s total"), year=str(document["target_year"]))}


def waterfall_option(document: Mapping[str, Any], aggregate_name: str, t: Translator) -> dict[str, Any]:
    """ECharts option: the waterfall of one aggregate's additive effects (``emissions`` or ``energy``)."""
    aggregate = next(a for a in document["aggregates"] if a["name"] == aggregate_name)
    steps = _steps(_labelled(document, aggregate, t), _effect_name(t))
    divisor, unit = scale([s[2] for s in steps] + [s[1] for s in steps], aggregate["unit"], t)
    colours = {"total": TOTAL, "rise": RISE, "fall": FALL}
    bottoms = [_round(s[1], divisor) for s in steps]
    heights = [{"value": _round(s[2] - s[1], divisor), "itemStyle": {"color": colours[s[3]]},
                "change": _round((s[2] - s[1]) * (1 if s[3] != "fall" else -1), divisor)} for s in steps]
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8},
        "xAxis": {"type": "category", "data": [s[0] for s in steps],
                  "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value", "name": unit, "scale": True},
        "series": [
            {"name": "", "type": "bar", "stack": "waterfall", "data": bottoms, "silent": True,
             "itemStyle": {"color": "transparent", "borderRadius": 0}, "tooltip": {"show": False}},
            {"name": t.gettext(N_("Change")), "type": "bar", "stack": "waterfall", "data": heights,
             "itemStyle": {"borderRadius": 2}, "barMaxWidth": 40},
        ],
    }


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 2)


def bands_option(run: Mapping[str, Any], t: Translator) -> dict[str, Any]:
    """ECharts option: each scenario's net emissions, and its 5–95 % band when it has draws."""
    zh = t.locale == "zh-CN"
    scenarios = run["scenarios"]
    values = [v for s in scenarios for v in s["total_tco2"]]
    values += [v for s in scenarios if s.get("uncertainty") for v in s["uncertainty"]["total_tco2"]["p95"]]
    divisor, unit = scale(values, "tCO2", t)
    series: list[dict[str, Any]] = []
    for i, s in enumerate(scenarios):
        name = s["name_zh"] if zh else s["name_en"]
        colour = BAND_COLOURS[i % len(BAND_COLOURS)]
        series.append({"name": name, "type": "line", "data": [_round(v, divisor) for v in s["total_tco2"]],
                       "symbol": "none", "itemStyle": {"color": colour}, "lineStyle": {"color": colour},
                       "markPoint": {"data": [{"coord": [str(s["peak"]["year"]), _round(s["peak"]["tco2"], divisor)],
                                               "name": t.gettext(N_("Peak"))}], "symbolSize": 36,
                                     "label": {"formatter": t.gettext(N_("Peak"))}} if s["peak"]["peaked"] else None})
        spread = s.get("uncertainty")
        if spread:
            low, high = spread["total_tco2"]["p5"], spread["total_tco2"]["p95"]
            band = t.gettext(N_("%(name)s: 5–95 %% band"), name=name)
            series.append({"name": band, "type": "line", "data": [_round(v, divisor) for v in low],
                           "stack": f"band-{i}", "symbol": "none", "lineStyle": {"opacity": 0},
                           "tooltip": {"show": False}, "itemStyle": {"color": colour}})
            series.append({"name": band, "type": "line", "stack": f"band-{i}", "symbol": "none",
                           "data": [_round(h - lo, divisor) for lo, h in zip(low, high, strict=True)],
                           "lineStyle": {"opacity": 0}, "areaStyle": {"opacity": 0.18, "color": colour},
                           "itemStyle": {"color": colour}, "tooltip": {"show": False}})
            series.append({"name": t.gettext(N_("%(name)s: median of the draws"), name=name), "type": "line",
                           "data": [_round(v, divisor) for v in spread["total_tco2"]["p50"]], "symbol": "none",
                           "lineStyle": {"type": "dashed", "width": 1.5, "color": colour}, "itemStyle": {"color": colour}})
    for entry in series:
        if entry.get("markPoint") is None:
            entry.pop("markPoint", None)
    return {"tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 16, "top": 40, "bottom": 36},
            "xAxis": {"type": "category", "data": [str(y) for y in scenarios[0]["years"]], "boundaryGap": False},
            "yAxis": {"type": "value", "name": unit}, "series": series}


def peak_probability_option(run: Mapping[str, Any], t: Translator) -> dict[str, Any] | None:
    """ECharts option: the share of draws that have peaked by each year [%], per scenario; None without draws."""
    zh = t.locale == "zh-CN"
    series = [{"name": s["name_zh"] if zh else s["name_en"], "type": "line", "symbol": "none",
               "itemStyle": {"color": BAND_COLOURS[i % len(BAND_COLOURS)]},
               "data": [_percent(v) for v in s["uncertainty"]["peak_probability"]]}
              for i, s in enumerate(run["scenarios"]) if s.get("uncertainty")]
    if not series:
        return None
    return {"tooltip": {"trigger": "axis"}, "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 16, "top": 40, "bottom": 36},
            "xAxis": {"type": "category", "data": [str(y) for y in run["scenarios"][0]["years"]], "boundaryGap": False},
            "yAxis": {"type": "value", "name": t.gettext(N_("Peaked by the year (% of draws)")), "min": 0, "max": 100},
            "series": series}


def _curve(document: Mapping[str, Any], t: Translator) -> list[dict[str, Any]]:
    """The curve's bars: start and end of the cumulative abatement, cost per tonne, name, in the portfolio."""
    zh = t.locale == "zh-CN"
    measures = {m["key"]: m for m in document["measures"]}
    bars = []
    for step in document["curve"]:
        m = measures[step["key"]]
        end = step["cumulative_abatement_tco2e"]
        bars.append({"start": end - step["abatement_tco2e"], "end": end, "mac": step["mac_cny_per_tco2e"],
                     "name": m["name_zh"] if zh else m["name_en"], "chosen": m["in_portfolio"]})
    return bars


def macc_option(document: Mapping[str, Any], t: Translator) -> dict[str, Any]:
    """ECharts option: the cost curve as a custom series (``renderItem: "macc"``, see app.js)."""
    bars = _curve(document, t)
    data = [{"value": [round(b["start"], 3), round(b["end"], 3), round(b["mac"], 2), b["name"]],
             "itemStyle": {"color": CHOSEN if b["chosen"] else OTHER}} for b in bars]
    target = document["portfolio"].get("target_tco2e")
    series: dict[str, Any] = {
        "name": t.gettext(N_("Measures")), "type": "custom", "renderItem": "macc", "encode": {"x": [0, 1], "y": 2,
                                                                                             "tooltip": [3, 2]},
        "dimensions": [t.gettext(N_("From")), t.gettext(N_("To")), t.gettext(N_("Cost per tonne")),
                       t.gettext(N_("Measure"))],
        "data": data,
    }
    if target:
        series["markLine"] = {"symbol": "none", "silent": True, "lineStyle": {"type": "dashed", "color": RISE},
                              "label": {"formatter": t.gettext(N_("Target")), "position": "insideEndTop"},
                              "data": [{"xAxis": round(float(target), 3)}]}
    return {
        "tooltip": {"trigger": "item"},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8},
        "xAxis": {"type": "value", "name": t.gettext(N_("Cumulative abatement (tCO2e per year)")),
                  "nameLocation": "middle", "min": 0},
        "yAxis": {"type": "value", "name": t.gettext(N_("Cost (CNY per tCO2e)"))},
        "series": [series],
    }


def industries_option(rows: Sequence[tuple[str, Mapping[str, Any]]], t: Translator) -> dict[str, Any]:
    """ECharts option: the emissions effects of each industry side by side (one bar group per effect)."""
    zh = t.locale == "zh-CN"
    order: dict[str, str] = {}
    for _name, document in rows:
        emissions = next(a for a in document["aggregates"] if a["name"] == "emissions")
        for e in emissions["effects"]:
            order.setdefault(e["key"], e["name_zh"] if zh else e["name_en"])
    values = [e["additive"] for _n, d in rows for a in d["aggregates"] if a["name"] == "emissions"
              for e in a["effects"]]
    divisor, unit = scale(values, "tCO2e", t)
    series = []
    for name, document in rows:
        emissions = next(a for a in document["aggregates"] if a["name"] == "emissions")
        by_key = {e["key"]: e["additive"] for e in emissions["effects"]}
        series.append({"name": name, "type": "bar", "data": [_round(by_key.get(k), divisor) for k in order]})
    return {"tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}}, "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 16, "top": 40, "bottom": 36},
            "xAxis": {"type": "value", "name": unit, "nameLocation": "middle", "splitNumber": 3},
            "yAxis": {"type": "category", "data": list(order.values()), "inverse": True,
                      "axisLabel": {"width": 120, "overflow": "truncate"}},
            "series": series}


# ---------------------------------------------------------------------------------------- static SVG

_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 640.0, 260.0, 64.0, 12.0, 16.0, 70.0


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step: float = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    return [float(first + i * step) for i in range(int(math.ceil((high - first) / step)) + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"


def _frame(low: float, high: float, unit: str) -> tuple[list[str], Callable[[float], float], float, float]:
    ticks = _ticks(low, high)
    low, high = min(ticks[0], low), max(ticks[-1], high)
    plot_h = _H - _TOP - _BOTTOM

    def y(value: float) -> float:
        return _TOP + plot_h * (1 - (value - low) / (high - low))

    parts = [f'<text x="4" y="10" font-size="9" fill="#4d5d59">{escape(unit)}</text>']
    for tick in ticks:
        parts.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e1e8e5" '
                     'stroke-width="0.6"/>')
        parts.append(f'<text x="{_LEFT - 4}" y="{y(tick) + 3:.1f}" font-size="8" text-anchor="end" '
                     f'fill="#4d5d59">{_number(tick)}</text>')
    return parts, y, low, high


def _svg(parts: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W:.0f} {_H:.0f}" width="100%" role="img" '
            f'aria-label="{escape(label)}" font-family="Noto Sans CJK SC, Noto Sans, sans-serif">'
            + "".join(parts) + "</svg>")


def waterfall_svg(document: Mapping[str, Any], aggregate_name: str, t: Translator) -> str:
    """The waterfall as static SVG (for the PDF)."""
    aggregate = next(a for a in document["aggregates"] if a["name"] == aggregate_name)
    steps = _steps(_labelled(document, aggregate, t), _effect_name(t))
    divisor, unit = scale([s[2] for s in steps], aggregate["unit"], t)
    low = min(0.0, *(s[1] / divisor for s in steps))
    high = max(s[2] / divisor for s in steps)
    parts, y, _low, _high = _frame(low, high, unit)
    width = (_W - _LEFT - _RIGHT) / len(steps)
    colours = {"total": TOTAL, "rise": RISE, "fall": FALL}
    for i, (label, bottom, top, kind) in enumerate(steps):
        x = _LEFT + i * width + width * 0.15
        y_top, y_bottom = y(top / divisor), y(bottom / divisor)
        parts.append(f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{width * 0.7:.1f}" '
                     f'height="{max(0.8, y_bottom - y_top):.1f}" fill="{colours[kind]}"/>')
        cx, cy = x + width * 0.35, _H - _BOTTOM + 8
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="7.5" text-anchor="end" fill="#1d2b28" '
                     f'transform="rotate(-35 {cx:.1f} {cy:.1f})">{escape(short)}</text>')
    return _svg(parts, t.gettext(N_("Waterfall of the effects")))


def bands_svg(run: Mapping[str, Any], t: Translator) -> str:
    """Each scenario's pathway and its 5–95 % band as static SVG (for the PDF)."""
    zh = t.locale == "zh-CN"
    scenarios = run["scenarios"]
    years = scenarios[0]["years"]
    values = [v for s in scenarios for v in s["total_tco2"]]
    values += [v for s in scenarios if s.get("uncertainty") for v in s["uncertainty"]["total_tco2"]["p95"]]
    values += [v for s in scenarios if s.get("uncertainty") for v in s["uncertainty"]["total_tco2"]["p5"]]
    divisor, unit = scale(values, "tCO2", t)
    parts, y, _low, _high = _frame(min(0.0, min(values) / divisor), max(values) / divisor, unit)
    span = max(1, len(years) - 1)

    def x(i: int) -> float:
        return _LEFT + (_W - _LEFT - _RIGHT) * i / span

    for i, s in enumerate(scenarios):
        colour = BAND_COLOURS[i % len(BAND_COLOURS)]
        spread = s.get("uncertainty")
        if spread:
            upper = [f"{x(k):.1f},{y(v / divisor):.1f}" for k, v in enumerate(spread["total_tco2"]["p95"])]
            lower = [f"{x(k):.1f},{y(v / divisor):.1f}" for k, v in enumerate(spread["total_tco2"]["p5"])]
            parts.append(f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{colour}" fill-opacity="0.18"/>')
        line = " ".join(f"{x(k):.1f},{y(v / divisor):.1f}" for k, v in enumerate(s["total_tco2"]))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        name = s["name_zh"] if zh else s["name_en"]
        parts.append(f'<rect x="{_LEFT + i * 150:.0f}" y="{_H - 22:.0f}" width="10" height="6" fill="{colour}"/>'
                     f'<text x="{_LEFT + 14 + i * 150:.0f}" y="{_H - 16:.0f}" font-size="8" fill="#1d2b28">'
                     f'{escape(name)}</text>')
    for k, year in enumerate(years):
        if k % 5 == 0 or k == len(years) - 1:
            parts.append(f'<text x="{x(k):.1f}" y="{_H - _BOTTOM + 12:.1f}" font-size="8" text-anchor="middle" '
                         f'fill="#4d5d59">{year}</text>')
    return _svg(parts, t.gettext(N_("Pathways with their 5–95 % bands")))


def macc_svg(document: Mapping[str, Any], t: Translator) -> str:
    """The cost curve as static SVG (for the PDF): widths the abatement, heights the cost per tonne."""
    bars = _curve(document, t)
    if not bars:
        return ""
    right_end = float(max(b["end"] for b in bars))
    low, high = min(0.0, *(b["mac"] for b in bars)), max(0.0, *(b["mac"] for b in bars))
    parts, y, _low, _high = _frame(low, high, t.gettext(N_("Cost (CNY per tCO2e)")))
    plot_w = _W - _LEFT - _RIGHT

    def x(value: float) -> float:
        return _LEFT + plot_w * value / right_end

    for b in bars:
        y0, y1 = sorted((y(0.0), y(b["mac"])))
        parts.append(f'<rect x="{x(b["start"]):.1f}" y="{y0:.1f}" width="{max(0.8, x(b["end"]) - x(b["start"])):.1f}" '
                     f'height="{max(0.8, y1 - y0):.1f}" fill="{CHOSEN if b["chosen"] else OTHER}" stroke="#ffffff" '
                     'stroke-width="0.6"/>')
    target = document["portfolio"].get("target_tco2e")
    if target and target <= right_end:
        parts.append(f'<line x1="{x(target):.1f}" x2="{x(target):.1f}" y1="{_TOP}" y2="{_H - _BOTTOM}" '
                     f'stroke="{RISE}" stroke-dasharray="4 3"/>')
    for tick in _ticks(0.0, right_end, 4):
        if tick <= right_end:
            parts.append(f'<text x="{x(tick):.1f}" y="{_H - _BOTTOM + 12:.1f}" font-size="8" text-anchor="middle" '
                         f'fill="#4d5d59">{_number(tick)}</text>')
    parts.append(f'<text x="{_LEFT + plot_w / 2:.1f}" y="{_H - _BOTTOM + 28:.1f}" font-size="9" text-anchor="middle" '
                 f'fill="#4d5d59">{escape(t.gettext(N_("Cumulative abatement (tCO2e per year)")))}</text>')
    return _svg(parts, t.gettext(N_("Marginal abatement cost curve")))
