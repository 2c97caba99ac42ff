"""The exporter's pages (出口与CBAM).

Routes
------
``/cbam``
    Opens the user's enterprise (enterprise users) or what is shared with the user's organisation.
``/cbam/enterprises/{id}``
    The goods (CN code, name, production process) and EU customers with their forms; the latest
    calculation's SEE per good against the China default with its mark-up, certificates and
    estimated cost; the calculations (a new one: quantities entered per good, or the goods file,
    and a precursors file), the communications sent and received (upload a supplier's template),
    the footprints (stored activity + products/upstream files) and every share.
``/cbam/enterprises/{id}/calculations/{cid}``, ``…/communications/{mid}``, ``…/footprints/{fid}``
    One record: its figures, derivation and findings, its files to download, and (the enterprise's
    managers) whom it is shared with, to share or revoke. A regulator or evaluator reaches these
    pages only for what is shared with it.
``/cbam/shared``
    What enterprises share with the user's organisation (regulators, evaluators; admins: all).

Input problems come back on the page with their located findings (422); a record the user may not
see is a 404 page, as in the API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from greenmfg.accounting.reader import InputFile
from greenmfg.cbam import platform
from greenmfg.db.session import Database
from greenmfg.errors import GreenmfgError, ValidationFailed
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.access import Principal
from greenmfg.web.deps import PagePrincipal, get_database
from greenmfg.web.downloads import file_response
from greenmfg.web.ids import Id
from greenmfg.web.pages import flash
from greenmfg.web.templating import label_of, render, translator_for
from greenmfg.web.uploads import form_file, read_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DatabaseDep = Annotated[Database, Depends(get_database)]

STATUS_LABELS = {"draft": N_("Draft, not sent"), "sent": N_("Sent"), "received": N_("Received"),
                 "used": N_("Used in a calculation")}
STATUS_TONES = {"draft": "draft", "sent": "committed", "received": "info", "used": "verified"}
VERIFICATION_LABELS = {"not_verified": N_("Not verified"), "verified": N_("Verified by a verifier")}
KIND_LABELS = {"calculation": N_("CBAM calculation"), "communication": N_("Communication"),
               "footprint": N_("Product carbon footprint")}
FILE_LABELS = {"result": N_("Result workbook"), "template": N_("Communication template"),
               "verifier_report": N_("Verifier's report"), "workbook": N_("Footprint workbook"),
               "report": N_("Footprint report (PDF)")}
ALLOCATION_LABELS = {"rule": N_("By the product rule"), "mass": N_("By mass"), "economic": N_("By economic value")}
SEVERITY_LABELS = {"error": N_("Error"), "warning": N_("Warning"), "info": N_("Info")}
GRANTEE_KINDS = {"regulator": N_("Regulator"), "evaluator": N_("Evaluator or verifier")}
BASE = "/cbam/enterprises/{enterprise_id}"


def _zh(t: Translator) -> bool:
    return t.locale == "zh-CN"


def _n(value: float | None, t: Translator, digits: int = 2) -> str:
    return "—" if value is None else t.format_decimal(value, digits)


def _form(form: Mapping[str, Any]) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _conflict(url: str, error: GreenmfgError, t: Translator) -> Response:
    response = RedirectResponse(url, status_code=303)
    flash(response, "error", N_("Nothing changed: {problem}"), problem=error.message_in(t.locale))
    return response


def _done(url: str, message: str, **params: str) -> Response:
    response = RedirectResponse(url, status_code=303)
    flash(response, "success", message, **params)
    return response


def _file_view(a: Any, href: str, t: Translator) -> dict[str, Any]:
    return {"label": label_of(FILE_LABELS, a.kind, t), "filename": a.filename, "sha256": a.sha256,
            "size": t.format_decimal(a.size_bytes / 1024, 1) + " KB", "href": href}


def _shares_view(shares: list[tuple[Any, str]], enterprise_id: int, t: Translator) -> list[dict[str, Any]]:
    return [{"id": s.id, "grantee": g, "kind": label_of(KIND_LABELS, s.subject_type, t), "subject_id": s.subject_id,
             "href": _subject_href(enterprise_id, s.subject_type, s.subject_id),
             "at": t.format_datetime(s.granted_at, "short"), "active": s.revoked_at is None,
             "revoked": t.format_datetime(s.revoked_at, "short") if s.revoked_at else "",
             "revoke": f"{BASE.format(enterprise_id=enterprise_id)}/shares/{s.id}/revoke"} for s, g in shares]


def _subject_href(enterprise_id: int, kind: str, subject_id: int) -> str:
    return f"{BASE.format(enterprise_id=enterprise_id)}/{kind}s/{subject_id}"


def _grantees(view_grantees: list[Any], t: Translator) -> list[dict[str, Any]]:
    return [{"id": g.id, "name": g.name, "kind": label_of(GRANTEE_KINDS, str(g.kind), t)} for g in view_grantees]


def _good_view(g: Mapping[str, Any], t: Translator) -> dict[str, Any]:
    return {"cn_code": g["cn_code"], "name": g["name_zh"] if _zh(t) else g["name_en"],
            "product_name": g.get("product_name") or "", "facility": g["facility_id"], "period": g["period"],
            "quantity": _n(g["quantity_t"], t, 1), "see_direct": _n(g["see_direct"], t, 3),
            "see_indirect": _n(g["see_indirect"], t, 3), "see_counted": _n(g["see_counted"], t, 3),
            "indirect_counts": g["indirect_counts"], "embedded": _n(g["embedded_t"], t, 1),
            "default": _n(g["default_total"], t, 3), "markup": t.format_percent(g["markup"] or 0.0, 0),
            "default_with_markup": _n(g["default_with_markup"], t, 3),
            "difference": _n(g["difference_t_per_t"], t, 3),
            "better": g["difference_t_per_t"] is not None and g["difference_t_per_t"] < 0,
            "default_known": g["default_total"] is not None,
            "default_status": g.get("default_status") or "",
            "free_allocation": _n(g["free_allocation_t"], t, 1), "certificates": _n(g["certificates_t"], t, 1),
            "price": _n(g["certificate_price_eur"], t, 2), "cost": _n(g["cost_eur"], t, 0),
            "default_cost": _n(g["default_cost_eur"], t, 0), "derivation": g.get("derivation") or []}


_UNVERIFIED_STATUS = re.compile(r"status '([a-z_]+)'")


def _findings(document: Mapping[str, Any], t: Translator) -> list[dict[str, Any]]:
    """The run's findings in the page's language; a value not verified is named by its reference (kept as
    written, marked English) and its status in words."""
    from greenmfg.refdata.words import status_name

    out = []
    for f in document.get("findings", []):
        item = {"severity": label_of(SEVERITY_LABELS, f.get("severity"), t),
                "tone": "warning" if f.get("severity") == "warning" else "info",
                "message": f.get("message_zh") if _zh(t) else f.get("message"),
                "fix": f.get("fix_zh") if _zh(t) else f.get("fix"), "file": f.get("file") or "",
                "row": f.get("row"), "ref": ""}
        if f.get("code") == "cbam.result.unverified_value":
            found = _UNVERIFIED_STATUS.search(f.get("message") or "")
            item.update(message=t.gettext("Uses a value not verified against the official text (%(status)s):",
                                          status=status_name(found.group(1) if found else "", zh=_zh(t))),
                        ref=str(f.get("value") or ""))
        out.append(item)
    return out


# ------------------------------------------------------------------------------------------- entry


@router.get("/cbam")
def home(principal: PagePrincipal) -> Response:
    own = principal.enterprise_ids()
    if own and not principal.is_admin:
        return RedirectResponse(f"/cbam/enterprises/{own[0]}", status_code=303)
    return RedirectResponse("/cbam/shared", status_code=303)


@router.get("/cbam/shared")
def shared(request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    t = translator_for(request)
    with database.session() as session:
        items = platform.shared_with(session, principal)
        exporters = [{"name": o.name, "href": f"/cbam/enterprises/{o.id}"}
                     for o in platform.enterprises_with_data(session, principal)]
    rows = []
    for item in items:
        summary = item.summary
        if item.kind == "calculation":
            text = t.gettext("Embedded emissions %(value)s tCO2e", value=_n(summary.get("embedded_tco2e"), t, 1))
        elif item.kind == "communication":
            text = " · ".join([label_of(STATUS_LABELS, summary.get("status"), t),
                               label_of(VERIFICATION_LABELS, summary.get("verification"), t)])
        else:
            text = t.gettext("%(count)s products", count=summary.get("products", 0))
        rows.append({"enterprise": item.enterprise_name, "kind": label_of(KIND_LABELS, item.kind, t),
                     "period": item.period, "summary": text, "grantee": item.grantee,
                     "at": t.format_datetime(item.granted_at, "short"),
                     "href": _subject_href(item.enterprise_id, item.kind, item.subject_id)})
    return render(request, "cbam/shared.html", {"rows": rows, "exporters": exporters, "nav_active": "cbam-shared"})


# ---------------------------------------------------------------------------------------- overview


def _overview_page(request: Request, principal: Principal, database: Database, enterprise_id: int, *,
                   errors: dict[str, list[Any]] | None = None, form: Mapping[str, str] | None = None,
                   status_code: int = 200) -> Response:
    from greenmfg.cbam.rules import cn_display

    t = translator_for(request)
    with database.session() as session:
        view = platform.overview(session, principal, enterprise_id)
        customers = {c.id: c.name for c in view.customers}
        base = BASE.format(enterprise_id=enterprise_id)
        latest = view.latest
        context = {
            "enterprise": view.enterprise, "may_manage": view.may_manage, "base": base,
            "facilities": [{"code": f.code, "name": f.name or ""} for f in view.facilities],
            "products": [{"id": p.id, "cn_code": cn_display(p.cn_code), "name": p.name, "facility": code,
                          "facility_name": name} for p, code, name in view.products],
            "customers": [{"id": c.id, "name": c.name, "country": c.country, "eori": c.eori or "—",
                           "contact": c.contact or "—"} for c in view.customers],
            "calculations": [{"id": c.id, "period": c.period, "href": f"{base}/calculations/{c.id}",
                              "embedded": _n(c.embedded_tco2e, t, 1), "certificates": _n(c.certificates, t, 1),
                              "cost": _n(c.cost_eur, t, 0), "current": c.reference_fingerprint == view.fingerprint,
                              "at": t.format_datetime(c.created_at, "short")} for c in view.calculations],
            "latest": None if latest is None else {
                "period": latest.period, "href": f"{base}/calculations/{latest.id}",
                "goods": [_good_view(g, t) for g in latest.document.get("goods", [])],
                "embedded": _n(latest.embedded_tco2e, t, 1), "certificates": _n(latest.certificates, t, 1),
                "cost": _n(latest.cost_eur, t, 0),
                "price": _n(latest.document.get("totals", {}).get("certificate_price_eur"), t, 2)},
            "sent": [{"id": c.id, "period": c.period, "href": f"{base}/communications/{c.id}",
                      "customer": customers.get(c.customer_id or -1, "—"),
                      "status": {"tone": STATUS_TONES[c.status], "text": label_of(STATUS_LABELS, c.status, t)},
                      "verification": label_of(VERIFICATION_LABELS, c.verification, t),
                      "verified": c.verification == "verified", "verified_by": c.verified_by or "",
                      "download": f"{base}/communications/{c.id}/files/{c.attachment_id}"} for c in view.sent],
            "received": [{"id": c.id, "period": c.period, "href": f"{base}/communications/{c.id}",
                          "supplier": c.supplier or "—", "records": len(c.records or []),
                          "status": {"tone": STATUS_TONES[c.status], "text": label_of(STATUS_LABELS, c.status, t)},
                          "download": f"{base}/communications/{c.id}/files/{c.attachment_id}"} for c in view.received],
            "footprints": [{"id": f.id, "period": f.period, "href": f"{base}/footprints/{f.id}",
                            "products": f.products,
                            "allocation": label_of(ALLOCATION_LABELS, f.options.get("allocation"), t),
                            "at": t.format_datetime(f.created_at, "short")} for f in view.footprints],
            "shares": _shares_view(view.shares, enterprise_id, t),
            "countries": list(platform.EU_COUNTRIES),
            "allocations": [{"value": k, "label": t.gettext(v)} for k, v in ALLOCATION_LABELS.items()],
            "precursor_rows": list(range(PRECURSOR_ROWS)),
        }
    errors = errors or {}
    return render(request, "cbam/overview.html", {
        **context, "errors": errors, "form": dict(form or {}),
        "max_upload_mb": request.app.state.settings.max_upload_bytes // (1024 * 1024),
        "crumbs": [(t.gettext("Exports & CBAM"), None)], "nav_active": "cbam"}, status_code=status_code)


@router.get("/cbam/enterprises/{enterprise_id}")
def enterprise_page(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    return _overview_page(request, principal, database, enterprise_id)


def _failed(request: Request, principal: Principal, database: Database, enterprise_id: int, which: str,
            failed: ValidationFailed, form: Mapping[str, str]) -> Response:
    return _overview_page(request, principal, database, enterprise_id, errors={which: list(failed.issues)}, form=form,
                          status_code=422)


@router.post("/cbam/enterprises/{enterprise_id}/goods")
async def add_good(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_simple, request, principal, database, enterprise_id, "goods", data,
                                   platform.add_product, N_("The good was added."))


@router.post("/cbam/enterprises/{enterprise_id}/customers")
async def add_customer(enterprise_id: Id, request: Request, principal: PagePrincipal,
                       database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_simple, request, principal, database, enterprise_id, "customers", data,
                                   platform.add_customer, N_("The customer was added."))


def _simple(request: Request, principal: Principal, database: Database, enterprise_id: int, which: str,
            data: dict[str, str], action: Any, message: str) -> Response:
    try:
        with database.session() as session:
            action(session, principal, enterprise_id, data)
    except ValidationFailed as failed:
        return _failed(request, principal, database, enterprise_id, which, failed, data)
    return _done(f"/cbam/enterprises/{enterprise_id}#{which}", message)


async def _upload(form: Any, name: str, request: Request) -> InputFile | None:
    file = form_file(form.get(name))
    if file is None or not file.filename:
        return None
    upload = await read_upload(file, request.app.state.settings, field=name)
    return InputFile(upload.filename or name, upload.content) if upload.content else None


@router.post("/cbam/enterprises/{enterprise_id}/calculations")
async def calculate(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    form = await request.form()
    data = _form(form)
    goods = await _upload(form, "goods", request)
    precursors = await _upload(form, "precursors", request)
    return await run_in_threadpool(_calculate, request, principal, database, enterprise_id, data, goods, precursors)


def _entered_goods(session: Any, principal: Principal, enterprise_id: int, data: Mapping[str, str]) -> InputFile | None:
    """The quantities entered per listed good, as the goods file (the same reader checks them)."""
    from greenmfg.cbam.rules import cn_display

    view = platform.overview(session, principal, enterprise_id)
    rows = [{"facility_id": code, "period": data.get("period", ""), "cn_code": cn_display(p.cn_code),
             "quantity": data[f"quantity_{p.id}"].strip(), "unit": "t", "product_name": p.name}
            for p, code, _name in view.products if data.get(f"quantity_{p.id}", "").strip()]
    return platform.goods_csv(rows) if rows else None


#: precursor rows the calculation form offers
PRECURSOR_ROWS = 3


def _entered_precursors(data: Mapping[str, str]) -> InputFile | None:
    """The precursors entered in the form's rows, as the precursors file (the same reader checks them)."""
    rows = []
    for i in range(PRECURSOR_ROWS):
        row = {"facility_id": data.get(f"p{i}_facility", ""), "period": data.get("period", ""),
               "precursor_cn_code": data.get(f"p{i}_cn", ""), "quantity": data.get(f"p{i}_quantity", ""),
               "unit": "t", "from_facility_id": data.get(f"p{i}_from", ""), "supplier": data.get(f"p{i}_supplier", "")}
        if row["precursor_cn_code"].strip() or row["quantity"].strip():
            rows.append(row)
    return platform.precursors_csv(rows) if rows else None


