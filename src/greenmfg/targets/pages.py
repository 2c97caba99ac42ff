"""The targets page ``/enterprises/{id}/targets?year=``: the year's targets tracked, and the form.

Everybody who may see the enterprise reads it; its managers (and admins) get the form, which
replaces the year's targets (POST, the session's CSRF token) through
:func:`greenmfg.targets.service.set_targets`, exactly like ``PUT /api/v1/enterprises/{id}/targets``.
A form with errors comes back with every field as typed and each error beside its field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from greenmfg.db.session import Database
from greenmfg.errors import ValidationFailed
from greenmfg.i18n import N_
from greenmfg.orgs.access import Principal
from greenmfg.targets import service
from greenmfg.targets.panel import panel
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import render, translator_for

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]
YEAR = Query(ge=service.MIN_YEAR, le=service.MAX_YEAR)


def _page(request: Request, principal: Principal, database: Database, enterprise_id: int, year: int | None, *,
          typed: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
          status_code: int = 200) -> Response:
    t = translator_for(request)
    with database.session() as session:
        chosen = year if year is not None else service.default_year(session, enterprise_id)
        view = service.year_targets(session, principal, enterprise_id, chosen)
        data = panel(view, t)
        enterprise = view.enterprise
        single = not (principal.is_admin or principal.is_regulator or principal.is_evaluator) \
            and principal.enterprise_ids() == [enterprise.id]
    if typed is not None:
        for item in data["fields"]:
            item["value"] = typed.get(item["name"], "")
            item["note"] = typed.get(f"note:{item['name']}", "")
    crumbs: list[tuple[str, str | None]] = [(t.gettext("Dashboard"), "/")]
    if not single:
        crumbs.append((enterprise.name, f"/enterprises/{enterprise.id}"))
    crumbs.append((t.gettext("Targets"), None))
    years = sorted({chosen - 1, chosen, chosen + 1})
    return render(request, "targets/targets.html", {
        "enterprise": enterprise, "targets": data, "crumbs": crumbs, "errors": errors or {},
        "year_links": [{"year": y, "href": f"/enterprises/{enterprise.id}/targets?year={y}", "active": y == chosen}
                       for y in years],
    }, status_code=status_code)


@router.get("/enterprises/{enterprise_id}/targets")
def targets_page(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                 year: Annotated[int | None, YEAR] = None) -> Response:
    return _page(request, principal, database, enterprise_id, year)


def _items(form: dict[str, str]) -> list[dict[str, Any]]:
    """The form's fields (``energy_tce``, ``energy_intensity:crude_steel`` …) as the service's items."""
    items = []
    for name in service.METRICS:
        for field, value in form.items():
            metric, _, product = field.partition(":")
            if metric != name:
                continue
            items.append({"metric": metric, "product": product, "value": value,
                          "note": form.get(f"note:{field}") or None, "field": field})
    return items


def _save(request: Request, principal: Principal, database: Database, enterprise_id: int, year: int | None,
          form: dict[str, str]) -> Response:
    items = _items(form)
    try:
        with database.session() as session:
            if year is None:
                year = service.default_year(session, enterprise_id)
            service.set_targets(session, principal, enterprise_id, year,
                                [{k: v for k, v in item.items() if k != "field"} for item in items])
    except ValidationFailed as failed:
        t = translator_for(request)
        errors: dict[str, list[str]] = {}
        for issue in failed.issues:
            # targets[3].value → the form field of item 3
            index = issue.column.removeprefix("targets[").partition("]")[0]
            field = items[int(index)]["field"] if index.isdigit() and int(index) < len(items) else "year"
            errors.setdefault(field, []).append(issue.message_zh if t.locale == "zh-CN" else issue.message)
        return _page(request, principal, database, enterprise_id, year, typed=form, errors=errors, status_code=422)
    response = RedirectResponse(f"/enterprises/{enterprise_id}/targets?year={year}", status_code=303)
    flash(response, "success", N_("The targets of {year} were saved."), year=str(year))
    return response


@router.post("/enterprises/{enterprise_id}/targets")
async def save_targets(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
                       year: Annotated[int | None, YEAR] = None) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    return await run_in_threadpool(_save, request, principal, database, enterprise_id, year, form)
