"""The carbon market's monthly filing pages (碳市场月度存证).

Routes
------
``/ets``
    Opens the enterprise's year (an enterprise user) or the regional overview (regulators, admins).
``/ets/enterprises/{id}?year=``
    The covered status of the year (with its basis and the threshold's source) and each month:
    not due, due by DATE, filed on time, filed late, overdue; the covered emissions filed so far
    and the allowances ("not yet allocated" while none are). A covering regulator sets the status
    here, with a reason.
``/ets/enterprises/{id}/months/{period}``, POST ``…/evidence``, ``…/file``, ``…/amend``
    One month: its covered emissions now (by facility and source; purchased electricity and heat
    as information), the evidence (upload PDF, image or .xlsx; download), the filing form (pick
    evidence, confirm), the amendment form (a reason) and every filed version with its data
    versions and evidence hashes.
``/ets/region?year=``
    Per covered company of the regulator's area, month by month filed on time, late or missing,
    the covered emissions so far and against allowances.

Input problems come back on the page with the message beside its field (422); an enterprise the
user may not see is a 404 page, as in the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from greenmfg.db.session import Database
from greenmfg.errors import GreenmfgError, ValidationFailed
from greenmfg.ets import filings
from greenmfg.ets.filing_models import EtsFigure
from greenmfg.ets.filings_labels import BASIS_LABELS, EVIDENCE_LABELS, STATUS_LABELS, STATUS_TONES
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.refdata.words import place_name
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.downloads import file_response
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import label_of, render, translator_for, vocabulary_name
from greenmfg.web.uploads import form_file, read_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]
YEAR = Query(ge=filings.MIN_YEAR, le=filings.MAX_YEAR)


def _zh(t: Translator) -> bool:
    return t.locale == "zh-CN"


def _status(row_status: str, due: Any, t: Translator) -> dict[str, str]:
    text = t.gettext(STATUS_LABELS[row_status], date=t.format_date(due)) if row_status == "due" \
        else t.gettext(STATUS_LABELS[row_status])
    return {"status": STATUS_TONES[row_status], "text": text}


def _t(value: float | None, t: Translator) -> str:
    return "—" if value is None else t.format_decimal(value, 1)


def _place(province: str | None, city: str | None, t: Translator) -> str:
    """The province and city in words of the page's language (河北省唐山市 / Tangshan, Hebei)."""
    return place_name(province, city, zh=_zh(t))


def _industry(key: str | None, t: Translator) -> str:
    return vocabulary_name(load_vocabulary().industries, key, t)


def _issues(failed: ValidationFailed, t: Translator) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for issue in failed.issues:
        out.setdefault(issue.column or "form", []).append(issue.message_zh if _zh(t) else issue.message)
    return out


def _coverage_view(coverage: filings.CoverageView | None, t: Translator) -> dict[str, Any]:
    if coverage is None:
        return {"known": False, "covered": False, "text": t.gettext("Not assessed"), "note": "", "reason": None,
                "direct": None, "from_year": None}
    basis = t.gettext(BASIS_LABELS.get(coverage.basis, coverage.basis))
    text = t.gettext("Covered company") if coverage.covered else t.gettext("Not covered")
    note = basis if not coverage.carried else t.gettext("%(basis)s for %(year)s, still in force", basis=basis,
                                                       year=coverage.from_year)
    return {"known": True, "covered": coverage.covered, "text": text, "note": note, "reason": coverage.reason,
            "direct": _t(coverage.direct_tco2e, t) if coverage.direct_tco2e is not None else None,
            "from_year": coverage.from_year}


def _allowances(value: float | None, filed: float, t: Translator) -> dict[str, Any]:
    if value is None:
        return {"allocated": False, "text": t.gettext("Not yet allocated"), "balance": None}
    return {"allocated": True, "text": _t(value, t), "balance": _t(value - filed, t)}


# --------------------------------------------------------------------------------------- entry


@router.get("/ets")
def home(request: Request, principal: PagePrincipal) -> Response:
    own = principal.enterprise_ids()
    if own and not (principal.is_regulator or principal.is_admin):
        return RedirectResponse(f"/ets/enterprises/{own[0]}", status_code=303)
    return RedirectResponse("/ets/region", status_code=303)


