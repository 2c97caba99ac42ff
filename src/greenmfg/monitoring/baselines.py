"""Energy-baseline service: fit from daily data, store with method version and window, predict, savings.

Daily input (``data`` as a JSON list of objects, or ``csv`` text with a header), one row a day:
``date`` (ISO), ``energy`` [meter unit per day], ``temperature_c`` [°C daily mean], optional
``production`` [t/d or the facility's unit]. Chinese headers 日期, 能耗, 温度, 产量 are accepted.
With ``energy_source: "readings"`` the energy comes from the readings store
(``greenmfg.monitoring.readings.daily_series``) and the rows only give the drivers.

Methods: ``change_point`` (CalTRACK daily, optional production extension) and ``multivariate``
(ISO 50006 OLS on any of production, hdd, cdd; degree days on ``hdd_base_c``/``cdd_base_c``,
default 18 °C / 26 °C as in GB 50176-2016 HDD18/CDD26 [P]).

Fitting requires a sufficient baseline (CalTRACK data sufficiency); ``override_insufficient``
with an ``override_reason`` fits anyway and stores the reason on the model.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.audit.service import record
from greenmfg.calc import mv
from greenmfg.calc.data_quality import (
    check_series,
    outside_baseline_range,
    sufficiency,
    sufficiency_iso50006,
)
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.monitoring.baseline_models import EnergyBaseline, SavingsReport
from greenmfg.monitoring.quality import (
    describe,
    describe_note,
    describe_significance,
    describe_sufficiency,
)
from greenmfg.monitoring.service import get_meter
from greenmfg.orgs.access import NotFound, Principal, get_enterprise
from greenmfg.orgs.models import Facility

__all__ = ["DailyFrame", "baseline_dict", "fit_baseline", "get_baseline", "list_baselines", "parse_daily",
           "predict", "savings"]

#: GB 50176-2016 heating/cooling degree-day bases (HDD18, CDD26) [°C] [P]
DEFAULT_HDD_BASE_C = 18.0
DEFAULT_CDD_BASE_C = 26.0
MAX_ROWS = 20000

_HEADERS = {"date": "date", "日期": "date", "energy": "energy", "能耗": "energy", "用能量": "energy",
            "temperature_c": "temperature_c", "temperature": "temperature_c", "温度": "temperature_c",
            "production": "production", "产量": "production"}


@dataclass(frozen=True, slots=True)
class DailyFrame:
    dates: list[dt.date]
    energy: list[float | None]
    temperature_c: list[float | None]
    production: list[float | None] | None


#: how this module words its findings
_INPUT = Locator(code_prefix="monitoring.input.", named=True, value_limit=80)


def _fail(issues: list[Issue]) -> ValidationFailed:
    return ValidationFailed(issues[:50], len(issues))


def _number(raw: Any, column: str, issues: list[Issue], *, required: bool) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if required:
            issues.append(_INPUT.finding("missing", column, raw, "a number is required", "必须填写数值",
                                         "give a number or leave the day out", "填写数值或删去该日"))
        return None
    if isinstance(raw, bool):
        raw = "x"
    try:
        value = float(raw)
    except (TypeError, ValueError):
        issues.append(_INPUT.finding("not_a_number", column, raw, "not a number", "不是数值",
                                     "write a decimal number such as 123.4", "请填写数值，如 123.4"))
        return None
    if not math.isfinite(value):
        issues.append(_INPUT.finding("not_finite", column, raw, "not a finite number", "不是有限数值",
                                     "write a finite number", "请填写有限数值"))
        return None
    return value


def parse_daily(body: dict[str, Any], *, field: str = "data", need_energy: bool = True) -> DailyFrame:
    """Parse daily rows (``data`` JSON list or ``csv`` text); located errors, all-or-nothing."""
    rows: list[dict[str, Any]]
    issues: list[Issue] = []
    prefix = field
    if body.get("csv") is not None:
        text = body["csv"]
        if not isinstance(text, str):
            raise _fail([_INPUT.finding("not_text", "csv", None, "must be CSV text", "必须为 CSV 文本",
                                        "send the CSV as a string", "以字符串发送 CSV")])
        reader = csv.DictReader(io.StringIO(text.strip()))
        unknown = [h for h in (reader.fieldnames or []) if h.strip() not in _HEADERS]
        if unknown:
            raise _fail([_INPUT.finding("unknown_column", "csv", unknown[0], "unknown column", "未知列",
                                        "use date, energy, temperature_c, production (日期, 能耗, 温度, 产量)",
                                        "列名请用 date, energy, temperature_c, production（日期、能耗、温度、产量）")])
        rows = [{_HEADERS[str(k).strip()]: v for k, v in r.items() if isinstance(k, str)} for r in reader]
        prefix = "csv"
    else:
        raw = body.get(field)
        if not isinstance(raw, list) or not raw:
            raise _fail([_INPUT.finding("missing", field, None, "a non-empty list of daily rows is required",
                                        "需要非空的逐日数据列表", "send [{\"date\": …, \"energy\": …, \"temperature_c\": …}]",
                                        "发送 [{\"date\": …, \"energy\": …, \"temperature_c\": …}]")])
        rows = []
        for i, r in enumerate(raw):
            if not isinstance(r, dict):
                issues.append(_INPUT.finding("not_object", f"{field}[{i}]", r, "must be an object", "必须为对象",
                                             "give date, energy and temperature_c", "填写 date、energy、temperature_c"))
                continue
            rows.append({_HEADERS.get(str(k), str(k)): v for k, v in r.items()})
    if len(rows) > MAX_ROWS:
        raise _fail([_INPUT.finding("too_many_rows", prefix, len(rows), f"more than {MAX_ROWS} rows", f"超过 {MAX_ROWS} 行",
                                    "send at most about 50 years of days", "请减少行数")])
    dates: list[dt.date] = []
    energy: list[float | None] = []
    temps: list[float | None] = []
    prod: list[float | None] = []
    has_production = any(r.get("production") not in (None, "") for r in rows)
    seen: set[dt.date] = set()
    for i, r in enumerate(rows):
        def loc(name: str, i: int = i) -> str:
            return f"csv row {i + 2}, column {name}" if prefix == "csv" else f"{prefix}[{i}].{name}"

        try:
            day = dt.date.fromisoformat(str(r.get("date", "")).strip())
        except ValueError:
            issues.append(_INPUT.finding("bad_date", loc("date"), r.get("date"), "not an ISO date", "不是 ISO 日期",
                                         "write the date as YYYY-MM-DD", "日期请写作 YYYY-MM-DD"))
            continue
        if day in seen:
            issues.append(_INPUT.finding("duplicate_date", loc("date"), day, "the same date twice", "日期重复",
                                         "give one row a day", "每天只能一行"))
            continue
        seen.add(day)
        dates.append(day)
        energy.append(_number(r.get("energy"), loc("energy"), issues, required=need_energy))
        temps.append(_number(r.get("temperature_c"), loc("temperature_c"), issues, required=False))
        prod.append(_number(r.get("production"), loc("production"), issues, required=False) if has_production else None)
    if issues:
        raise _fail(issues)
    order = sorted(range(len(dates)), key=dates.__getitem__)
    return DailyFrame([dates[i] for i in order], [energy[i] for i in order], [temps[i] for i in order],
                      [prod[i] for i in order] if has_production else None)


def _energy_from_readings(session: Session, meter_id: int, frame: DailyFrame, start: dt.date,
                          end: dt.date) -> DailyFrame:
    """Daily energy of the meter from the readings store for ``start``…``end`` (both included).

    Days without readings stay empty (missing is not zero), so the sufficiency check sees them.
    """
    from greenmfg.monitoring import readings

    series = dict(readings.daily_series(session, meter_id, start, end + dt.timedelta(days=1)))
    return DailyFrame(frame.dates, [series.get(d) for d in frame.dates], frame.temperature_c, frame.production)


def _window(body: dict[str, Any], frame: DailyFrame) -> tuple[dt.date, dt.date]:
    window = body.get("window") or {}
    issues: list[Issue] = []
    out: list[dt.date] = []
    for key, default in (("start", frame.dates[0]), ("end", frame.dates[-1])):
        raw = window.get(key) if isinstance(window, dict) else None
        if raw is None:
            out.append(default)
            continue
        try:
            out.append(dt.date.fromisoformat(str(raw)))
        except ValueError:
            issues.append(_INPUT.finding("bad_date", f"window.{key}", raw, "not an ISO date", "不是 ISO 日期",
                                         "write YYYY-MM-DD", "请写作 YYYY-MM-DD"))
    if issues:
        raise _fail(issues)
    if out[1] < out[0]:
        raise _fail([_INPUT.finding("window_order", "window.end", out[1], "ends before it starts", "结束早于开始",
                                    "swap start and end", "调换开始与结束日期")])
    return out[0], out[1]


def _restrict(frame: DailyFrame, start: dt.date, end: dt.date) -> DailyFrame:
    """The rows of ``frame`` from ``start`` to ``end`` (both included); 422 when none is left."""
    keep = [i for i, d in enumerate(frame.dates) if start <= d <= end]
    if not keep:
        raise _fail([_INPUT.finding("empty_window", "window", f"{start.isoformat()} – {end.isoformat()}",
                                    "no row of the data falls in the window", "数据中没有落在该时段内的日期",
                                    "send rows for the days of the window or change the window",
                                    "请提供该时段内的逐日数据，或调整时段")])
    return DailyFrame([frame.dates[i] for i in keep], [frame.energy[i] for i in keep],
                      [frame.temperature_c[i] for i in keep],
                      [frame.production[i] for i in keep] if frame.production is not None else None)


def _arrays(frame: DailyFrame, start: dt.date, end: dt.date, *, need_energy: bool = True,
            ) -> tuple[list[dt.date], np.ndarray, np.ndarray, np.ndarray | None]:
    keep = [i for i, d in enumerate(frame.dates) if start <= d <= end and frame.temperature_c[i] is not None
            and (not need_energy or frame.energy[i] is not None)
            and (frame.production is None or frame.production[i] is not None)]
    e = np.array([frame.energy[i] if frame.energy[i] is not None else np.nan for i in keep], dtype=float)
    t = np.array([frame.temperature_c[i] for i in keep], dtype=float)
    p = np.array([frame.production[i] for i in keep], dtype=float) if frame.production is not None else None
    return [frame.dates[i] for i in keep], e, t, p


def _options(body: dict[str, Any]) -> dict[str, Any]:
    issues: list[Issue] = []
    method = body.get("method", "change_point")
    if method not in ("change_point", "multivariate"):
        issues.append(_INPUT.finding("bad_method", "method", method, "unknown method", "未知方法",
                                     "use change_point or multivariate", "请用 change_point 或 multivariate"))
    option = body.get("ipmvp_option", "B")
    if option not in ("B", "C"):
        issues.append(_INPUT.finding("bad_option", "ipmvp_option", option, "must be B or C", "必须为 B 或 C",
                                     "B: one meter or sub-system; C: whole facility", "B：单表/子系统；C：全厂"))
    drivers = body.get("drivers", ["temperature_c"] if method == "change_point" else ["production", "hdd", "cdd"])
    allowed = {"change_point": {"temperature_c", "production"}, "multivariate": {"production", "hdd", "cdd"}}
    if method in allowed and (not isinstance(drivers, list) or any(d not in allowed[method] for d in drivers)):
        issues.append(_INPUT.finding("bad_drivers", "drivers", drivers, "unknown driver", "未知驱动因素",
                                     f"choose from {sorted(allowed.get(method, set()))}",
                                     f"请从 {sorted(allowed.get(method, set()))} 中选择"))
    bases = {}
    for key, default in (("hdd_base_c", DEFAULT_HDD_BASE_C), ("cdd_base_c", DEFAULT_CDD_BASE_C)):
        bases[key] = _number(body.get(key, default), key, issues, required=True)
    search = body.get("balance_point_search", "grid")
    if search not in mv.BALANCE_POINT_SEARCHES:
        issues.append(_INPUT.finding("bad_balance_point_search", "balance_point_search", search,
                                     "unknown balance-point search", "未知平衡点搜索方式",
                                     "grid: CalTRACK 2.0 1 °F grid; continuous: refined between grid points",
                                     "grid：CalTRACK 2.0 按 1 °F 网格；continuous：在网格点之间细化"))
    if issues:
        raise _fail(issues)
    return {"method": method, "option": option, "drivers": list(drivers), "balance_point_search": search, **bases}


def _mv_drivers(drivers: list[str], t: np.ndarray, p: np.ndarray | None, coeffs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in drivers:
        if d == "production":
            out[d] = p
        elif d == "hdd":
            out[d] = mv.hdd(t, coeffs["hdd_base_c"])
        elif d == "cdd":
            out[d] = mv.cdd(t, coeffs["cdd_base_c"])
    return out


def _fit_arrays(opts: dict[str, Any], e: np.ndarray, t: np.ndarray, p: np.ndarray | None,
                ) -> tuple[dict[str, Any], mv.FitMetrics, dict[str, float], list[str]]:
    if opts["method"] == "change_point":
        use_p = "production" in opts["drivers"]
        search = opts.get("balance_point_search", "grid")
        model = mv.fit_change_point(e, t, production=p if use_p else None, balance_point_search=search)
        assert model.metrics is not None
        return ({**model.coefficients(), "balance_point_search": model.balance_point_search}, model.metrics,
                dict(model.p_values), model.drivers)
    coeffs: dict[str, Any] = {"hdd_base_c": opts["hdd_base_c"], "cdd_base_c": opts["cdd_base_c"]}
    reg = mv.fit_regression(e, _mv_drivers(opts["drivers"], t, p, coeffs))
    coeffs |= {"intercept": reg.intercept, "coefficients": dict(reg.coefficients),
               "standard_errors": dict(reg.standard_errors), "drivers": list(reg.drivers)}
    return coeffs, reg.metrics, dict(reg.p_values), list(reg.drivers)


def _predict_arrays(method: str, coeffs: dict[str, Any], t: np.ndarray, p: np.ndarray | None) -> np.ndarray:
    if method == mv.CHANGE_POINT_METHOD:
        return mv.ChangePointModel.from_coefficients(coeffs).predict(t, p)
    drivers = _mv_drivers(coeffs["drivers"], t, p, coeffs)
    out = np.full(t.shape, float(coeffs["intercept"]))
    for name, values in drivers.items():
        out = out + coeffs["coefficients"][name] * np.asarray(values, dtype=float)
    return out


def _check_production(opts: dict[str, Any], frame: DailyFrame) -> None:
    if "production" in opts["drivers"] and frame.production is None:
        raise _fail([_INPUT.finding("missing_production", "drivers", "production", "production is a driver but no row "
                                    "gives production", "已选产量为驱动因素但数据中无产量", "add a production column",
                                    "请增加产量列")])


def _relevant_variables(opts: dict[str, Any], frame: DailyFrame, rows: list[int]) -> dict[str, list[float | None]]:
    """The relevant variables of a multivariate model per day of ``rows`` (None where missing)."""
    out: dict[str, list[float | None]] = {}
    for name in opts["drivers"]:
        if name == "production":
            out[name] = [frame.production[i] if frame.production is not None else None for i in rows]
            continue
        temps = np.array([np.nan if frame.temperature_c[i] is None else frame.temperature_c[i] for i in rows],
                         dtype=float)
        degree_days = _mv_drivers([name], temps, None, opts)[name]
        out[name] = [None if np.isnan(v) else float(v) for v in degree_days]
    return out


def fit_baseline(session: Session, principal: Principal, meter_id: int, body: dict[str, Any]) -> EnergyBaseline:
    """Fit, check and store a baseline for a meter (see the module docstring for the body)."""
    view = get_meter(session, principal, meter_id, manage=True)
    meter, facility = view.meter, view.facility
    opts = _options(body)
    source = body.get("energy_source", "inline")
    if source not in ("inline", "readings"):
        raise _fail([_INPUT.finding("bad_source", "energy_source", source, "unknown source", "未知数据来源",
                                    "use inline or readings", "请用 inline 或 readings")])
    frame = parse_daily(body, need_energy=source == "inline")
    start, end = _window(body, frame)
    if source == "readings":
        frame = _energy_from_readings(session, meter_id, frame, start, end)
    _check_production(opts, frame)
    in_window = [i for i, d in enumerate(frame.dates) if start <= d <= end]
    if opts["method"] == "multivariate":
        # an ISO 50006 statistical model is judged by its own rules, not CalTRACK's 365 days
        verdict = sufficiency_iso50006([frame.dates[i] for i in in_window], [frame.energy[i] for i in in_window],
                                       _relevant_variables(opts, frame, in_window), start=start, end=end)
    else:
        verdict = sufficiency([frame.dates[i] for i in in_window], [frame.energy[i] for i in in_window],
                              [frame.temperature_c[i] for i in in_window], start=start, end=end)
    findings = [describe(f) for f in check_series([frame.dates[i] for i in in_window],
                                                  [frame.energy[i] for i in in_window], meter_id=meter_id)]
    override = bool(body.get("override_insufficient", False))
    reason = body.get("override_reason")
    if not verdict.sufficient and not override:
        described = describe_sufficiency(verdict)
        raise _fail([_INPUT.finding("insufficient_data", "data", r["name"], r["message"], r["message_zh"],
                                    "extend the baseline window or fill the gaps; override_insufficient=true with an "
                                    "override_reason fits anyway (recorded)",
                                    "延长基准期或补齐缺失数据；如确需拟合，设置 override_insufficient=true 并填写 override_reason（将被记录）")
                     for r in described["reasons"]])
    if override and not verdict.sufficient and (not isinstance(reason, str) or not reason.strip()):
        raise _fail([_INPUT.finding("override_reason", "override_reason", reason, "an override needs a reason",
                                    "强制拟合须说明理由", "say why the insufficient data is acceptable",
                                    "请说明为何可接受数据不足")])
    dates, e, t, p = _arrays(frame, start, end)
    if e.size < 10:
        raise _fail([_INPUT.finding("too_few_days", "data", e.size, "fewer than 10 complete days", "完整数据少于 10 天",
                                    "send more days", "请提供更多天数据")])
    coeffs, fit, p_values, drivers = _fit_arrays(opts, e, t, p)
    method = mv.CHANGE_POINT_METHOD if opts["method"] == "change_point" else mv.MULTIVARIATE_METHOD
    checks = mv.validity_checks(fit, p_values, interval="daily")
    baseline = EnergyBaseline(
        meter_id=meter.id, facility_id=facility.id, method=method,
        method_version=mv.METHOD_VERSION if method == mv.CHANGE_POINT_METHOD else mv.MULTIVARIATE_METHOD_VERSION,
        ipmvp_option=opts["option"], window_start=start, window_end=end, drivers=drivers, coefficients=coeffs,
        metrics={**fit.as_dict(), "p_values": p_values, "validity": checks,
                 "valid": all(c["passed"] for c in checks)},
        sufficiency={**describe_sufficiency(verdict), "findings": findings}, energy_unit=meter.unit,
        data_source=source,
        override_reason=reason.strip() if override and not verdict.sufficient and isinstance(reason, str) else None,
        created_by=principal.user_id)
    session.add(baseline)
    session.flush()
    record(session, "monitoring.baseline.create", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=facility.enterprise_id, target_type="energy_baseline", target_id=baseline.id,
           details={"meter_id": meter.id, "method": method, "window": [start.isoformat(), end.isoformat()],
                    "override": baseline.override_reason})
    return baseline


def get_baseline(session: Session, principal: Principal, baseline_id: int) -> EnergyBaseline:
    baseline = session.get(EnergyBaseline, baseline_id)
    if baseline is None:
        raise NotFound("baseline", baseline_id)
    facility = session.get(Facility, baseline.facility_id) if baseline.facility_id is not None else None
    if facility is None:
        raise NotFound("baseline", baseline_id)
    try:
        get_enterprise(session, principal, facility.enterprise_id)
    except NotFound:
        raise NotFound("baseline", baseline_id) from None
    return baseline


def list_baselines(session: Session, principal: Principal, meter_id: int) -> list[EnergyBaseline]:
    get_meter(session, principal, meter_id)
    return list(session.execute(select(EnergyBaseline).where(EnergyBaseline.meter_id == meter_id)
                                .order_by(EnergyBaseline.id.desc())).scalars())


def baseline_dict(b: EnergyBaseline) -> dict[str, Any]:
    return {"id": b.id, "meter_id": b.meter_id, "facility_id": b.facility_id, "method": b.method,
            "method_version": b.method_version, "ipmvp_option": b.ipmvp_option,
            "window": {"start": b.window_start.isoformat(), "end": b.window_end.isoformat()},
            "drivers": b.drivers, "coefficients": b.coefficients, "metrics": b.metrics,
            "sufficiency": b.sufficiency, "energy_unit": b.energy_unit, "data_source": b.data_source,
            "override_reason": b.override_reason, "created_by": b.created_by,
            "created_at": b.created_at.isoformat() if b.created_at else None}


def predict(baseline: EnergyBaseline, frame: DailyFrame) -> tuple[list[dt.date], np.ndarray, np.ndarray]:
    """Adjusted baseline (the model under the frame's conditions) and the actual energy per day."""
    if "production" in baseline.drivers and frame.production is None:
        raise _fail([_INPUT.finding("missing_production", "data", "production", "this baseline uses production; "
                                    "the rows give none", "该基准模型使用产量，但数据中无产量", "add a production column",
                                    "请增加产量列")])
    dates, e, t, p = _arrays(frame, frame.dates[0], frame.dates[-1])
    return dates, _predict_arrays(baseline.method, baseline.coefficients, t, p), e


def savings(session: Session, principal: Principal, baseline_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Avoided energy use over a reporting period (IPMVP option of the baseline) with FSU bands.

    ``window`` (``{"start", "end"}``, ISO dates, both included) limits the reporting period to
    those rows of the data. With ``standard_conditions`` (rows of date, temperature_c, production)
    also normalised savings:
    the baseline model and a model of the same method fitted on the reporting period, both on
    the standard conditions.
    """
    baseline = get_baseline(session, principal, baseline_id)
    source = body.get("energy_source", "inline")
    if source not in ("inline", "readings") or (source == "readings" and baseline.meter_id is None):
        raise _fail([_INPUT.finding("bad_source", "energy_source", source, "unknown source (readings needs a meter baseline)",
                                    "未知数据来源（readings 需要表计基准模型）", "use inline or readings",
                                    "请用 inline 或 readings")])
    frame = parse_daily(body, need_energy=source == "inline")
    if body.get("window") is not None:
        frame = _restrict(frame, *_window(body, frame))
    if source == "readings":
        assert baseline.meter_id is not None
        frame = _energy_from_readings(session, baseline.meter_id, frame, frame.dates[0], frame.dates[-1])
    dates, adjusted, actual = predict(baseline, frame)
    if actual.size == 0:
        raise _fail([_INPUT.finding("no_complete_days", "data", 0, "no day has energy and all drivers",
                                    "没有同时具备能耗和驱动因素的日期", "send complete rows", "请提供完整数据行")])
    fit = mv.FitMetrics(**{k: baseline.metrics[k] for k in ("n", "n_parameters", "r2", "adj_r2", "rmse", "cv_rmse",
                                                            "nmbe", "mean", "autocorrelation")})
    result = mv.avoided_energy_use(adjusted, actual, fit=fit, option=baseline.ipmvp_option)
    answer: dict[str, Any] = {"baseline_id": baseline.id, "method": baseline.method,
                              "method_version": baseline.method_version,
                              "reporting_period": {"start": dates[0].isoformat(), "end": dates[-1].isoformat(),
                                                   "days": len(dates)},
                              "energy_unit": baseline.energy_unit, **result.as_dict(),
                              "significance": describe_significance(
                                  mv.savings_significance(result.avoided_energy, result.uncertainty),
                                  result.avoided_energy)}
    ranges = (baseline.sufficiency or {}).get("ranges") or {}
    if ranges:
        # an ISO 50006 model used outside the range of its relevant variables extrapolates
        _dr, _er, rt, rp = _arrays(frame, frame.dates[0], frame.dates[-1])
        outside = outside_baseline_range(ranges, _mv_drivers(list(ranges), rt, rp, baseline.coefficients))
        answer["warnings"] = [describe_note("monitoring.savings.outside_baseline_range",
                                            {"variable": name, "value": count, "low": ranges[name][0],
                                             "high": ranges[name][1]}) for name, count in outside.items()]
    if body.get("standard_conditions") is not None:
        standard = parse_daily(body, field="standard_conditions", need_energy=False)
        _d, _e, st, sp = _arrays(standard, standard.dates[0], standard.dates[-1], need_energy=False)
        opts = {"method": "change_point" if baseline.method == mv.CHANGE_POINT_METHOD else "multivariate",
                "drivers": baseline.coefficients.get("drivers") or baseline.drivers,
                "hdd_base_c": baseline.coefficients.get("hdd_base_c", DEFAULT_HDD_BASE_C),
                "cdd_base_c": baseline.coefficients.get("cdd_base_c", DEFAULT_CDD_BASE_C),
                # the reporting-period model is found the same way as the baseline's
                "balance_point_search": baseline.coefficients.get("balance_point_search", "grid")}
        _dr, _er, rt, rp = _arrays(frame, frame.dates[0], frame.dates[-1])
        rep_coeffs, _fit, _p, _names = _fit_arrays(opts, actual, rt, rp)
        answer["normalised_savings"] = mv.normalised_savings(
            _predict_arrays(baseline.method, baseline.coefficients, st, sp),
            _predict_arrays(baseline.method, {**baseline.coefficients, **rep_coeffs}, st, sp))
        answer["standard_days"] = int(st.size)
    facility = session.get(Facility, baseline.facility_id) if baseline.facility_id is not None else None
    if facility is not None and principal.can_manage(facility.enterprise_id):
        answer.update(_store_report(session, principal, baseline, dates, actual, adjusted, answer, source))
    return answer


def _store_report(session: Session, principal: Principal, baseline: EnergyBaseline, dates: list[dt.date],
                  actual: np.ndarray, adjusted: np.ndarray, answer: dict[str, Any], source: str) -> dict[str, Any]:
    """Keep the report (for the meter dashboard) and check the period for anomalies against the
    baseline: days far above or below the model become alerts of the energy-saving diagnosis."""
    from greenmfg.diagnosis.labels import alert_severity_key
    from greenmfg.diagnosis.service import detect_for_meter

    report = SavingsReport(baseline_id=baseline.id, meter_id=baseline.meter_id, period_start=dates[0],
                           period_end=dates[-1], data_source=source, created_by=principal.user_id,
                           days={"dates": [d.isoformat() for d in dates], "actual": [float(v) for v in actual],
                                 "adjusted": [float(v) for v in adjusted]},
                           result=dict(answer))
    session.add(report)
    session.flush()
    alerts = []
    if baseline.meter_id is not None:
        alerts = detect_for_meter(session, baseline.meter_id, dates, actual.tolist(), adjusted.tolist())
    record(session, "monitoring.savings_report", actor=principal.username, actor_user_id=principal.user_id,
                 details={"report_id": report.id, "baseline_id": baseline.id, "alerts": len(alerts)})
    return {"report_id": report.id, "alerts": [{"id": a.id, "kind": a.kind, "started": a.started.isoformat(),
                                                "ended": a.ended.isoformat(),
                                                "severity": alert_severity_key(a.severity, a.excess_kwh),
                                                "departure_severity": a.severity,
                                                "excess": a.excess_kwh} for a in alerts]}
