"""The meter dashboard's M&V section: baseline against actual, cumulative savings and alerts.

Reads what is stored — the meter's newest baseline, its newest savings report (per-day actual and
adjusted baseline, kept by :func:`greenmfg.monitoring.baselines.savings`) and the diagnosis alerts
of the meter — and never fits or predicts on a page view.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import accumulate
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.calc import mv
from greenmfg.diagnosis.labels import (
    REPORT_TEXT,
    SEVERITY_LABELS,
    STATUS_LABELS,
    alert_kind_key,
    alert_severity_key,
)
from greenmfg.diagnosis.models import DiagnosisAlert
from greenmfg.monitoring import service
from greenmfg.monitoring.baseline_models import EnergyBaseline, SavingsReport
from greenmfg.monitoring.mv_labels import check_name

__all__ = ["baseline_section"]

MAX_ALERTS = 20


def _label(labels: Mapping[str, Mapping[str, str]], key: str) -> dict[str, str]:
    """``{"zh", "en"}`` names of a diagnosis term (the key itself when unknown); ``REPORT_TEXT`` is by language."""
    if labels is REPORT_TEXT:
        return {lang: labels[lang].get(key, key) for lang in ("zh", "en")}
    names = labels.get(key, {})
    return {lang: names.get(lang, key) for lang in ("zh", "en")}


def _sufficiency(data: dict[str, Any]) -> dict[str, Any]:
    """The stored data-sufficiency verdict and data-quality findings, zh/en messages kept."""
    return {"sufficient": data.get("sufficient"), "days": data.get("days"),
            "days_with_data": data.get("days_with_data"), "coverage": data.get("coverage"),
            "reasons": [r for r in data.get("reasons", []) if isinstance(r, dict)],
            "findings": [f for f in data.get("findings", []) if isinstance(f, dict)][:10]}


def _significance(result: dict[str, Any]) -> dict[str, Any]:
    """Whether a stored report's savings are significant (computed from its stored bands, so reports
    stored before the verdict was added get it too)."""
    bands = {float(u["confidence"]): (float(u["fsu"]), float(u["band"])) for u in result.get("uncertainty", [])
             if isinstance(u, dict) and {"confidence", "fsu", "band"} <= set(u)}
    return mv.savings_significance(float(result.get("avoided_energy") or 0.0), bands)


def baseline_section(session: Session, view: service.MeterView) -> dict[str, Any]:
    """Context of ``monitoring/_baseline_section.html`` for one meter (the caller checked access)."""
    meter_id = view.meter.id
    baseline = session.execute(select(EnergyBaseline).where(EnergyBaseline.meter_id == meter_id)
                               .order_by(EnergyBaseline.created_at.desc(), EnergyBaseline.id.desc())
                               .limit(1)).scalar_one_or_none()
    # the savings card follows the current (newest) baseline: a report made with an earlier
    # baseline is not shown as the current savings after a refit
    report = None if baseline is None else session.execute(
        select(SavingsReport).where(SavingsReport.meter_id == meter_id, SavingsReport.baseline_id == baseline.id)
        .order_by(SavingsReport.created_at.desc(), SavingsReport.id.desc()).limit(1)).scalar_one_or_none()
    earlier_report = report is None and baseline is not None and session.execute(
        select(SavingsReport.id).where(SavingsReport.meter_id == meter_id).limit(1)).first() is not None
    alerts = session.execute(select(DiagnosisAlert).where(DiagnosisAlert.meter_id == meter_id)
                             .order_by(DiagnosisAlert.started.desc(), DiagnosisAlert.id.desc())
                             .limit(MAX_ALERTS)).scalars().all()
    context: dict[str, Any] = {"template": "monitoring/_baseline_section.html", "baseline": None, "report": None,
                               "earlier_report": earlier_report,
                               "alerts": [{"kind": _label(REPORT_TEXT, alert_kind_key(a.kind, a.excess_kwh)), "started": a.started.isoformat(),
                                           "ended": a.ended.isoformat(), "excess": a.excess_kwh,
                                           "severity": _label(SEVERITY_LABELS, alert_severity_key(a.severity, a.excess_kwh)),
                                           "status": _label(STATUS_LABELS, a.status)} for a in alerts]}
    if baseline is not None:
        metrics = baseline.metrics
        context["baseline"] = {
            "id": baseline.id, "method": baseline.method, "model_type": baseline.coefficients.get("model_type"),
            "rules": (baseline.sufficiency or {}).get("rules")
            or ("iso50006" if baseline.method == mv.MULTIVARIATE_METHOD else "caltrack"),
            "window": f"{baseline.window_start.isoformat()} – {baseline.window_end.isoformat()}",
            "r2": metrics.get("r2"), "cv_rmse": metrics.get("cv_rmse"), "nmbe": metrics.get("nmbe"),
            "valid": all(c.get("passed", True) for c in metrics.get("validity", []) if isinstance(c, dict)),
            "override": baseline.override_reason, "method_version": baseline.method_version,
            "n": metrics.get("n"), "data_source": baseline.data_source,
            "checks": [{**c, "label": {"zh-CN": check_name(str(c.get("check")), zh=True),
                                       "en": check_name(str(c.get("check")), zh=False)}}
                       for c in metrics.get("validity", []) if isinstance(c, dict)],
            "sufficiency": _sufficiency(baseline.sufficiency or {})}
    if report is not None:
        dates = report.days["dates"]
        actual = report.days["actual"]
        adjusted = report.days["adjusted"]
        cumulative = list(accumulate(a - b for a, b in zip(adjusted, actual, strict=True)))
        context["report"] = {
            "period": f"{report.period_start.isoformat()} – {report.period_end.isoformat()}",
            "avoided": report.result.get("avoided_energy"), "unit": report.result.get("energy_unit"),
            "savings_fraction": report.result.get("savings_fraction"),
            "adjusted": report.result.get("adjusted_baseline"), "actual": report.result.get("reporting_actual"),
            "days": len(dates), "data_source": report.data_source,
            "uncertainty": [u for u in report.result.get("uncertainty", []) if isinstance(u, dict)],
            "significance": _significance(report.result),
            "warnings": [w for w in report.result.get("warnings", []) if isinstance(w, dict)],
            "chart": {
                "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
                "xAxis": {"type": "category", "data": dates},
                "yAxis": [{"type": "value", "name": report.result.get("energy_unit")},
                          {"type": "value", "name": "Σ", "splitLine": {"show": False}}],
                "series": [{"name": "actual", "type": "line", "showSymbol": False, "data": actual},
                           {"name": "baseline", "type": "line", "showSymbol": False,
                            "lineStyle": {"type": "dashed"}, "data": adjusted},
                           {"name": "cumulative", "type": "line", "yAxisIndex": 1, "showSymbol": False,
                            "areaStyle": {"opacity": 0.12}, "data": [round(v, 3) for v in cumulative]}]}}
    if context["baseline"] is None and context["report"] is None and not context["alerts"]:
        context["empty"] = True
    return context