def _calculate(request: Request, principal: Principal, database: Database, enterprise_id: int,
               data: dict[str, str], goods: InputFile | None, precursors: InputFile | None) -> Response:
    try:
        with database.session() as session:
            chosen = goods or _entered_goods(session, principal, enterprise_id, data)
            precursors = precursors or _entered_precursors(data)
            row = platform.calculate(session, principal, enterprise_id, data.get("period"), chosen, precursors)
            url = f"/cbam/enterprises/{enterprise_id}/calculations/{row.id}"
    except ValidationFailed as failed:
        return _failed(request, principal, database, enterprise_id, "calculations", failed, data)
    return _done(url, N_("The calculation of {period} was stored."), period=data.get("period", ""))


@router.post("/cbam/enterprises/{enterprise_id}/communications")
async def create_communication(enterprise_id: Id, request: Request, principal: PagePrincipal,
                               database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_create_communication, request, principal, database, enterprise_id, data)


def _create_communication(request: Request, principal: Principal, database: Database, enterprise_id: int,
                          data: dict[str, str]) -> Response:
    try:
        with database.session() as session:
            row = platform.create_communication(session, principal, enterprise_id, data)
            url = f"/cbam/enterprises/{enterprise_id}/communications/{row.id}"
    except ValidationFailed as failed:
        return _failed(request, principal, database, enterprise_id, "sent", failed, data)
    return _done(url, N_("The communication was generated as a draft."))