# ---------------------------------------------------------------------------------- company year


def _company_page(request: Request, principal: Principal, database: Database, enterprise_id: int, year: int | None,
                  *, errors: dict[str, list[str]] | None = None, form: Mapping[str, str] | None = None,
                  status_code: int = 200) -> Response:
    t = translator_for(request)
    today = filings.china_today()
    chosen = year or today.year
    with database.session() as session:
        view = filings.company_year(session, principal, enterprise_id, chosen, today=today)
        may_decide = filings.may_decide(session, principal, view.enterprise)
        # the annual report and the verification pack exist for a year with stored covered figures
        has_figures = session.scalar(select(EtsFigure.id).where(
            EtsFigure.enterprise_id == view.enterprise.id, EtsFigure.year == chosen).limit(1)) is not None
    enterprise = view.enterprise
    months = [{"period": m.period, "href": f"/ets/enterprises/{enterprise.id}/months/{m.period}",
               "status": _status(m.status.value, m.due_date, t), "due": t.format_date(m.due_date),
               "filed_at": t.format_datetime(m.filed_at, "short") if m.filed_at else "—",
               "version": m.version, "amended": m.amended, "amending": m.amending,
               "covered": _t(m.covered_tco2e, t)} for m in view.months]
    single = not (principal.is_admin or principal.is_regulator or principal.is_evaluator) \
        and principal.enterprise_ids() == [enterprise.id]
    crumbs: list[tuple[str, str | None]] = [(t.gettext("Carbon market monthly filing"), "/ets" if single else
                                             "/ets/region")]
    crumbs.append((enterprise.name, None))
    rule = view.rule
    return render(request, "ets/company.html", {
        "enterprise": enterprise, "year": chosen, "months": months, "crumbs": crumbs,
        "coverage": _coverage_view(view.coverage, t), "filed": _t(view.filed_tco2e, t),
        "allowances": _allowances(view.allowances_tco2e, view.filed_tco2e, t),
        "counts": {s.value: view.count(s) for s in filings.MonthStatus},
        "threshold": t.format_number(view.rules.threshold_tco2e),
        "threshold_status": view.rules.threshold.verification_status,
        "threshold_source": view.rules.threshold.source,
        "rule_text": rule.rule_zh if _zh(t) else rule.rule_en, "rule_status": rule.verification_status,
        "rule_source": rule.source, "industry": _industry(enterprise.industry, t),
        "place": _place(enterprise.province, enterprise.city, t),
        "year_links": [{"year": y, "href": f"/ets/enterprises/{enterprise.id}?year={y}", "active": y == chosen}
                       for y in sorted({chosen - 1, chosen, min(chosen + 1, today.year)})],
        "may_decide": may_decide, "has_figures": has_figures, "errors": errors or {},
        "form": {"covered": "true", "reason": "", **(form or {})},
        "nav_active": "ets" if single else "ets-region",
    }, status_code=status_code)


@router.get("/ets/enterprises/{enterprise_id}")
def company(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep,
            year: Annotated[int | None, YEAR] = None) -> Response:
    return _company_page(request, principal, database, enterprise_id, year)


def _form(form: Mapping[str, Any]) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


@router.post("/ets/enterprises/{enterprise_id}/coverage")
async def set_coverage(enterprise_id: Id, request: Request, principal: PagePrincipal,
                       database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_set_coverage, request, principal, database, enterprise_id, data)


def _set_coverage(request: Request, principal: Principal, database: Database, enterprise_id: int,
                  data: dict[str, str]) -> Response:
    t = translator_for(request)
    year = data.get("year") or ""
    try:
        with database.session() as session:
            row = filings.set_coverage(session, principal, enterprise_id, year, data)
            number = row.year
    except ValidationFailed as failed:
        chosen = int(year) if year.isdigit() and filings.MIN_YEAR <= int(year) <= filings.MAX_YEAR else None
        return _company_page(request, principal, database, enterprise_id, chosen, errors=_issues(failed, t),
                             form=data, status_code=422)
    response = RedirectResponse(f"/ets/enterprises/{enterprise_id}?year={number}", status_code=303)
    flash(response, "success", N_("The covered status of {year} was saved."), year=str(number))
    return response


# ------------------------------------------------------------------------------------------ month


