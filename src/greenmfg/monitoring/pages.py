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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from greenmfg.db.session import Database
from greenmfg.monitoring import service
from greenmfg.monitoring.mv_section import baseline_section
from greenmfg.monitoring.readings import LOCAL_TZ, PayloadError, raw_readings, series
from greenmfg.orgs.access import enterprise_filter
from greenmfg.orgs.models import Organisation
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.pages import flash
from greenmfg.web.templating import render

__all__ = ["DASHBOARD_SECTIONS", "router"]

router = APIRouter(include_in_schema=False)
DatabaseDep = Annotated[Database, Depends(get_database)]
LATEST_ROWS = 12
MAX_LISTED_ENTERPRISES = 200

#: hooks adding sections to the meter dashboard: ``hook(session, view) -> {"template", ...} | None``
DASHBOARD_SECTIONS: tuple[Callable[[Session, service.MeterView], dict[str, Any] | None], ...] = (baseline_section,)


@router.get("/meters")
def meters_page(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    with database.session() as session:
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
    return render(request, "monitoring/meters.html", {"rows": rows, "nav_active": "meters"})


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


@router.get("/meters/{meter_id}")
def meter_page(meter_id: int, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    with database.session() as session:
        view = service.get_meter(session, principal, meter_id)
        context = _dashboard(session, view)
        context["sections"] = [s for hook in DASHBOARD_SECTIONS if (s := hook(session, view)) is not None]
        context["may_upload"] = principal.can_manage(view.enterprise.id)
        context["enterprise_name"] = view.enterprise.name
    unit = context["meter"]["unit"]
    context["daily_chart"] = {
        "tooltip": {"trigger": "axis"}, "xAxis": {"type": "category", "data": [d for d, _ in context["daily"]]},
        "yAxis": {"type": "value", "name": unit}, "series": [{"type": "bar", "data": [v for _, v in context["daily"]]}]}
    context["profile_chart"] = {
        "tooltip": {"trigger": "axis"}, "xAxis": {"type": "category", "data": [h for h, _ in context["profile"]]},
        "yAxis": {"type": "value", "name": unit},
        "series": [{"type": "line", "smooth": True, "data": [v for _, v in context["profile"]]}]}
    context["nav_active"] = "meters"
    return render(request, "monitoring/meter.html", context)


@router.post("/meters/{meter_id}/upload")
async def upload_page(meter_id: int, request: Request, principal: PagePrincipal, database: DatabaseDep,
                      file: UploadFile) -> Response:
    content = await file.read()
    name = file.filename or "readings.csv"

    def run() -> Any:
        with database.session() as session:
            return service.upload_csv(session, principal, meter_id, content, name)

    try:
        result = await run_in_threadpool(run)
    except PayloadError as error:
        with database.session() as session:
            view = service.get_meter(session, principal, meter_id)
            context = _dashboard(session, view)
        context.update({"sections": [], "may_upload": True, "enterprise_name": view.enterprise.name,
                        "daily_chart": {}, "profile_chart": {}, "nav_active": "meters",
                        "upload_errors": [p.as_dict() for p in error.problems]})
        return render(request, "monitoring/meter.html", context, status_code=422)
    response = RedirectResponse(f"/meters/{meter_id}", status_code=303)
    flash(response, "success", "{stored} readings stored, {duplicates} already there",
          stored=str(result.stored), duplicates=str(result.duplicates))
    return response
