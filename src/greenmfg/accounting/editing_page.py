"""The month editor: correct a facility-month's activity rows in a grid, or add a month without Excel.

Thin: the service is :mod:`greenmfg.accounting.editing` (the same checks, accounting and storing
as an upload). Enterprise managers edit; everybody else who may see the enterprise (its viewers,
regulators, assigned evaluators) reads the month's rows; an outsider gets the 404 page. POSTs carry
the session's CSRF token (:data:`~greenmfg.web.deps.PagePrincipal`). The form works without
JavaScript: blank rows at the end take new rows, a "remove" box per row drops one;
``js/month-edit.js`` only adds an "add row" button.

Routes
------
``/enterprises/{id}/activity`` (``?facility=&period=``)
    Add a month: pick a facility (or name a new one) and a month; opens the grid.
``/enterprises/{id}/activity/{facility}/{YYYY-MM}``, POST to save
    The grid of the month's current rows (empty for a month without data), the reason and save.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting import editing
from greenmfg.accounting.charts import period_label, sentence_case
from greenmfg.accounting.labels import FLOW_LABELS
from greenmfg.db.session import Database
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.ets.filings import MonthLocked
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal, get_enterprise
from greenmfg.orgs.models import Facility
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.settings import Settings
from greenmfg.web.deps import PagePrincipal, get_database, get_settings
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import item_name, render, translator_for, vocabulary_name

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

#: rows the form holds at most (each row is 16 form fields; a form is parsed up to 1 000 fields):
#: a larger month is uploaded as a file or sent through the API
FORM_ROWS = 55
#: blank rows offered at the end of the grid for new rows (without JavaScript)
BLANK_ROWS = 3

#: grid column headers, in the template's order (the Chinese ones are the template's headers)
COLUMN_LABELS: Mapping[str, str] = {
    "item": N_("Energy or material item"),
    "quantity": N_("Quantity"),
    "unit": N_("Unit of measure"),
    "flow": N_("Flow of the item"),
    "ncv": N_("Measured net calorific value"),
    "ncv_unit": N_("Unit of the calorific value"),
    "carbon_content": N_("Measured carbon content"),
    "carbon_content_unit": N_("Unit of the carbon content"),
    "oxidation_rate": N_("Measured oxidation rate"),
    "steam_pressure": N_("Steam pressure (absolute, MPa)"),
    "steam_temperature": N_("Steam temperature (°C)"),
    "clinker_cao": N_("CaO content of clinker"),
    "clinker_mgo": N_("MgO content of clinker"),
    "clinker_cao_non_carbonate": N_("Non-carbonate CaO content"),
    "clinker_mgo_non_carbonate": N_("Non-carbonate MgO content"),
    "anode_effect_minutes": N_("Anode-effect minutes per cell-day"),
    "anode_effect_overvoltage": N_("Anode-effect overvoltage (mV)"),
    "current_efficiency": N_("Current efficiency"),
    "enterprise_id": N_("Enterprise code"),
    "enterprise_name": N_("Enterprise name"),
    "industry": N_("Industry"),
    "region": N_("Province or region"),
    "facility_id": N_("Facility"),
    "period": N_("Period"),
}
#: item kinds of the vocabulary, as the item select groups them
KIND_LABELS: Mapping[str, str] = {
    "fuel": N_("Fuels"), "electricity": N_("Electricity"), "heat": N_("Heat"), "steam": N_("Steam"),
    "working_medium": N_("Energy-carrying working media"), "carbonate": N_("Carbonates"),
    "carbon_material": N_("Carbon-containing materials"),
    "calcium_substitute": N_("Non-carbonate raw materials"), "product": N_("Products"),
}
#: the columns shown as selects, the others are text inputs
SELECTS = ("item", "unit", "flow")


def _quoted(text: str) -> str:
    return quote(text, safe="")


def _month_url(enterprise_id: int, facility: str, period: str) -> str:
    return f"/enterprises/{enterprise_id}/activity/{_quoted(facility)}/{period}"


def _enterprise_view(principal: Principal, enterprise: Any, translator: Translator) -> dict[str, Any]:
    single = (not (principal.is_admin or principal.is_regulator or principal.is_evaluator)
              and principal.enterprise_ids() == [enterprise.id])
    return {"id": enterprise.id, "name": enterprise.name, "code": enterprise.code, "city": enterprise.city,
            "industry": vocabulary_name(load_vocabulary().industries, enterprise.industry, translator,
                                        english=sentence_case),
            "can_manage": principal.can_manage(enterprise.id), "single": single}


def _crumbs(translator: Translator, enterprise: dict[str, Any], *rest: tuple[str, str | None]
            ) -> list[tuple[str, str | None]]:
    items: list[tuple[str, str | None]] = [(translator.gettext("Dashboard"), "/")]
    if not enterprise["single"]:
        items.append((enterprise["name"], f"/enterprises/{enterprise['id']}"))
    items.append((translator.gettext("Imports"), f"/enterprises/{enterprise['id']}/imports"))
    return [*items, *rest]


# ------------------------------------------------------------------------------------ choices


def _options(translator: Translator) -> dict[str, Any]:
    """The selects' options in the page's language: items grouped by kind, units, flows."""
    zh = translator.locale == "zh-CN"
    vocabulary = load_vocabulary()
    groups = []
    for kind, text in KIND_LABELS.items():
        items = [{"value": key, "label": item_name(key, zh=zh)}
                 for key, item in vocabulary.items.items() if item.kind == kind]
        if items:
            groups.append({"label": translator.gettext(text), "options": items})
    # the units any item accepts, grouped by what they measure (mass, energy, volume), in words
    measures: dict[str, dict[str, Any]] = {}
    for choice in editing.item_units(None):
        measure = choice.measure
        label = (measure.name_zh if zh else sentence_case(measure.name)) if measure else ""
        measures.setdefault(label, {"label": label, "options": []})["options"].append(
            {"value": choice.symbol, "label": f"{choice.name_zh}（{choice.symbol}）" if zh else choice.symbol})
    flows = [{"value": key, "label": translator.gettext(text)} for key, text in FLOW_LABELS.items()]
    # the units each item accepts (the importer's rule): a row with an item offers only those
    item_units = {key: [c.symbol for c in editing.item_units(key)] for key in vocabulary.items}
    return {"item": groups, "unit": list(measures.values()), "flow": flows, "item_units": item_units}


def _chosen(column: str, value: str) -> str:
    """The option a stored cell selects (焦炭 → coke, 吨 → t), or the text itself when none fits."""
    if not value:
        return ""
    found = {"item": editing.item_key, "unit": editing.unit_choice, "flow": editing.flow_key}[column](value)
    return found or value


def _grid_rows(rows: Sequence[Mapping[str, str]], *, removed: Iterable[int] = (), blank: int = BLANK_ROWS
               ) -> list[dict[str, Any]]:
    """Rows of the grid: each cell's value (a select's option where one fits), plus ``blank`` empty rows."""
    gone = set(removed)
    out = []
    for index, row in enumerate(rows):
        cells = {name: (_chosen(name, row.get(name, "")) if name in SELECTS else row.get(name, ""))
                 for name in editing.EDITABLE}
        out.append({"index": index, "cells": cells, "removed": index in gone})
    for index in range(len(rows), min(len(rows) + blank, max(FORM_ROWS, len(rows)))):
        out.append({"index": index, "cells": dict.fromkeys(editing.EDITABLE, ""), "removed": False})
    return out


def _cell_errors(issues: Sequence[Issue], rows: Sequence[Mapping[str, Any]], translator: Translator
                 ) -> tuple[dict[str, list[dict[str, str]]], list[dict[str, str]]]:
    """Findings by grid cell (``"<index>-<column>"``) and the list shown above the grid, in the page's language."""
    zh = translator.locale == "zh-CN"
    cells: dict[str, list[dict[str, str]]] = {}
    listed = []
    for issue in issues:
        text = {"message": issue.message_zh if zh else issue.message, "fix": issue.fix_zh if zh else issue.fix}
        column = translator.gettext(COLUMN_LABELS[issue.column]) if issue.column in COLUMN_LABELS else ""
        if issue.row is not None and issue.column in editing.EDITABLE:
            key = f"{issue.row - 1}-{issue.column}"
            cells.setdefault(key, []).append(text)
            where = translator.gettext("Row %(row)s, %(column)s", row=issue.row, column=column)
            listed.append({**text, "where": where, "anchor": f"cell-{key}"})
        else:
            where = column or (translator.gettext("Row %(row)s", row=issue.row) if issue.row else "")
            listed.append({**text, "where": where, "anchor": ""})
    return cells, listed


