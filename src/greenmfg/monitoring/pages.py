"""Meter pages: the list of visible meters and one meter's dashboard (with a CSV upload form).

Routes
------
``/meters``
    Meters of the enterprises the user may see, with their newest reading.
``/meters/{meter_id}``
    The meter dashboard: newest readings, daily consumption of the last 30 days and the hourly
    profile of the newest day. Further sections (baseline against actual, cumulative savings,
    alerts) plug in through :data:`DASHBOARD_SECTIONS`: each hook returns ``None`` or a dict
    with ``template`` (a partial under a domain's ``templates/``) and its context.
POST ``/meters/{meter_id}/upload``
    CSV upload (``ts,value,unit``), all or nothing; errors are listed with row and column.
POST ``/meters/{meter_id}/baselines``, POST ``/meters/{meter_id}/savings``
    The M&V forms of the meter page (enterprise managers): fit a baseline, report savings. They
    build the API's request body and call the same services (:mod:`monitoring.baselines`); a
    refused input re-renders the page with the located zh/en issues and stores nothing.
POST ``/enterprises/{enterprise_id}/meters/account``
    Monthly meter totals into a new accounting data version (``accounting_bridge``), one month
    or a range; the page lists what each month created (imported data wins over meters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting.models import ImportBatch
from greenmfg.db.session import Database
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.monitoring import baselines, service
from greenmfg.monitoring.baseline_models import EnergyBaseline
from greenmfg.monitoring.mv_section import baseline_section
from greenmfg.monitoring.readings import LOCAL_TZ, PayloadError, raw_readings, series
from greenmfg.orgs.access import NotFound, Principal, enterprise_filter, get_enterprise
from greenmfg.orgs.models import Organisation
from greenmfg.settings import Settings
from greenmfg.web.deps import PagePrincipal, get_database, get_settings
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import render
from greenmfg.web.uploads import read_upload

__all__ = ["DASHBOARD_SECTIONS", "router"]

router = APIRouter(include_in_schema=False)
DatabaseDep = Annotated[Database, Depends(get_database)]
LATEST_ROWS = 12
MAX_LISTED_ENTERPRISES = 200
MAX_ACCOUNT_MONTHS = 24
DEAD_LETTERS_SHOWN = 20
#: the model choices of the fit form → the API's ``method`` and ``drivers``
MODELS: dict[str, dict[str, Any]] = {
    "caltrack": {"method": "change_point", "drivers": ["temperature_c"]},
    "caltrack_production": {"method": "change_point", "drivers": ["temperature_c", "production"]},
    "iso50006": {"method": "multivariate", "drivers": ["production", "hdd", "cdd"]},
}
FormText = Annotated[str, Form()]

#: hooks adding sections to the meter dashboard: ``hook(session, view) -> {"template", ...} | None``
DASHBOARD_SECTIONS: tuple[Callable[[Session, service.MeterView], dict[str, Any] | None], ...] = (baseline_section,)


def _meters_context(session: Session, principal: Principal) -> dict[str, Any]:
    enterprises = session.execute(select(Organisation.id).where(enterprise_filter(session, principal))
                                  .order_by(Organisation.id).limit(MAX_LISTED_ENTERPRISES)).scalars().all()
    views = [v for e in enterprises for v in service.list_meters(session, principal, e)]
    latest = service.latest_readings(session, [v.meter.id for v in views])
    rows = []
    for v in views:
        newest = latest.get(v.meter.id)
        rows.append({"name": {"text": f"{v.meter.code} · {v.meter.name}", "href": f"/meters/{v.meter.id}"},
                     "enterprise": v.enterprise.name, "facility": v.facility.code, "item": v.meter.item,
                     "latest": newest[1] if newest else None, "unit": v.meter.unit,
                     "at": service.iso_local(newest[0])[:16].replace("T", " ") if newest else "—"})
    with_meters = {v.enterprise.id: v.enterprise for v in views}
    # dead letters: the enterprises with meters and the user's own (a gateway may send before meters exist)
    letter_ids = sorted(set(with_meters) | ({m.organisation_id for m in principal.memberships} & set(enterprises)))
    names = dict(session.execute(select(Organisation.id, Organisation.name)
                                 .where(Organisation.id.in_(letter_ids))).all())
    letters: list[dict[str, Any]] = []
    letters_total = 0
    for enterprise_id in letter_ids:
        items, total = service.dead_letters(session, principal, enterprise_id, limit=DEAD_LETTERS_SHOWN)
        letters_total += total
        name = names.get(enterprise_id, "")
        letters += [{**item, "enterprise_id": enterprise_id, "enterprise_name": name,
                     "received_local": _local_time(item["received_at"])} for item in items]
    letters.sort(key=lambda r: (r["received_at"] or "", r["id"]), reverse=True)
    # default: the last complete local month (the current one is still running)
    last_month = (dt.datetime.now(LOCAL_TZ).date().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    accountable = [{"id": e.id, "name": e.name, "period": last_month}
                   for e in with_meters.values() if principal.can_manage(e.id)]
    return {"rows": rows, "nav_active": "meters", "accountable": accountable,
            "dead_letters": letters[:DEAD_LETTERS_SHOWN], "dead_letters_total": letters_total,
            "show_enterprise": len(letter_ids) > 1}


def _local_time(iso_utc: str | None) -> str:
    if not iso_utc:
        return "—"
    when = dt.datetime.fromisoformat(iso_utc)
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


@router.get("/meters")
def meters_page(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    with database.session() as session:
        context = _meters_context(session, principal)
    return render(request, "monitoring/meters.html", context)


def _dashboard(session: Session, view: service.MeterView) -> dict[str, Any]:
    meter_id = view.meter.id
    latest = service.latest_readings(session, [meter_id]).get(meter_id)
    context: dict[str, Any] = {"meter": service.meter_dict(view, latest), "latest_rows": [], "daily": [],
                               "profile": [], "profile_day": None}
    if latest is None:
        return context
    newest = latest[0]
    context["latest_rows"] = [{"ts": service.iso_local(ts)[:19].replace("T", " "), "value": value}
                              for ts, value in reversed(raw_readings(session, meter_id, newest - 7 * 86400,
                                                                     newest + 1)[-LATEST_ROWS:])]
    day_end = series(session, meter_id, "day", newest - 40 * 86400, newest + 1)[-30:]
    context["daily"] = [(dt.datetime.fromtimestamp(b, LOCAL_TZ).strftime("%m-%d"), round(v, 3)) for b, v in day_end]
    if day_end:
        last_day = day_end[-1][0]
        context["profile_day"] = dt.datetime.fromtimestamp(last_day, LOCAL_TZ).date().isoformat()
        context["profile"] = [(dt.datetime.fromtimestamp(b, LOCAL_TZ).strftime("%H:%M"), round(v, 3))
                              for b, v in series(session, meter_id, "hour", last_day, last_day + 86400)]
    return context


def _meter_context(session: Session, principal: Principal, view: service.MeterView) -> dict[str, Any]:
    context = _dashboard(session, view)
    context["sections"] = [s for hook in DASHBOARD_SECTIONS if (s := hook(session, view)) is not None]
    context["may_upload"] = principal.can_manage(view.enterprise.id)
    context["enterprise_name"] = view.enterprise.name
    newest = session.execute(select(EnergyBaseline.id, EnergyBaseline.window_start, EnergyBaseline.window_end)
                             .where(EnergyBaseline.meter_id == view.meter.id)
                             .order_by(EnergyBaseline.created_at.desc(), EnergyBaseline.id.desc()).limit(1)).first()
    context["newest_baseline"] = None if newest is None else {
        "id": newest[0], "window": f"{newest[1].isoformat()} – {newest[2].isoformat()}"}
    context["models"] = list(MODELS)
    context.setdefault("mv_form", {})
    context.setdefault("mv_errors", {})
    unit = context["meter"]["unit"]
    context["daily_chart"] = {
        "tooltip": {"trigger": "axis"}, "xAxis": {"type": "category", "data": [d for d, _ in context["daily"]]},
        "yAxis": {"type": "value", "name": unit}, "series": [{"type": "bar", "data": [v for _, v in context["daily"]]}]}
    context["profile_chart"] = {
        "tooltip": {"trigger": "axis"}, "xAxis": {"type": "category", "data": [h for h, _ in context["profile"]]},
        "yAxis": {"type": "value", "name": unit},
        "series": [{"type": "line", "smooth": True, "data": [v for _, v in context["profile"]]}]}
    context["nav_active"] = "meters"
    return context


def _render_meter(request: Request, principal: Principal, database: Database, meter_id: int,
                  extra: dict[str, Any], status_code: int) -> Response:
    with database.session() as session:
        view = service.get_meter(session, principal, meter_id)
        context = _meter_context(session, principal, view)
    context.update(extra)
    return render(request, "monitoring/meter.html", context, status_code=status_code)


@router.get("/meters/{meter_id}")
def meter_page(meter_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    with database.session() as session:
        view = service.get_meter(session, principal, meter_id)
        context = _meter_context(session, principal, view)
    return render(request, "monitoring/meter.html", context)


@router.post("/meters/{meter_id}/upload")
async def upload_page(meter_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                      file: UploadFile, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    content = (await read_upload(file, settings)).content
    name = file.filename or "readings.csv"

    def run() -> Any:
        with database.session() as session:
            return service.upload_csv(session, principal, meter_id, content, name)

    try:
        result = await run_in_threadpool(run)
    except PayloadError as error:
        return _render_meter(request, principal, database, meter_id,
                             {"upload_errors": [p.as_dict() for p in error.problems]}, 422)
    response = RedirectResponse(f"/meters/{meter_id}", status_code=303)
    flash(response, "success", "{stored} readings stored, {duplicates} already there",
          stored=str(result.stored), duplicates=str(result.duplicates))
    return response


def _issue_rows(error: ValidationFailed) -> list[dict[str, Any]]:
    def bare(text: str, where: str) -> str:   # the services' messages start with "column: " / "column："
        for head in (f"{where}: ", f"{where}："):
            if text.startswith(head):
                return text[len(head):]
        return text

    rows = []
    for i in error.issues:
        where = i.column or i.location()
        rows.append({"where": where, "value": i.value, "message": bare(i.message, where),
                     "message_zh": bare(i.message_zh, where), "fix": i.fix, "fix_zh": i.fix_zh})
    return rows


def _daily_csv(content: bytes, name: str) -> str:
    """The uploaded daily file as text (the services parse it); empty or not UTF-8: a located issue."""
    problem: tuple[str, str, str, str] | None = None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        problem = ("not UTF-8 text", "不是 UTF-8 文本", "save the file as CSV UTF-8", "请另存为 CSV UTF-8")
    else:
        if not text.strip():
            problem = ("choose a CSV file of daily data", "请选择逐日数据 CSV 文件",
                       "columns date, temperature_c, production (and energy when it does not come from the "
                       "readings)", "列：date、temperature_c、production（能耗不取自读数时另加 energy）")
    if problem is not None:
        raise ValidationFailed([Issue(code="monitoring.input.daily_file", column=name or "file", message=problem[0],
                                      message_zh=problem[1], fix=problem[2], fix_zh=problem[3])], 1)
    return text


def _window(start: str, end: str) -> dict[str, str]:
    return {k: v.strip() for k, v in (("start", start), ("end", end)) if v.strip()}


async def _mv_post(request: Request, principal: Principal, database: Database, meter_id: int, form: str,
                   values: dict[str, str], file: UploadFile | None,
                   run: Callable[[Session, str], str]) -> Response:
    """Shared flow of the two M&V forms: manager check, file to text, service call, located errors."""
    with database.session() as session:
        service.get_meter(session, principal, meter_id, manage=True)   # regulators/evaluators: 403
    settings: Settings = request.app.state.settings
    content = (await read_upload(file, settings)).content if file is not None else b""
    name = (file.filename if file is not None else None) or "file"

    def call() -> str:
        text = _daily_csv(content, name)
        with database.session() as session:
            return run(session, text)

    try:
        message = await run_in_threadpool(call)
    except ValidationFailed as error:
        return _render_meter(request, principal, database, meter_id,
                             {"mv_errors": {form: _issue_rows(error)}, "mv_form": {form: values}}, 422)
    response = RedirectResponse(f"/meters/{meter_id}#mv", status_code=303)
    flash(response, "success", message)
    return response


@router.post("/meters/{meter_id}/baselines")
async def fit_baseline_page(meter_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                            window_start: FormText = "", window_end: FormText = "", model: FormText = "caltrack",
                            energy_source: FormText = "readings", override: FormText = "",
                            override_reason: FormText = "", balance_point_search: FormText = "grid",
                            file: UploadFile | None = None) -> Response:
    values = {"window_start": window_start, "window_end": window_end, "model": model, "energy_source": energy_source,
              "override": override, "override_reason": override_reason, "balance_point_search": balance_point_search}
    choice = MODELS.get(model, {"method": model, "drivers": None})
    body: dict[str, Any] = {"method": choice["method"], "ipmvp_option": "B",
                            "energy_source": "readings" if energy_source == "readings" else "inline",
                            "window": _window(window_start, window_end)}
    if choice["drivers"] is not None:
        body["drivers"] = choice["drivers"]
    if choice["method"] == "change_point":
        body["balance_point_search"] = balance_point_search
    if override:
        # fit on insufficient data anyway: the service requires the reason and stores it on the model
        body |= {"override_insufficient": True, "override_reason": override_reason}

    def run(session: Session, text: str) -> str:
        baselines.fit_baseline(session, principal, meter_id, {**body, "csv": text})
        return "Baseline fitted and stored"

    return await _mv_post(request, principal, database, meter_id, "fit", values, file, run)


@router.post("/meters/{meter_id}/savings")
async def savings_page(meter_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                       baseline_id: Annotated[Id, Form()], report_start: FormText = "", report_end: FormText = "",
                       energy_source: FormText = "readings", file: UploadFile | None = None) -> Response:
    values = {"report_start": report_start, "report_end": report_end, "energy_source": energy_source}
    with database.session() as session:
        baseline = baselines.get_baseline(session, principal, baseline_id)
        if baseline.meter_id != meter_id:
            raise NotFound("baseline", baseline_id)
    body = {"energy_source": "readings" if energy_source == "readings" else "inline",
            "window": _window(report_start, report_end)}

    def run(session: Session, text: str) -> str:
        baselines.savings(session, principal, baseline_id, {**body, "csv": text})
        return "Savings report stored"

    return await _mv_post(request, principal, database, meter_id, "savings", values, file, run)


def _months(first: str, last: str) -> list[str]:
    """``first`` … ``last`` (YYYY-MM, both included); malformed: just the given strings (refused later)."""
    try:
        y0, m0 = (int(p) for p in first.split("-"))
        y1, m1 = (int(p) for p in (last or first).split("-"))
    except ValueError:
        return [first]
    out: list[str] = []
    while (y0, m0) <= (y1, m1) and len(out) < MAX_ACCOUNT_MONTHS:
        out.append(f"{y0:04d}-{m0:02d}")
        y0, m0 = (y0 + 1, 1) if m0 == 12 else (y0, m0 + 1)
    return out or [first]


@router.post("/enterprises/{enterprise_id}/meters/account")
def account_page(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                 period_from: FormText, period_to: FormText = "") -> Response:
    """Each month in its own transaction: a month with nothing to account does not undo the others."""
    from greenmfg.monitoring.accounting_bridge import MeterAccountingError, account_meters

    with database.session() as session:
        get_enterprise(session, principal, enterprise_id, manage=True)   # outsiders 404, readers 403
    outcomes: list[dict[str, Any]] = []
    for period in _months(period_from.strip(), period_to.strip()):
        try:
            with database.session() as session:
                run = account_meters(session, principal, enterprise_id, period)
                batch = session.get(ImportBatch, run.import_id)
                meters = list((batch.summary or {}).get("meters", [])) if batch is not None else []
                outcomes.append({"period": period, "ok": True, "run_id": run.id, "import_id": run.import_id,
                                 "rows": batch.row_count if batch is not None else None,
                                 "metered": sum(1 for m in meters if m.get("used")), "meters": meters})
        except MeterAccountingError as error:
            outcomes.append({"period": period, "ok": False, "message": error.message,
                             "message_zh": error.message_zh})
    with database.session() as session:
        context = _meters_context(session, principal)
    context["account_result"] = {"enterprise_id": enterprise_id, "outcomes": outcomes}
    ok = any(o["ok"] for o in outcomes)
    return render(request, "monitoring/meters.html", context, status_code=200 if ok else 422)