def _evidence_view(a: Any, enterprise_id: int, period: str, users: Mapping[int, str], t: Translator) -> dict[str, Any]:
    return {"id": a.id, "kind": label_of(EVIDENCE_LABELS, a.kind, t), "filename": a.filename,
            "size": t.format_decimal(a.size_bytes / 1024, 1) + " KB", "sha256": a.sha256,
            "at": t.format_datetime(a.uploaded_at, "short"), "by": users.get(a.uploaded_by or -1, "—"),
            "href": f"/ets/enterprises/{enterprise_id}/months/{period}/evidence/{a.id}"}


def _month_page(request: Request, principal: Principal, database: Database, enterprise_id: int, period: str, *,
                errors: dict[str, list[str]] | None = None, form: Mapping[str, Any] | None = None,
                status_code: int = 200) -> Response:
    t = translator_for(request)
    with database.session() as session:
        detail = filings.month_detail(session, principal, enterprise_id, period)
    enterprise = detail.enterprise
    covered = detail.covered
    evidence = [_evidence_view(a, enterprise.id, detail.period, detail.users, t) for a in detail.evidence]
    filed_ids = {e["attachment_id"] for f in detail.filings for e in f.snapshot.get("evidence", [])}
    versions = []
    for filing in reversed(detail.filings):
        data = filings.filing_dict(filing, detail.users)
        versions.append({
            "version": filing.version, "current": filing.current, "reason": filing.reason,
            "filed_at": t.format_datetime(filing.filed_at, "short"), "by": data["filed_by"] or "—",
            "on_time": data["on_time"], "covered": _t(filing.covered_tco2e, t),
            "combustion": _t(filing.combustion_tco2e, t), "process": _t(filing.process_tco2e, t),
            "pfc": _t(filing.pfc_tco2e, t), "data_versions": data["data_versions"],
            "evidence": [{**e, "kind": label_of(EVIDENCE_LABELS, e.get("kind"), t),
                          "href": f"/ets/enterprises/{enterprise.id}/months/{detail.period}/evidence/{e['attachment_id']}"}
                         for e in data["evidence"]]})
    chosen = {str(v) for v in (form or {}).get("evidence_ids", [])} if form else {str(e["id"]) for e in evidence}
    single = not (principal.is_admin or principal.is_regulator or principal.is_evaluator) \
        and principal.enterprise_ids() == [enterprise.id]
    crumbs: list[tuple[str, str | None]] = [
        (t.gettext("Carbon market monthly filing"), "/ets" if single else "/ets/region"),
        (enterprise.name, f"/ets/enterprises/{enterprise.id}?year={detail.period[:4]}"), (detail.period, None)]
    return render(request, "ets/month.html", {
        "enterprise": enterprise, "period": detail.period, "detail": detail, "crumbs": crumbs,
        "status": _status(detail.status.value, detail.due_date, t), "due": t.format_date(detail.due_date),
        "rule_text": detail.rule.rule_zh if _zh(t) else detail.rule.rule_en,
        "rule_status": detail.rule.verification_status,
        "coverage": _coverage_view(detail.coverage, t),
        "covered": {"total": _t(covered.covered_tco2e, t), "combustion": _t(covered.combustion_tco2e, t),
                    "process": _t(covered.process_tco2e, t), "pfc": _t(covered.pfc_tco2e, t),
                    "electricity": _t(covered.purchased_electricity_tco2e, t),
                    "heat": _t(covered.purchased_heat_tco2e, t), "has_data": covered.has_data,
                    "current": covered.current, "unverified": covered.unverified,
                    "facilities": [{"facility": f.facility, "name": f.name or "", "covered": _t(f.covered_tco2e, t),
                                    "combustion": _t(f.combustion_tco2e, t), "process": _t(f.process_tco2e, t),
                                    "pfc": _t(f.pfc_tco2e, t),
                                    "electricity": _t(f.purchased_electricity_tco2e, t),
                                    "heat": _t(f.purchased_heat_tco2e, t)} for f in covered.facilities]},
        "evidence": evidence, "filed_ids": filed_ids, "chosen": chosen, "versions": versions,
        "kinds": [{"value": k, "label": t.gettext(v)} for k, v in EVIDENCE_LABELS.items()],
        "errors": errors or {}, "form": {"kind": "lab_report", "reason": "", **{k: v for k, v in (form or {}).items()
                                                                            if isinstance(v, str)}},
        "max_upload_mb": request.app.state.settings.max_upload_bytes // (1024 * 1024),
        "edit_href": f"/enterprises/{enterprise.id}/imports?view=versions",
        "nav_active": "ets" if single else "ets-region",
    }, status_code=status_code)