def _shared_value(name: str, month: editing.Month, translator: Translator) -> str:
    """A shared column in words: the industry and province named in the page's language (钢铁, Hebei)."""
    value = month.fixed.get(name) or ""
    vocabulary = load_vocabulary()
    if name == "industry":
        key = vocabulary.industry_names.resolve(value) if value else None
        return vocabulary_name(vocabulary.industries, key, translator, english=sentence_case) if key else (value or "—")
    if name == "region":
        key = vocabulary.region_names.resolve(value) if value else None
        return vocabulary_name(vocabulary.regions, key, translator) if key else (value or "—")
    return value or "—"


# --------------------------------------------------------------------------------------- pages


def _render(request: Request, principal: Principal, month: editing.Month, *, rows: list[dict[str, Any]],
            reason: str = "", base_version: int | None = None, issues: Sequence[Issue] = (),
            error: str | None = None, stale: bool = False, status_code: int = 200) -> Response:
    translator = translator_for(request)
    enterprise = _enterprise_view(principal, month.enterprise, translator)
    cell_errors, listed = _cell_errors(issues, rows, translator)
    title = f"{month.facility} · {period_label(month.period, translator, with_year=True)}"
    with_data = month.version > 0
    # a month of more rows than the form holds is read here and changed by a file or the API
    too_many = len(month.rows) >= FORM_ROWS
    options = _options(translator)
    names = {"item": {o["value"]: o["label"] for g in options["item"] for o in g["options"]},
             "unit": {o["value"]: o["label"] for g in options["unit"] for o in g["options"]},
             "flow": {o["value"]: o["label"] for o in options["flow"]}}
    return render(request, "accounting/month_edit.html", {
        "enterprise": enterprise, "month": month, "title": title,
        "period_text": period_label(month.period, translator, with_year=True), "rows": rows, "reason": reason,
        "base_version": month.version if base_version is None else base_version,
        "columns": [{"name": name, "label": translator.gettext(COLUMN_LABELS[name]),
                     "select": name in SELECTS, "wide": name == "item"} for name in editing.EDITABLE],
        "read_columns": [c for c in editing.EDITABLE if c in SELECTS or c == "quantity"
                         or any(r["cells"].get(c) for r in rows)],
        "fixed": [{"label": translator.gettext(COLUMN_LABELS[name]), "value": _shared_value(name, month, translator)}
                  for name in ("enterprise_id", "industry", "region")],
        "options": options, "names": names, "cell_errors": cell_errors, "issues": listed, "error": error,
        "stale": stale, "with_data": with_data, "can_edit": enterprise["can_manage"] and not too_many,
        "too_many": too_many,
        "action": _month_url(month.enterprise.id, month.facility, month.period),
        "results_url": f"/enterprises/{month.enterprise.id}/results?period={month.period}"
                       f"&facility={_quoted(month.facility)}",
        "form_rows": FORM_ROWS, "max_reason": editing.MAX_REASON, "nav_active": "imports",
        "crumbs": _crumbs(translator, enterprise, (title, None)),
    }, status_code=status_code)