@router.post("/cbam/enterprises/{enterprise_id}/communications/received")
async def receive(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    form = await request.form()
    data = _form(form)
    upload = await _upload(form, "file", request)
    return await run_in_threadpool(_receive, request, principal, database, enterprise_id, data, upload)


def _receive(request: Request, principal: Principal, database: Database, enterprise_id: int, data: dict[str, str],
             upload: InputFile | None) -> Response:
    try:
        with database.session() as session:
            row = platform.receive_communication(session, principal, enterprise_id, supplier=data.get("supplier"),
                                                 period=data.get("period"), upload=upload)
            url = f"/cbam/enterprises/{enterprise_id}/communications/{row.id}"
    except ValidationFailed as failed:
        return _failed(request, principal, database, enterprise_id, "received", failed, data)
    return _done(url, N_("The supplier's communication was read."))


@router.post("/cbam/enterprises/{enterprise_id}/footprints")
async def compute_footprint(enterprise_id: Id, request: Request, principal: PagePrincipal,
                            database: DatabaseDep) -> Response:
    form = await request.form()
    data = _form(form)
    products = await _upload(form, "products", request)
    upstream = await _upload(form, "upstream", request)
    return await run_in_threadpool(_footprint, request, principal, database, enterprise_id, data, products, upstream)


def _footprint(request: Request, principal: Principal, database: Database, enterprise_id: int, data: dict[str, str],
               products: InputFile | None, upstream: InputFile | None) -> Response:
    t = translator_for(request)
    try:
        with database.session() as session:
            row = platform.compute_footprint(session, principal, enterprise_id, period=data.get("period"),
                                             products=products, upstream=upstream,
                                             allocation=data.get("allocation") or "rule", locale=t.locale)
            url = f"/cbam/enterprises/{enterprise_id}/footprints/{row.id}"
    except ValidationFailed as failed:
        return _failed(request, principal, database, enterprise_id, "footprints", failed, data)
    return _done(url, N_("The footprints of {period} were stored."), period=data.get("period", ""))


# ----------------------------------------------------------------------------------- one record


def _share_context(session: Any, principal: Principal, enterprise_id: int, kind: str, subject_id: int,
                   t: Translator) -> dict[str, Any]:
    may_manage = principal.can_manage(enterprise_id)
    out: dict[str, Any] = {"may_manage": may_manage, "kind": kind, "subject_id": subject_id,
                           "shares": [], "grantees": []}
    if may_manage:
        org = platform.enterprise(session, principal, enterprise_id)
        out["shares"] = _shares_view(platform.shares_of(session, enterprise_id, kind, subject_id), enterprise_id, t)
        out["grantees"] = _grantees(platform.grantees(session, org), t)
    return out


def _crumbs(principal: Principal, enterprise: Any, label: str, t: Translator) -> list[tuple[str, str | None]]:
    if enterprise.id in principal.enterprise_ids() or principal.is_admin:
        return [(t.gettext("Exports & CBAM"), f"/cbam/enterprises/{enterprise.id}"), (label, None)]
    return [(t.gettext("Shared CBAM data"), "/cbam/shared"), (label, None)]


def _nav(principal: Principal, enterprise_id: int) -> str:
    return "cbam" if enterprise_id in principal.enterprise_ids() else "cbam-shared"


def _record(session: Any, principal: Principal, enterprise_id: int, kind: str, subject_id: int,
            t: Translator) -> dict[str, Any]:
    """What every record page shows beside its figures: the enterprise, the record's files to download and
    (for the enterprise's managers) whom it is shared with, to share or revoke."""
    from greenmfg.orgs.models import Organisation

    base = BASE.format(enterprise_id=enterprise_id)
    return {"enterprise": session.get(Organisation, enterprise_id), "base": base,
            "files": [_file_view(a, f"{base}/{kind}s/{subject_id}/files/{a.id}", t)
                      for a in platform.files_of(session, kind, subject_id)],
            **_share_context(session, principal, enterprise_id, kind, subject_id, t)}


def _record_page(request: Request, principal: Principal, enterprise_id: int, template: str, context: dict[str, Any],
                 label: str, *, status_code: int = 200) -> Response:
    """A record page: ``context`` (with :func:`_record`'s) under the crumbs to the record, ``label``."""
    t = translator_for(request)
    return render(request, template, {**context, "crumbs": _crumbs(principal, context["enterprise"], label, t),
                                      "nav_active": _nav(principal, enterprise_id)}, status_code=status_code)


def _record_file(database: Database, principal: Principal, enterprise_id: int, kind: str, subject_id: int,
                 attachment_id: int) -> Response:
    """One file of a record the user may see, as a download (404 otherwise)."""
    with database.session() as session:
        return file_response(platform.record_file(session, principal, enterprise_id, kind, subject_id, attachment_id))


@router.get("/cbam/enterprises/{enterprise_id}/calculations/{calculation_id}")
def calculation_page(enterprise_id: Id, calculation_id: Id, request: Request, principal: PagePrincipal,
                     database: DatabaseDep) -> Response:
    from greenmfg.cbam.models import ELECTRICITY_RULES
    from greenmfg.cbam.output import CATEGORY_WORDS, word

    t = translator_for(request)
    zh = _zh(t)
    with database.session() as session:
        row = platform.calculation(session, principal, enterprise_id, calculation_id)
        record = _record(session, principal, enterprise_id, "calculation", row.id, t)
        current = row.reference_fingerprint == platform.installed_fingerprint()
        document = row.document
        processes = [{"facility": p["facility_id"], "period": p["period"],
                      "category": word(p["category"], zh, CATEGORY_WORDS), "level": _n(p["activity_level_t"], t, 1),
                      "direct": _n(p["attributed_direct_t"], t, 1), "indirect": _n(p["attributed_indirect_t"], t, 1),
                      "electricity_rule": ELECTRICITY_RULES.get(p["electricity_rule"], ("", ""))[1 if zh else 0],
                      "precursors": [{"cn_code": d["cn_code"], "mass": _n(d["mass_t"], t, 1),
                                      "from": d.get("from_facility_id") or d.get("supplier") or ""}
                                     for d in p["precursors"]],
                      "derivation": p.get("derivation") or []} for p in document.get("processes", [])]
        context = {
            **record, "calc": row, "current": current, "processes": processes,
            "goods": [_good_view(g, t) for g in document.get("goods", [])], "findings": _findings(document, t),
            "totals": {"embedded": _n(row.embedded_tco2e, t, 1), "certificates": _n(row.certificates, t, 1),
                       "cost": _n(row.cost_eur, t, 0),
                       "price": _n(document.get("totals", {}).get("certificate_price_eur"), t, 2)},
            "versions": row.data_versions, "inputs": row.inputs.get("files", []),
            "at": t.format_datetime(row.created_at, "short"),
            "json_href": f"/api/v1/cbam/enterprises/{enterprise_id}/calculations/{row.id}",
        }
    return _record_page(request, principal, enterprise_id, "cbam/calculation.html", context,
                        t.gettext("Calculation of %(period)s", period=row.period))


@router.get("/cbam/enterprises/{enterprise_id}/calculations/{calculation_id}/files/{attachment_id}")
def calculation_file(enterprise_id: Id, calculation_id: Id, attachment_id: Id, principal: PagePrincipal,
                     database: DatabaseDep) -> Response:
    return _record_file(database, principal, enterprise_id, "calculation", calculation_id, attachment_id)


@router.get("/cbam/enterprises/{enterprise_id}/communications/{communication_id}")
def communication_page(enterprise_id: Id, communication_id: Id, request: Request, principal: PagePrincipal,
                       database: DatabaseDep) -> Response:
    return _communication_page(request, principal, database, enterprise_id, communication_id)


def _communication_page(request: Request, principal: Principal, database: Database, enterprise_id: int,
                        communication_id: int, *, errors: list[Any] | None = None,
                        form: Mapping[str, str] | None = None, status_code: int = 200) -> Response:
    from greenmfg.cbam.platform_models import CbamCustomer
    from greenmfg.cbam.rules import cn_display

    t = translator_for(request)
    with database.session() as session:
        row = platform.communication(session, principal, enterprise_id, communication_id)
        record = _record(session, principal, enterprise_id, "communication", row.id, t)
        customer = session.get(CbamCustomer, row.customer_id) if row.customer_id else None
        base = record["base"]
        verifier = None if record["may_manage"] else platform.verifier_of(session, principal, row.id)
        context = {
            **record, "comm": row, "may_verify": record["may_manage"] or verifier is not None,
            "verifier_name": verifier.name if verifier is not None else "",
            "customer": None if customer is None else {"name": customer.name, "country": customer.country,
                                                       "eori": customer.eori or "—"},
            "status": {"tone": STATUS_TONES[row.status], "text": label_of(STATUS_LABELS, row.status, t)},
            "verification": label_of(VERIFICATION_LABELS, row.verification, t),
            "verified_at": t.format_datetime(row.verified_at, "short") if row.verified_at else "",
            "sent_at": t.format_datetime(row.sent_at, "short") if row.sent_at else "",
            "calc_href": f"{base}/calculations/{row.calculation_id}" if row.calculation_id else "",
            "records": [{"cn_code": cn_display(r["cn"]), "see_direct": _n(r["see_direct"], t, 3),
                         "see_indirect": _n(r["see_indirect"], t, 3), "installation": r.get("installation") or "—",
                         "where": f"{r.get('sheet', '')} {r.get('cell', '')}".strip()} for r in row.records or []],
        }
    label = t.gettext("Communication to %(customer)s", customer=context["customer"]["name"]) if customer else \
        t.gettext("Communication from %(supplier)s", supplier=row.supplier or "—")
    return _record_page(request, principal, enterprise_id, "cbam/communication.html",
                        {**context, "errors": errors or [], "form": dict(form or {}), "title": label}, label,
                        status_code=status_code)


def _communication_url(enterprise_id: int, communication_id: int) -> str:
    return f"/cbam/enterprises/{enterprise_id}/communications/{communication_id}"


@router.post("/cbam/enterprises/{enterprise_id}/communications/{communication_id}/sent")
async def mark_sent(enterprise_id: Id, communication_id: Id, request: Request, principal: PagePrincipal,
                    database: DatabaseDep) -> Response:
    await request.form()
    return await run_in_threadpool(_mark_sent, request, principal, database, enterprise_id, communication_id)


def _mark_sent(request: Request, principal: Principal, database: Database, enterprise_id: int,
               communication_id: int) -> Response:
    url = _communication_url(enterprise_id, communication_id)
    try:
        with database.session() as session:
            platform.mark_sent(session, principal, enterprise_id, communication_id)
    except platform.CbamConflict as conflict:
        return _conflict(url, conflict, translator_for(request))
    return _done(url, N_("The communication is marked as sent."))


@router.post("/cbam/enterprises/{enterprise_id}/communications/{communication_id}/verification")
async def verification(enterprise_id: Id, communication_id: Id, request: Request, principal: PagePrincipal,
                       database: DatabaseDep) -> Response:
    form = await request.form()
    data = _form(form)
    upload = await _upload(form, "report", request)
    return await run_in_threadpool(_verification, request, principal, database, enterprise_id, communication_id, data,
                                   upload)


def _verification(request: Request, principal: Principal, database: Database, enterprise_id: int,
                  communication_id: int, data: dict[str, str], upload: InputFile | None) -> Response:
    url = _communication_url(enterprise_id, communication_id)
    try:
        with database.session() as session:
            platform.record_verification(session, principal, enterprise_id, communication_id,
                                         verifier=data.get("verifier"), filename=upload.name if upload else "",
                                         content=upload.content if upload else b"")
    except ValidationFailed as failed:
        return _communication_page(request, principal, database, enterprise_id, communication_id,
                                   errors=list(failed.issues), form=data, status_code=422)
    except platform.CbamConflict as conflict:
        return _conflict(url, conflict, translator_for(request))
    return _done(url, N_("The verification was recorded with the verifier's report."))


@router.get("/cbam/enterprises/{enterprise_id}/communications/{communication_id}/files/{attachment_id}")
def communication_file(enterprise_id: Id, communication_id: Id, attachment_id: Id, principal: PagePrincipal,
                       database: DatabaseDep) -> Response:
    return _record_file(database, principal, enterprise_id, "communication", communication_id, attachment_id)


@router.get("/cbam/enterprises/{enterprise_id}/footprints/{footprint_id}")
def footprint_page(enterprise_id: Id, footprint_id: Id, request: Request, principal: PagePrincipal,
                   database: DatabaseDep) -> Response:
    from greenmfg.calc.footprint import STAGES
    from greenmfg.footprint.output import STAGE_WORDS

    t = translator_for(request)
    zh = _zh(t)
    with database.session() as session:
        row = platform.footprint(session, principal, enterprise_id, footprint_id)
        record = _record(session, principal, enterprise_id, "footprint", row.id, t)
        products = []
        for r in row.document.get("results", []):
            stages = r.get("by_stage_kgco2e_per_unit") or {}
            quality = r.get("data_quality") or {}
            products.append({
                "name": r.get("name_zh" if zh else "name_en") or r.get("product") or "",
                "facility": r.get("facility_id", ""), "period": r.get("period", ""),
                "quantity": _n(r.get("quantity"), t, 1), "quantity_unit": r.get("unit", ""),
                "footprint": _n(r.get("footprint_kgco2e_per_unit"), t, 1),
                "unit": (r.get("functional_unit") or {}).get("zh" if zh else "en", ""),
                "stages": [{"label": label_of(STAGE_WORDS, s, t), "value": _n(stages.get(s), t, 1)} for s in STAGES],
                "dqr": _n(quality.get("dqr"), t, 2), "level": quality.get("level_zh" if zh else "level", "")})
        warnings = [{"message": w.get("message_zh") if zh else w.get("message"), "file": w.get("file") or "",
                     "row": w.get("row")} for w in row.document.get("warnings", [])]
        context = {**record, "fp": row, "products": products, "warnings": warnings,
                   "allocation": label_of(ALLOCATION_LABELS, row.options.get("allocation"), t),
                   "inputs": row.inputs.get("files", []), "versions": row.inputs.get("data_versions", []),
                   "at": t.format_datetime(row.created_at, "short")}
    return _record_page(request, principal, enterprise_id, "cbam/footprint.html", context,
                        t.gettext("Footprints of %(period)s", period=row.period))


@router.get("/cbam/enterprises/{enterprise_id}/footprints/{footprint_id}/files/{attachment_id}")
def footprint_file(enterprise_id: Id, footprint_id: Id, attachment_id: Id, principal: PagePrincipal,
                   database: DatabaseDep) -> Response:
    return _record_file(database, principal, enterprise_id, "footprint", footprint_id, attachment_id)


# ------------------------------------------------------------------------------------------- sharing


@router.post("/cbam/enterprises/{enterprise_id}/shares")
async def share(enterprise_id: Id, request: Request, principal: PagePrincipal, database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_share, request, principal, database, enterprise_id, data)


def _back(enterprise_id: int, data: Mapping[str, str]) -> str:
    kind, subject = data.get("subject_type", ""), data.get("subject_id", "")
    if kind in platform.SUBJECTS and subject.isdigit():
        return _subject_href(enterprise_id, kind, int(subject))
    return f"/cbam/enterprises/{enterprise_id}"


def _share(request: Request, principal: Principal, database: Database, enterprise_id: int,
           data: dict[str, str]) -> Response:
    t = translator_for(request)
    url = _back(enterprise_id, data)
    try:
        with database.session() as session:
            platform.share(session, principal, enterprise_id, data)
    except ValidationFailed as failed:
        response = RedirectResponse(url, status_code=303)
        flash(response, "error", N_("Nothing changed: {problem}"),
              problem="; ".join((i.message_zh if _zh(t) else i.message) for i in failed.issues))
        return response
    except platform.CbamConflict as conflict:
        return _conflict(url, conflict, t)
    return _done(url, N_("Shared. The organisation now sees this record."))


@router.post("/cbam/enterprises/{enterprise_id}/shares/{share_id}/revoke")
async def revoke(enterprise_id: Id, share_id: Id, request: Request, principal: PagePrincipal,
                 database: DatabaseDep) -> Response:
    data = _form(await request.form())
    return await run_in_threadpool(_revoke, request, principal, database, enterprise_id, share_id, data)


def _revoke(request: Request, principal: Principal, database: Database, enterprise_id: int, share_id: int,
            data: dict[str, str]) -> Response:
    url = _back(enterprise_id, data)
    try:
        with database.session() as session:
            platform.revoke(session, principal, enterprise_id, share_id)
    except platform.CbamConflict as conflict:
        return _conflict(url, conflict, translator_for(request))
    return _done(url, N_("The share was revoked. The organisation no longer sees this record."))