@router.get("/ets/enterprises/{enterprise_id}/months/{period}")
def month(enterprise_id: Id, period: str, request: Request, principal: PagePrincipal,
          database: DatabaseDep) -> Response:
    return _month_page(request, principal, database, enterprise_id, period)


def _month_url(enterprise_id: int, period: str) -> str:
    return f"/ets/enterprises/{enterprise_id}/months/{quote(period)}"


@router.post("/ets/enterprises/{enterprise_id}/months/{period}/evidence")
async def add_evidence(enterprise_id: Id, period: str, request: Request, principal: PagePrincipal,
                       database: DatabaseDep) -> Response:
    form = await request.form()
    file = form_file(form.get("file"))
    kind = str(form.get("kind") or "")[:32]
    upload = await read_upload(file, request.app.state.settings, field="file") if file else None
    return await run_in_threadpool(_add_evidence, request, principal, database, enterprise_id, period, kind,
                                   upload.filename if upload else "", upload.content if upload else b"")


def _add_evidence(request: Request, principal: Principal, database: Database, enterprise_id: int, period: str,
                  kind: str, filename: str, content: bytes) -> Response:
    t = translator_for(request)
    try:
        with database.session() as session:
            filings.add_evidence(session, principal, enterprise_id, period, kind=kind, filename=filename,
                                 content=content)
    except ValidationFailed as failed:
        return _month_page(request, principal, database, enterprise_id, period, errors=_issues(failed, t),
                           form={"kind": kind}, status_code=422)
    except filings.FilingConflict as conflict:
        return _conflict(enterprise_id, period, conflict, t)
    response = RedirectResponse(_month_url(enterprise_id, period), status_code=303)
    flash(response, "success", N_("The evidence was attached."))
    return response


def _conflict(enterprise_id: int, period: str, error: GreenmfgError, t: Translator) -> Response:
    response = RedirectResponse(_month_url(enterprise_id, period), status_code=303)
    flash(response, "error", N_("Nothing changed: {problem}"), problem=error.message_in(t.locale))
    return response


@router.get("/ets/enterprises/{enterprise_id}/months/{period}/evidence/{attachment_id}")
def download_evidence(enterprise_id: Id, period: str, attachment_id: Id, principal: PagePrincipal,
                      database: DatabaseDep) -> Response:
    with database.session() as session:
        return file_response(filings.evidence_file(session, principal, enterprise_id, period, attachment_id))


@router.post("/ets/enterprises/{enterprise_id}/months/{period}/file")
async def file_month(enterprise_id: Id, period: str, request: Request, principal: PagePrincipal,
                     database: DatabaseDep) -> Response:
    form = await request.form()
    data = {"evidence_ids": [str(v) for v in form.getlist("evidence_ids") if isinstance(v, str)],
            "confirm": str(form.get("confirm") or "")}
    return await run_in_threadpool(_file, request, principal, database, enterprise_id, period, data)


def _file(request: Request, principal: Principal, database: Database, enterprise_id: int, period: str,
          data: dict[str, Any]) -> Response:
    t = translator_for(request)
    try:
        with database.session() as session:
            filing = filings.file_month(session, principal, enterprise_id, period, data)
            version, on_time = filing.version, filings.filing_dict(filing)["on_time"]
    except ValidationFailed as failed:
        return _month_page(request, principal, database, enterprise_id, period, errors=_issues(failed, t),
                           form=data, status_code=422)
    except filings.FilingConflict as conflict:
        return _conflict(enterprise_id, period, conflict, t)
    response = RedirectResponse(_month_url(enterprise_id, period), status_code=303)
    if version > 1:
        flash(response, "success", N_("The amendment was filed as version {version}."), version=str(version))
    elif on_time:
        flash(response, "success", N_("{period} was filed on time; its data and evidence are locked."), period=period)
    else:
        flash(response, "warning", N_("{period} was filed after its due date; its data and evidence are locked."),
              period=period)
    return response