@router.get("/enterprises/{enterprise_id}/activity")
def add_month(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
              facility: Annotated[str | None, Query(max_length=64)] = None,
              period: Annotated[str | None, Query(max_length=7)] = None) -> Response:
    """Add a month: the facility and month form; with both given (and valid), the month's grid."""
    translator = translator_for(request)
    facility = (facility or "").strip()
    period = (period or "").strip()
    error = None
    with database.session() as session:
        enterprise = get_enterprise(session, principal, enterprise_id, manage=True)
        facilities = list(session.execute(select(Facility.code).where(Facility.enterprise_id == enterprise_id)
                                          .order_by(Facility.code)).scalars())
    if facility and period and editing.is_month(period):
        return RedirectResponse(_month_url(enterprise_id, facility, period), status_code=303)
    if facility or period:
        error = (translator.gettext("Choose a month (YYYY-MM).") if facility
                 else translator.gettext("Choose or name a facility."))
    view = _enterprise_view(principal, enterprise, translator)
    return render(request, "accounting/month_new.html", {
        "enterprise": view, "facilities": facilities, "facility": facility, "period": period, "error": error,
        "nav_active": "imports", "crumbs": _crumbs(translator, view, (translator.gettext("Add a month"), None)),
    }, status_code=422 if error else 200)


