"""Data-quality service: findings on a meter's daily series with zh/en messages and fixes."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from greenmfg.calc.data_quality import SeriesFlag, Sufficiency, check_series, sufficiency
from greenmfg.monitoring.mv_labels import FIXES, message

__all__ = ["describe", "describe_note", "describe_significance", "describe_sufficiency", "series_findings"]


def describe(finding: SeriesFlag) -> dict[str, Any]:
    """A finding as a dict with English and Chinese message and fix."""
    data = finding.as_dict()
    fields = {**data["params"], **{k: v for k, v in data.items() if k != "params"}}
    fix = FIXES.get(finding.fix, (finding.fix, finding.fix))
    return {**data, "message": message(finding.name, fields), "message_zh": message(finding.name, fields, zh=True),
            "fix_text": fix[0], "fix_text_zh": fix[1]}


def describe_sufficiency(verdict: Sufficiency) -> dict[str, Any]:
    data = verdict.as_dict()
    data["reasons"] = [{**r, "message": message(r["name"], r), "message_zh": message(r["name"], r, zh=True)}
                       for r in data["reasons"]]
    return data


def describe_note(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """A named note (e.g. ``monitoring.savings.outside_baseline_range``) with its English and Chinese message."""
    return {"name": name, **data, "message": message(name, data), "message_zh": message(name, data, zh=True)}


def describe_significance(significance: dict[str, Any], avoided_energy: float) -> dict[str, Any]:
    """The verdict of :func:`greenmfg.calc.mv.savings_significance` with its English and Chinese message
    (no message when the 68 % band was not computed)."""
    verdict = significance.get("verdict")
    if verdict is None:
        return dict(significance)
    fsu = significance.get("fsu")
    fsu_text = f"{fsu:.0%}" if isinstance(fsu, (int, float)) and math.isfinite(fsu) and fsu < 1000 else "∞"
    if verdict == "not_significant":
        verdict = "not_significant_increase" if avoided_energy < 0 else "not_significant_savings"
    return describe_note(f"monitoring.savings.{verdict}", {**significance, "fsu_text": fsu_text})


def series_findings(dates: Sequence[dt.date], energy: Sequence[float | None], *, meter_id: int | None = None,
                    unit: str | None = None) -> list[dict[str, Any]]:
    """Described findings on a daily energy series (gaps, spikes, flat lines, negative values)."""
    return [describe(f) for f in check_series(dates, energy, meter_id=meter_id, unit=unit)]


__all__ += ["sufficiency"]