@router.post("/ets/enterprises/{enterprise_id}/months/{period}/amend")
async def amend(enterprise_id: Id, period: str, request: Request, principal: PagePrincipal,
                database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_amend, request, principal, database, enterprise_id, period, data)


def _amend(request: Request, principal: Principal, database: Database, enterprise_id: int, period: str,
           data: dict[str, str]) -> Response:
    t = translator_for(request)
    try:
        with database.session() as session:
            filings.open_amendment(session, principal, enterprise_id, period, data)
    except ValidationFailed as failed:
        return _month_page(request, principal, database, enterprise_id, period, errors=_issues(failed, t),
                           form=data, status_code=422)
    except filings.FilingConflict as conflict:
        return _conflict(enterprise_id, period, conflict, t)
    response = RedirectResponse(_month_url(enterprise_id, period), status_code=303)
    flash(response, "info", N_("Amendment opened: correct the month's data or evidence, then file it again."))
    return response


# ------------------------------------------------------------------------------------- regulators


@router.get("/ets/region")
def region(request: Request, principal: PagePrincipal, database: DatabaseDep,
           year: Annotated[int | None, YEAR] = None) -> Response:
    t = translator_for(request)
    today = filings.china_today()
    chosen = year or today.year
    with database.session() as session:
        overview = filings.region_overview(session, principal, chosen, today=today)
        may_assess = principal.is_admin or filings.may_decide_any(session, principal)
    companies = []
    for c in overview.companies:
        companies.append({
            "id": c.enterprise.id, "name": c.enterprise.name, "href": f"/ets/enterprises/{c.enterprise.id}?year={chosen}",
            "industry": _industry(c.enterprise.industry, t), "place": _place(c.enterprise.province, c.enterprise.city, t),
            "months": [{"period": m.period, "label": m.period[5:], "status": _status(m.status.value, m.due_date, t),
                        "code": m.status.value, "amended": m.amended,
                        "href": f"/ets/enterprises/{c.enterprise.id}/months/{m.period}"} for m in c.months],
            "on_time": c.count(filings.MonthStatus.filed_on_time), "late": c.count(filings.MonthStatus.filed_late),
            "missing": c.count(filings.MonthStatus.overdue), "due": c.count(filings.MonthStatus.due),
            "filed": _t(c.filed_tco2e, t), "allowances": _allowances(c.allowances_tco2e, c.filed_tco2e, t),
            "coverage": _coverage_view(c.coverage, t)})
    others = [{"name": c.enterprise.name, "href": f"/ets/enterprises/{c.enterprise.id}?year={chosen}",
               "industry": _industry(c.enterprise.industry, t),
               "place": _place(c.enterprise.province, c.enterprise.city, t),
               "coverage": _coverage_view(c.coverage, t)} for c in overview.others]
    return render(request, "ets/region.html", {
        "year": chosen, "companies": companies, "others": others,
        "threshold": t.format_number(overview.rules.threshold_tco2e),
        "threshold_status": overview.rules.threshold.verification_status,
        "legend": [_status(s, today, t) | {"code": s} for s in ("filed_on_time", "filed_late", "overdue", "due",
                                                                  "not_due")],
        "year_links": [{"year": y, "href": f"/ets/region?year={y}", "active": y == chosen}
                       for y in sorted({chosen - 1, chosen, min(chosen + 1, today.year)})],
        "may_assess": may_assess, "nav_active": "ets-region",
    })


@router.post("/ets/region/assess")
async def assess(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_assess, request, principal, database, data)


def _assess(request: Request, principal: Principal, database: Database, data: dict[str, str]) -> Response:
    t = translator_for(request)
    year = data.get("year") or ""
    response = RedirectResponse(f"/ets/region?year={year}" if year.isdigit() else "/ets/region", status_code=303)
    try:
        with database.session() as session:
            rows = filings.assess_visible(session, principal, year)
    except ValidationFailed as failed:
        flash(response, "error", N_("Nothing changed: {problem}"),
              problem="; ".join(m for ms in _issues(failed, t).values() for m in ms))
        return response
    flash(response, "success", N_("{count} companies assessed from their emissions."), count=str(len(rows)))
    return response