@router.get("/enterprises/{enterprise_id}/activity/{facility}/{period}")
def month_page(enterprise_id: Id, facility: str, period: str, request: Request, principal: PagePrincipal,
               database: DatabaseDep) -> Response:
    """The month's rows: the grid for its managers, a read-only table for everybody else who sees it."""
    with database.session() as session:
        month = editing.read_month(session, principal, enterprise_id, facility, period)
    editable = principal.can_manage(enterprise_id) and len(month.rows) < FORM_ROWS
    rows = _grid_rows(month.rows, blank=BLANK_ROWS if editable else 0)
    return _render(request, principal, month, rows=rows)


def _submitted(form: Mapping[str, Any]) -> tuple[list[dict[str, str]], set[int]]:
    """The grid's rows as sent (``<column>-<index>`` fields) and the indexes marked for removal."""
    rows: dict[int, dict[str, str]] = {}
    removed: set[int] = set()
    for key, value in form.items():
        name, _, index = str(key).rpartition("-")
        if not index.isdigit() or int(index) >= FORM_ROWS or not isinstance(value, str):
            continue
        if name == "remove" and value:
            removed.add(int(index))
        elif name in editing.EDITABLE:
            rows.setdefault(int(index), {})[name] = value
    count = max(rows, default=-1) + 1
    return [rows.get(i, {}) for i in range(count)], removed


@router.post("/enterprises/{enterprise_id}/activity/{facility}/{period}")
async def save_month(enterprise_id: Id, facility: str, period: str, request: Request, principal: PagePrincipal,
                     database: DatabaseDep, settings: SettingsDep) -> Response:
    form = await request.form()
    rows, removed = _submitted(form)
    reason = str(form.get("reason") or "")
    try:
        base_version = int(str(form.get("base_version") or "0"))
    except ValueError:
        base_version = -1
    return await run_in_threadpool(_save, request, principal, database, settings, enterprise_id, facility, period,
                                   rows, removed, reason, base_version)


def _save(request: Request, principal: Principal, database: Database, settings: Settings, enterprise_id: int,
          facility: str, period: str, rows: list[dict[str, str]], removed: set[int], reason: str,
          base_version: int) -> Response:
    translator = translator_for(request)
    kept = [{} if index in removed else row for index, row in enumerate(rows)]
    try:
        saved = editing.save_month(database, principal, enterprise_id, facility, period, rows=kept, reason=reason,
                                   base_version=base_version, max_bytes=settings.max_upload_bytes)
    except (ValidationFailed, editing.EditRefused, editing.StaleEdit, MonthLocked) as failed:
        with database.session() as session:
            month = editing.read_month(session, principal, enterprise_id, facility, period)
        issues = failed.issues if isinstance(failed, ValidationFailed) else []
        grid = _grid_rows(rows, removed=removed, blank=1)
        error = (failed.message_in(translator.locale) if not isinstance(failed, ValidationFailed)
                 else translator.gettext("Nothing was saved: correct the cells marked below and save again."))
        return _render(request, principal, month, rows=grid, reason=reason, base_version=base_version,
                       issues=issues, error=error, stale=isinstance(failed, editing.StaleEdit),
                       status_code=failed.status)
    response = RedirectResponse(_month_url(enterprise_id, facility, period), status_code=303)
    flash(response, "success", N_("Saved as version {version}: {rows} rows, results accounted again."),
          version=str(saved.version), rows=str(saved.rows))
    return response

