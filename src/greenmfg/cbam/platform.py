"""The exporter's CBAM data on the platform: goods, EU customers, calculations, communications sent
and received, product footprints, and what the enterprise shares (issue #17 part 5).

Who sees what (:func:`greenmfg.orgs.access.private_clause`, the one policy): the enterprise's members
and platform admins see all of its CBAM data; its managers (write scope) change it; a regulator or
an evaluator (verifier) sees a calculation, communication or footprint only while the enterprise
shares it with that organisation (:func:`share`, :func:`revoke`, audited), and never the
enterprise's lists. Anything else is :class:`~greenmfg.orgs.access.NotFound`, as if it did not exist.

Calculations run :func:`greenmfg.cbam.service.cbam_from_rows` on the enterprise's stored activity rows
of the period (the current data versions, through the one accounting engine) with goods and
precursor rows read by the command line's readers (:mod:`greenmfg.cbam.inputs`: the same columns,
entered in the page or uploaded as .csv/.xlsx); the suppliers' templates received are offered as
precursor values. The result document is stored with the data versions and a reference
fingerprint; its workbook and the Commission's communication template are stored as attachments
(:mod:`greenmfg.attachments`, with their SHA-256). A communication sent is a copy of a calculation's
template for one customer (draft → sent; verified by whom, the verifier's report attached).
Footprints run :func:`greenmfg.footprint.footprint` on the stored rows of the period with the
uploaded products (and upstream) files; their workbook and PDF report are stored as attachments.

Bad input raises :class:`~greenmfg.errors.ValidationFailed` with located findings (nothing stored); a
step from the wrong state raises :class:`CbamConflict` (409).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session, aliased

from greenmfg.accounting.models import DataVersion
from greenmfg.accounting.reader import InputFile
from greenmfg.attachments import service as attachments
from greenmfg.attachments.models import Attachment
from greenmfg.audit.service import record
from greenmfg.auth.models import Role
from greenmfg.cbam.platform_models import (
    CbamCalculation,
    CbamCommunication,
    CbamCustomer,
    CbamFootprint,
    CbamProduct,
    CbamShare,
)
from greenmfg.db.base import utcnow
from greenmfg.errors import GreenmfgError, Issue, ValidationFailed
from greenmfg.findings import Locator, Reader
from greenmfg.orgs.access import (
    Forbidden,
    NotFound,
    Principal,
    private_clause,
    sharing_organisations,
)
from greenmfg.orgs.models import Facility, Organisation, OrgKind

__all__ = [
    "EU_COUNTRIES", "CbamConflict", "Overview", "SharedItem", "add_customer", "add_product", "calculate",
    "calculation", "communication", "compute_footprint", "create_communication", "enterprise", "enterprises_with_data",
    "entered_rows", "files_of", "footprint", "goods_csv", "grantees", "installed_fingerprint", "mark_sent", "overview",
    "precursors_csv", "receive_communication", "record_file", "record_verification", "revoke", "share", "shared_with",
    "shares_of", "verifier_of",
]

#: the EU member states (ISO 3166 alpha-2) an importer may be established in
EU_COUNTRIES = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
                "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
#: attachment subjects
SUBJECTS = {"calculation": "cbam_calculation", "communication": "cbam_communication", "footprint": "cbam_footprint"}
_MODELS: dict[str, Any] = {"calculation": CbamCalculation, "communication": CbamCommunication, "footprint": CbamFootprint}
_PERIOD = re.compile(r"^(20\d{2})(?:-(0[1-9]|1[0-2]))?$")
_EORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,15}$")
_FORM = Locator(named=True, code_prefix="", value_limit=200)
MAX_NAME = 200
XLSX = attachments.XLSX


class CbamConflict(GreenmfgError):
    """The record is not in a state this step starts from (a sent communication sent again …)."""

    status = 409
    code = "cbam.conflict"
    message = "the record is not in a state this step starts from"
    message_zh = "该记录当前状态不允许此操作"


def _fail(issues: list[Issue]) -> None:
    if issues:
        raise ValidationFailed(issues, len(issues))


def _issue(code: str, column: str, value: object, en: str, zh: str, fix: str, fix_zh: str, *, file: str = "") -> Issue:
    return _FORM.at(file=file).finding(f"cbam.input.{code}", column, value, en, zh, fix, fix_zh)


# ------------------------------------------------------------------------------------------ access


def _shared(subject_type: str, subject_id: Any, principal: Principal) -> ColumnElement[bool]:
    """The record is shared (not revoked) with one of the caller's regulators or evaluators."""
    return exists().where(CbamShare.subject_type == subject_type, CbamShare.subject_id == subject_id,
                          CbamShare.grantee_id.in_(sharing_organisations(principal)), CbamShare.revoked_at.is_(None))


def enterprise(session: Session, principal: Principal, enterprise_id: int, *, manage: bool = False) -> Organisation:
    """The enterprise, for its own members and admins only (regulators and evaluators: 404).

    Raises
    ------
    NotFound
        Not an enterprise the caller belongs to (or any, for admins).
    Forbidden
        ``manage`` and the caller may not change its data.
    """
    org = session.execute(select(Organisation).where(
        Organisation.id == enterprise_id, Organisation.kind == OrgKind.enterprise,
        private_clause(principal, Organisation.id))).scalar_one_or_none()
    if org is None:
        raise NotFound("enterprise", enterprise_id)
    if manage and not principal.can_manage(enterprise_id):
        raise Forbidden("you may view this enterprise's CBAM data but not change it (needs an enterprise manager "
                        "role and a token with the write scope)",
                        "您可以查看该企业的CBAM数据，但无权修改（需要企业管理员角色及具有 write 权限的令牌）")
    return org


def _one(session: Session, principal: Principal, model: Any, kind: str, enterprise_id: int, ident: int) -> Any:
    row = session.execute(select(model).where(
        model.id == ident, model.enterprise_id == enterprise_id,
        private_clause(principal, model.enterprise_id, shared=_shared(kind, model.id, principal)))).scalar_one_or_none()
    if row is None:
        raise NotFound("CBAM record", ident)
    return row


def calculation(session: Session, principal: Principal, enterprise_id: int, calculation_id: int) -> CbamCalculation:
    """A calculation the caller may see (its enterprise's members, admins, the organisations it is shared with)."""
    row: CbamCalculation = _one(session, principal, CbamCalculation, "calculation", enterprise_id, calculation_id)
    return row


def communication(session: Session, principal: Principal, enterprise_id: int, communication_id: int) -> CbamCommunication:
    row: CbamCommunication = _one(session, principal, CbamCommunication, "communication", enterprise_id,
                                  communication_id)
    return row


def footprint(session: Session, principal: Principal, enterprise_id: int, footprint_id: int) -> CbamFootprint:
    row: CbamFootprint = _one(session, principal, CbamFootprint, "footprint", enterprise_id, footprint_id)
    return row


def record_file(session: Session, principal: Principal, enterprise_id: int, kind: str, subject_id: int,
                attachment_id: int) -> Attachment:
    """One file (with its bytes) of a calculation, communication or footprint (``kind``) the caller may see.

    Raises
    ------
    NotFound
        The record is not the enterprise's or the caller may not see it, or the file is not the record's.
    """
    _one(session, principal, _MODELS[kind], kind, enterprise_id, subject_id)
    return attachments.get(session, subject_type=SUBJECTS[kind], subject_id=subject_id, attachment_id=attachment_id)


def files_of(session: Session, kind: str, subject_id: int) -> list[attachments.AttachmentView]:
    """The attachments of a calculation, communication or footprint (the caller's access checked before)."""
    return attachments.listing(session, subject_type=SUBJECTS[kind], subject_id=subject_id)


# ---------------------------------------------------------------------------------- goods, customers


def _rules() -> Any:
    from greenmfg.cbam.rules import load_rules

    return load_rules()


def add_product(session: Session, principal: Principal, enterprise_id: int, data: Mapping[str, Any]) -> CbamProduct:
    """A good the enterprise exports: ``cn_code`` (a CBAM good), ``name``, ``facility`` (code of the
    production process)."""
    from greenmfg.cbam.rules import cn_digits, cn_display

    enterprise(session, principal, enterprise_id, manage=True)
    reader = Reader(data, domain="cbam", locator=_FORM)
    cn_text = reader.text("cn_code", max_length=20)
    name = reader.text("name", max_length=MAX_NAME)
    facility_code = reader.text("facility", max_length=64)
    cn = cn_digits(cn_text) if cn_text else None
    if cn_text and cn is None:
        reader.add("cbam.input.bad_cn_code", "cn_code", cn_text, "is not a CN code (4 to 8 digits)",
                   "不是CN编码（4 至 8 位数字）", "write the CN code of the good, e.g. 7208 51", "请填写产品的CN编码，例如 7208 51")
    elif cn is not None:
        good = _rules().good(cn)
        if good is None or not good.in_scope:
            reader.add("cbam.input.not_cbam_good", "cn_code", cn_text, f"{cn_display(cn)} is not a good covered by CBAM",
                       f"{cn_display(cn)} 不属于CBAM覆盖的货物", "check the CN code against Annex I of Regulation (EU) 2023/956",
                       "请对照（EU）2023/956 附件一核对CN编码")
    facility = None
    if facility_code:
        facility = session.execute(select(Facility).where(Facility.enterprise_id == enterprise_id,
                                                          Facility.code == facility_code)).scalar_one_or_none()
        if facility is None:
            reader.add("cbam.input.unknown_facility", "facility", facility_code,
                       "is not a facility of the enterprise", "不是本企业的设施",
                       "choose the production process that makes the good", "请选择生产该产品的工序（设施）")
    if cn is not None and facility is not None and session.execute(select(CbamProduct.id).where(
            CbamProduct.enterprise_id == enterprise_id, CbamProduct.cn_code == cn,
            CbamProduct.facility_id == facility.id)).first():
        reader.add("cbam.input.duplicate_good", "cn_code", cn_text, "this good of this production process is listed already",
                   "该工序的这一产品已登记", "change the listed good instead", "请修改已登记的产品")
    _fail(reader.issues)
    assert cn is not None and name is not None and facility is not None
    row = CbamProduct(enterprise_id=enterprise_id, cn_code=cn, name=name, facility_id=facility.id,
                      created_by=principal.user_id)
    session.add(row)
    session.flush()
    record(session, "cbam.product.add", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="cbam_product", target_id=row.id,
           details={"cn_code": cn, "facility": facility.code})
    return row


def add_customer(session: Session, principal: Principal, enterprise_id: int, data: Mapping[str, Any]) -> CbamCustomer:
    """An EU customer: ``name``, ``country`` (an EU member state, ISO code), ``eori`` (optional), ``contact``."""
    enterprise(session, principal, enterprise_id, manage=True)
    reader = Reader(data, domain="cbam", locator=_FORM)
    name = reader.text("name", max_length=MAX_NAME)
    country = reader.text("country", max_length=2)
    eori = reader.text("eori", max_length=17, required=False)
    contact = reader.text("contact", max_length=MAX_NAME, required=False)
    if country and country.upper() not in EU_COUNTRIES:
        reader.add("cbam.input.not_eu", "country", country, "is not an EU member state", "不是欧盟成员国",
                   "choose the member state where the importer is established", "请选择进口商所在的欧盟成员国")
    if eori and not _EORI.match(eori.upper()):
        reader.add("cbam.input.bad_eori", "eori", eori, "is not an EORI number (two letters of the country, then up to "
                   "15 letters or digits)", "不是有效的 EORI 号码（两位国家字母加最多 15 位字母或数字）",
                   "copy the EORI number from the customer's documents, e.g. DE1234567890123",
                   "请照客户文件填写 EORI 号码，例如 DE1234567890123")
    _fail(reader.issues)
    assert name is not None and country is not None
    row = CbamCustomer(enterprise_id=enterprise_id, name=name, country=country.upper(),
                       eori=eori.upper() if eori else None, contact=contact, created_by=principal.user_id)
    session.add(row)
    session.flush()
    record(session, "cbam.customer.add", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="cbam_customer", target_id=row.id, details={"country": row.country})
    return row


# ------------------------------------------------------------------------------------- calculations


def _period(value: object, issues: list[Issue]) -> str | None:
    text = str(value or "").strip()
    if not _PERIOD.match(text):
        issues.append(_issue("bad_period", "period", text[:20], "is not a period (YYYY or YYYY-MM)",
                             "不是有效期间（YYYY 或 YYYY-MM）", "write the year, e.g. 2025, or the month, e.g. 2025-03",
                             "请填写年份（如 2025）或月份（如 2025-03）"))
        return None
    return text


def _versions(session: Session, enterprise_id: int, period: str) -> list[DataVersion]:
    """The current data versions of the enterprise in the period (its months, for a year)."""
    query = select(DataVersion).where(DataVersion.enterprise_id == enterprise_id, DataVersion.current.is_(True))
    if len(period) == 4:
        query = query.where((DataVersion.period == period) | DataVersion.period.like(f"{period}-%"))
    else:
        query = query.where(DataVersion.period == period)
    return list(session.execute(query.order_by(DataVersion.period, DataVersion.id)).scalars())


def _version_list(session: Session, versions: Sequence[DataVersion]) -> list[dict[str, Any]]:
    codes = dict(session.execute(select(Facility.id, Facility.code).where(
        Facility.id.in_({v.facility_id for v in versions}))).all())
    return [{"id": v.id, "facility": codes.get(v.facility_id, ""), "period": v.period,
             "version": getattr(v, "version", None)} for v in versions]


def _no_data(period: str) -> Issue:
    return _issue("no_activity", "period", period, "the enterprise has no activity data stored for this period",
                  "本企业没有该期间的活动数据", "import and commit the period's activity data first",
                  "请先导入并提交该期间的活动数据")


def _write(folder: Path, upload: InputFile) -> Path:
    name = Path(upload.name or "file").name or "file"
    path = folder / name
    path.write_bytes(upload.content)
    return path


GOODS_FIELDS = ("facility_id", "period", "cn_code", "quantity", "unit", "product_name")
PRECURSOR_FIELDS = ("facility_id", "period", "precursor_cn_code", "quantity", "unit", "from_facility_id",
                    "see_direct", "see_indirect", "source", "country", "supplier")
#: rows entered at most (a page or a JSON body)
MAX_ENTERED_ROWS = 2000


def goods_csv(rows: Sequence[Mapping[str, Any]], name: str = "goods (entered).csv") -> InputFile:
    """The goods entered in the page or sent as JSON as the goods file of the command line (the same
    columns, read and checked by the same reader, :func:`greenmfg.cbam.inputs.read_goods`)."""
    return _csv(rows, GOODS_FIELDS, name)


def precursors_csv(rows: Sequence[Mapping[str, Any]], name: str = "precursors (entered).csv") -> InputFile:
    """The precursors entered as the precursors file of the command line (:func:`greenmfg.cbam.inputs.read_precursors`)."""
    return _csv(rows, PRECURSOR_FIELDS, name)


def _csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], name: str) -> InputFile:
    lines = [",".join(columns)] + [",".join(_csv_cell(r.get(c, "")) for c in columns) for r in rows]
    return InputFile(name, ("\n".join(lines) + "\n").encode("utf-8"))


def entered_rows(value: object, field: str) -> list[dict[str, Any]]:
    """Rows sent as JSON (a list of objects of text and numbers), refused with a located finding otherwise."""
    if value is None:
        return []
    fine = isinstance(value, list) and len(value) <= MAX_ENTERED_ROWS and all(
        isinstance(r, dict) and all(isinstance(v, str | int | float) and not isinstance(v, bool) or v is None
                                    for v in r.values()) for r in value)
    if not fine:
        _fail([_issue("bad_rows", field, "", f"must be a list of at most {MAX_ENTERED_ROWS} rows, each an object of "
                      "text and numbers with the command line's columns",
                      f"须为不超过 {MAX_ENTERED_ROWS} 行的列表，每行为含命令行各列（文本或数字）的对象",
                      "send the rows as in the goods/precursors file", "请按产品/前体文件的列发送各行")])
    assert isinstance(value, list)
    return [{str(k): ("" if v is None else v) for k, v in r.items()} for r in value]


def _csv_cell(value: object) -> str:
    text = str(value if value is not None else "")
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text


def installed_fingerprint() -> str:
    """The reference fingerprint a calculation made now would have (default options)."""
    from greenmfg.accounting.parameters import AccountingOptions
    from greenmfg.accounting.store import options_fingerprint
    from greenmfg.cbam.models import CbamOptions
    from greenmfg.refdata.catalog import load_catalog

    catalog = load_catalog()
    rules = _rules()
    return _fingerprint(options_fingerprint(AccountingOptions()),
                        [{"id": d, "sha256": catalog.dataset(d).info.sha256} for d in rules.dataset_ids()],
                        CbamOptions().as_dict())


def _fingerprint(accounting: str, datasets: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> str:
    material = {"accounting": accounting, "datasets": sorted((d["id"], d["sha256"]) for d in datasets),
                "options": dict(options)}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _supplier_records(session: Session, enterprise_id: int) -> tuple[list[Any], dict[int, set[str]]]:
    from greenmfg.cbam.communication import SupplierRecord

    records: list[Any] = []
    names: dict[int, set[str]] = {}
    for row in session.execute(select(CbamCommunication).where(
            CbamCommunication.enterprise_id == enterprise_id, CbamCommunication.direction == "received")
            .order_by(CbamCommunication.id)).scalars():
        for r in row.records or []:
            records.append(SupplierRecord(**r))
            names.setdefault(row.id, set()).update({r["installation"], r["file"], Path(r["file"]).stem})
        if row.supplier:
            names.setdefault(row.id, set()).add(row.supplier)
    return records, names


def calculate(session: Session, principal: Principal, enterprise_id: int, period: object, goods: InputFile | None,
              precursors: InputFile | None = None) -> CbamCalculation:
    """Run CBAM on the enterprise's stored activity of ``period`` with these goods and precursors files
    (the command line's columns); store the result, its workbook and its communication template.

    Raises
    ------
    ValidationFailed
        No goods, a bad period, no activity stored for the period, or any located problem of the
        files or of the run (nothing stored).
    """
    from greenmfg.accounting.output import result_document
    from greenmfg.accounting.service import account_table
    from greenmfg.accounting.store import reference_fingerprint, stored_records
    from greenmfg.cbam.communication import write_communication
    from greenmfg.cbam.inputs import read_goods, read_precursors
    from greenmfg.cbam.models import CbamOptions
    from greenmfg.cbam.output import write_xlsx
    from greenmfg.cbam.service import cbam_from_rows

    org = enterprise(session, principal, enterprise_id, manage=True)
    issues: list[Issue] = []
    chosen = _period(period, issues)
    if goods is None or not goods.content:
        issues.append(_issue("no_goods", "goods", "", "no goods were given", "未填写产品",
                             "enter the quantities of the goods made, or upload the goods file",
                             "请填写各产品的产量，或上传产品文件"))
    versions = _versions(session, enterprise_id, chosen) if chosen else []
    if chosen and not versions:
        issues.append(_no_data(chosen))
    _fail(issues)
    assert chosen is not None and goods is not None
    rules = _rules()
    with tempfile.TemporaryDirectory(prefix="greenmfg-cbam-") as tmp:
        folder = Path(tmp)
        (folder / "goods").mkdir()
        goods_path = _write(folder / "goods", goods)
        goods_rows, goods_sha = read_goods(goods_path, rules)
        precursor_rows: list[Any] = []
        precursors_sha = ""
        if precursors is not None and precursors.content:
            (folder / "precursors").mkdir()
            precursor_rows, precursors_sha = read_precursors(_write(folder / "precursors", precursors), rules)
        outside = [g for g in goods_rows if not (g.period == chosen or g.period.startswith(chosen + "-"))]
        if outside:
            g = outside[0]
            raise ValidationFailed([Locator(file=g.file, row=g.row, code_prefix="cbam.input.").finding(
                "period_outside", "period", g.period, f"the good's period {g.period} is not in the calculation's "
                f"period {chosen}", f"产品的期间 {g.period} 不在本次计算期间 {chosen} 之内",
                f"give the goods of {chosen} only", f"请只填写 {chosen} 的产品")], len(outside))
        records, supplier_names = _supplier_records(session, enterprise_id)
        run = account_table(stored_records(session, [v.id for v in versions]), name="stored rows")
        document = result_document(run)
        inputs = [{"file": goods.name, "sha256": goods_sha}]
        if precursors_sha and precursors is not None:
            inputs.append({"file": precursors.name, "sha256": precursors_sha})
        options = CbamOptions()
        result = cbam_from_rows(document, goods_rows, precursor_rows, options=options, rules=rules, inputs=inputs,
                                supplier_records=records)
        result_path = folder / "result.xlsx"
        write_xlsx(result, result_path)
        template_path = folder / "communication.xlsx"
        write_communication(result, template_path)
        result_bytes, template_bytes = result_path.read_bytes(), template_path.read_bytes()
    doc = result.to_document()
    fingerprint = _fingerprint(reference_fingerprint(document["provenance"]), doc["provenance"]["datasets"],
                               options.as_dict())
    row = CbamCalculation(
        enterprise_id=enterprise_id, period=chosen, document=json.loads(json.dumps(doc, default=str)),
        inputs={"files": inputs, "goods": [_row_dict(g) for g in goods_rows],
                "precursors": [_row_dict(p) for p in precursor_rows]},
        data_versions=_version_list(session, versions), embedded_tco2e=result.embedded_t,
        certificates=result.certificates_t, cost_eur=result.cost_eur, reference_fingerprint=fingerprint,
        created_by=principal.user_id)
    session.add(row)
    session.flush()
    stem = f"CBAM_{org.code or org.id}_{chosen}_{row.id}"
    for kind, name, content in (("result", f"{stem}_result.xlsx", result_bytes),
                                ("template", f"{stem}_communication.xlsx", template_bytes)):
        attachments.add(session, principal, subject_type=SUBJECTS["calculation"], subject_id=row.id,
                        organisation_id=enterprise_id, kind=kind, kinds=("result", "template"), filename=name,
                        content=content, accept=(XLSX,))
    used = {str(p.get("supplier") or "") for proc in doc["processes"] for p in proc["precursors"]
            if p.get("kind") == "supplier"}
    for communication_id, names in supplier_names.items():
        if used & names:
            received = session.get(CbamCommunication, communication_id)
            if received is not None and received.status == "received":
                received.status = "used"
    record(session, "cbam.calculate", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="cbam_calculation", target_id=row.id,
           details={"period": chosen, "inputs": inputs, "data_versions": [v.id for v in versions],
                    "embedded_tco2e": result.embedded_t, "reference_fingerprint": fingerprint})
    return row


def _row_dict(row: Any) -> dict[str, Any]:
    return {k: v for k, v in asdict(row).items()} if hasattr(row, "__dataclass_fields__") else dict(row)


# ----------------------------------------------------------------------------------- communications


def create_communication(session: Session, principal: Principal, enterprise_id: int,
                         data: Mapping[str, Any]) -> CbamCommunication:
    """A communication to an EU customer (draft): the calculation's template copied for the customer.

    ``data``: ``calculation_id``, ``customer_id``."""
    enterprise(session, principal, enterprise_id, manage=True)
    reader = Reader(data, domain="cbam", locator=_FORM)
    calculation_id = reader.integer("calculation_id")
    customer_id = reader.integer("customer_id")
    calc = session.get(CbamCalculation, calculation_id) if calculation_id else None
    if calculation_id and (calc is None or calc.enterprise_id != enterprise_id):
        reader.add("cbam.input.unknown_calculation", "calculation_id", calculation_id,
                   "is not a calculation of the enterprise", "不是本企业的计算", "choose one of the calculations listed",
                   "请从列出的计算中选择")
    customer = session.get(CbamCustomer, customer_id) if customer_id else None
    if customer_id and (customer is None or customer.enterprise_id != enterprise_id):
        reader.add("cbam.input.unknown_customer", "customer_id", customer_id, "is not a customer of the enterprise",
                   "不是本企业的客户", "add the customer first, then choose it", "请先登记客户后再选择")
    _fail(reader.issues)
    assert calc is not None and customer is not None
    template = next(a for a in files_of(session, "calculation", calc.id) if a.kind == "template")
    content = attachments.get(session, subject_type=SUBJECTS["calculation"], subject_id=calc.id,
                              attachment_id=template.id).content
    row = CbamCommunication(enterprise_id=enterprise_id, direction="sent", period=calc.period, status="draft",
                            calculation_id=calc.id, customer_id=customer.id, records=[],
                            sha256=hashlib.sha256(content).hexdigest(), verification="not_verified",
                            created_by=principal.user_id)
    session.add(row)
    session.flush()
    safe = re.sub(r"[^\w.-]+", "_", customer.name)[:60]
    stored = attachments.add(session, principal, subject_type=SUBJECTS["communication"], subject_id=row.id,
                             organisation_id=enterprise_id, kind="template", kinds=("template",),
                             filename=f"CBAM_communication_{calc.period}_{safe}.xlsx", content=content, accept=(XLSX,))
    row.attachment_id = stored.id
    record(session, "cbam.communication.create", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="cbam_communication", target_id=row.id,
           details={"calculation_id": calc.id, "customer_id": customer.id, "sha256": row.sha256})
    return row


def _own_communication(session: Session, principal: Principal, enterprise_id: int, communication_id: int,
                       direction: str = "sent") -> CbamCommunication:
    enterprise(session, principal, enterprise_id, manage=True)
    row = session.get(CbamCommunication, communication_id)
    if row is None or row.enterprise_id != enterprise_id:
        raise NotFound("CBAM record", communication_id)
    if row.direction != direction:
        raise CbamConflict("this step is for communications sent to customers", "此操作仅适用于发给客户的通报")
    return row


def mark_sent(session: Session, principal: Principal, enterprise_id: int, communication_id: int) -> CbamCommunication:
    """A draft communication was sent to its customer."""
    row = _own_communication(session, principal, enterprise_id, communication_id)
    if row.status != "draft":
        raise CbamConflict("the communication was sent already", "该通报已发送")
    row.status, row.sent_at = "sent", utcnow()
    record(session, "cbam.communication.sent", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="cbam_communication", target_id=row.id,
           details={"sha256": row.sha256})
    return row


def verifier_of(session: Session, principal: Principal, communication_id: int) -> Organisation | None:
    """The evaluator (verifier) the caller manages with which the communication is shared, if any: it may
    record the verification itself."""
    evaluators = [m.organisation_id for m in principal.memberships
                  if m.kind == OrgKind.evaluator and m.role == Role.manager]
    if "write" not in principal.scopes or not evaluators:
        return None
    return session.execute(select(Organisation).join(CbamShare, CbamShare.grantee_id == Organisation.id).where(
        CbamShare.subject_type == "communication", CbamShare.subject_id == communication_id,
        CbamShare.revoked_at.is_(None), Organisation.id.in_(evaluators)).order_by(Organisation.id)).scalars().first()


def record_verification(session: Session, principal: Principal, enterprise_id: int, communication_id: int, *,
                        verifier: object, filename: str, content: bytes) -> CbamCommunication:
    """The communication's emissions were verified by ``verifier``, whose report (PDF) is attached: recorded by
    the enterprise's managers, or by the verifier itself (a manager of an evaluator it is shared with).

    Raises
    ------
    NotFound
        The caller may not see the communication.
    Forbidden
        It may see it but neither manages the enterprise nor verifies for an evaluator it is shared with.
    """
    row = communication(session, principal, enterprise_id, communication_id)
    organisation = None
    if not principal.can_manage(enterprise_id):
        organisation = verifier_of(session, principal, communication_id)
        if organisation is None:
            raise Forbidden("only the enterprise's managers, or the verifier it shares the communication with, "
                            "record its verification", "仅企业管理员或企业共享该通报的核查机构可登记核查")
    if row.direction != "sent":
        raise CbamConflict("this step is for communications sent to customers", "此操作仅适用于发给客户的通报")
    reader = Reader({"verifier": verifier}, domain="cbam", locator=_FORM)
    name = reader.text("verifier", max_length=MAX_NAME)
    if not content:
        reader.add("cbam.input.no_report", "report", filename, "the verifier's report is missing",
                   "缺少核查报告", "attach the verifier's report (PDF)", "请附上核查机构的核查报告（PDF）")
    _fail(reader.issues)
    if row.verification == "verified":
        raise CbamConflict("the communication is verified already", "该通报已登记核查")
    report = attachments.add(session, principal, subject_type=SUBJECTS["communication"], subject_id=row.id,
                             organisation_id=enterprise_id, kind="verifier_report", kinds=("verifier_report",),
                             filename=filename, content=content, field="report", accept=("application/pdf",))
    row.verification, row.verified_by, row.verified_at, row.verifier_report_id = "verified", name, utcnow(), report.id
    record(session, "cbam.communication.verified", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="cbam_communication", target_id=row.id,
           details={"verified_by": name, "report_sha256": report.sha256,
                    **({"verifier_organisation": organisation.name} if organisation is not None else {})})
    return row


def receive_communication(session: Session, principal: Principal, enterprise_id: int, *, supplier: object,
                          period: object, upload: InputFile | None) -> CbamCommunication:
    """A supplier's filled communication template: stored, read into precursor records (SEE per CN code)."""
    from greenmfg.cbam.communication import read_communication

    enterprise(session, principal, enterprise_id, manage=True)
    issues: list[Issue] = []
    reader = Reader({"supplier": supplier}, issues=issues, domain="cbam", locator=_FORM)
    name = reader.text("supplier", max_length=MAX_NAME)
    chosen = _period(period, issues)
    if upload is None or not upload.content:
        issues.append(_issue("no_file", "file", "", "no file was chosen", "未选择文件",
                             "choose the supplier's filled template (.xlsx)", "请选择供应商填写的通报模板（.xlsx）"))
    _fail(issues)
    assert upload is not None and name is not None and chosen is not None
    with tempfile.TemporaryDirectory(prefix="greenmfg-cbam-") as tmp:
        records = read_communication(_write(Path(tmp), upload), _rules())
    if not records:
        _fail([_issue("empty_template", "file", upload.name, "the template gives no embedded emissions of any good",
                      "模板中没有任何货物的隐含排放数据", "ask the supplier for the filled template",
                      "请向供应商索取已填写的模板", file=upload.name)])
    row = CbamCommunication(enterprise_id=enterprise_id, direction="received", period=chosen, status="received",
                            supplier=name, records=[asdict(r) for r in records],
                            sha256=hashlib.sha256(upload.content).hexdigest(), verification="not_verified",
                            created_by=principal.user_id)
    session.add(row)
    session.flush()
    stored = attachments.add(session, principal, subject_type=SUBJECTS["communication"], subject_id=row.id,
                             organisation_id=enterprise_id, kind="template", kinds=("template",),
                             filename=upload.name, content=upload.content, accept=(XLSX,))
    row.attachment_id = stored.id
    record(session, "cbam.communication.received", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="cbam_communication", target_id=row.id,
           details={"supplier": name, "records": len(records), "sha256": row.sha256})
    return row


# ------------------------------------------------------------------------------------------ footprints


def compute_footprint(session: Session, principal: Principal, enterprise_id: int, *, period: object,
                      products: InputFile | None, upstream: InputFile | None = None,
                      allocation: str = "rule", locale: str = "zh-CN") -> CbamFootprint:
    """Product footprints on the stored activity of ``period`` (a year sums its months) and the
    products (and upstream) files; the workbook and the PDF report stored as attachments."""
    from greenmfg.accounting.store import stored_records
    from greenmfg.footprint import ALLOCATION_CHOICES, FootprintOptions
    from greenmfg.footprint import footprint as run_footprint
    from greenmfg.footprint.output import result_document, workbook_bytes
    from greenmfg.footprint.report import render_pdf

    org = enterprise(session, principal, enterprise_id, manage=True)
    issues: list[Issue] = []
    chosen = _period(period, issues)
    if allocation not in ALLOCATION_CHOICES:
        issues.append(_issue("bad_allocation", "allocation", allocation[:20], "is not an allocation method",
                             "不是有效的分配方法", "choose the product rule, mass or economic allocation",
                             "请选择产品规则、按质量或按经济价值分配"))
    if products is None or not products.content:
        issues.append(_issue("no_file", "products", "", "no products file was chosen", "未选择产品文件",
                             "choose the products file (.csv or .xlsx)", "请选择产品文件（.csv 或 .xlsx）"))
    versions = _versions(session, enterprise_id, chosen) if chosen else []
    if chosen and not versions:
        issues.append(_no_data(chosen))
    _fail(issues)
    assert chosen is not None and products is not None
    options = FootprintOptions(allocation=allocation, year=int(chosen) if len(chosen) == 4 else None)
    run = run_footprint(stored_records(session, [v.id for v in versions]), products,
                        upstream if upstream is not None and upstream.content else None, options)
    document = json.loads(json.dumps(result_document(run), default=str))
    files = [{"file": products.name, "sha256": hashlib.sha256(products.content).hexdigest()}]
    if upstream is not None and upstream.content:
        files.append({"file": upstream.name, "sha256": hashlib.sha256(upstream.content).hexdigest()})
    row = CbamFootprint(enterprise_id=enterprise_id, period=chosen, options=options.as_dict(),
                        inputs={"files": files, "data_versions": _version_list(session, versions)},
                        document=document, products=len(run.products), created_by=principal.user_id)
    session.add(row)
    session.flush()
    stem = f"footprint_{org.code or org.id}_{chosen}_{row.id}"
    for kind, name, content, media in (
            ("workbook", f"{stem}.xlsx", workbook_bytes(run, locale=locale), XLSX),
            ("report", f"{stem}.pdf", render_pdf(run, locale=locale), "application/pdf")):
        attachments.add(session, principal, subject_type=SUBJECTS["footprint"], subject_id=row.id,
                        organisation_id=enterprise_id, kind=kind, kinds=("workbook", "report"), filename=name,
                        content=content, accept=(media,))
    record(session, "cbam.footprint", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type="cbam_footprint", target_id=row.id,
           details={"period": chosen, "inputs": files, "products": row.products})
    return row


# ------------------------------------------------------------------------------------------- sharing


def grantees(session: Session, org: Organisation) -> list[Organisation]:
    """Who the enterprise may share with: regulators whose jurisdiction covers it, and evaluators."""
    from greenmfg.orgs.access import Scope
    from greenmfg.orgs.models import Jurisdiction

    regulators = []
    for regulator in session.execute(select(Organisation).where(
            Organisation.kind == OrgKind.regulator, Organisation.active.is_(True)).order_by(Organisation.name)).scalars():
        scopes = session.execute(select(Jurisdiction).where(Jurisdiction.regulator_id == regulator.id)).scalars()
        if any(Scope.of(j).covers(org) for j in scopes):
            regulators.append(regulator)
    evaluators = list(session.execute(select(Organisation).where(
        Organisation.kind == OrgKind.evaluator, Organisation.active.is_(True)).order_by(Organisation.name)).scalars())
    return regulators + evaluators


def share(session: Session, principal: Principal, enterprise_id: int, data: Mapping[str, Any]) -> CbamShare:
    """Share one calculation, communication or footprint with a regulator or evaluator.

    ``data``: ``subject_type`` (calculation, communication, footprint), ``subject_id``, ``grantee_id``,
    optional ``note``."""
    org = enterprise(session, principal, enterprise_id, manage=True)
    reader = Reader(data, domain="cbam", locator=_FORM)
    kind = reader.text("subject_type", max_length=16)
    subject_id = reader.integer("subject_id")
    grantee_id = reader.integer("grantee_id")
    note = reader.text("note", max_length=500, required=False)
    if kind and kind not in _MODELS:
        reader.add("cbam.input.bad_subject", "subject_type", kind, "is not something that can be shared",
                   "不是可共享的对象", "share a calculation, a communication or a footprint", "请共享计算、通报或碳足迹")
    elif kind and subject_id:
        subject = session.get(_MODELS[kind], subject_id)
        if subject is None or subject.enterprise_id != enterprise_id:
            reader.add("cbam.input.unknown_subject", "subject_id", subject_id, "is not a record of the enterprise",
                       "不是本企业的记录", "share one of the enterprise's own records", "请共享本企业自己的记录")
    if grantee_id and grantee_id not in {g.id for g in grantees(session, org)}:
        reader.add("cbam.input.unknown_grantee", "grantee_id", grantee_id,
                   "is not a regulator covering the enterprise or an evaluator", "不是管辖本企业的监管部门或评价机构",
                   "choose one of the organisations listed", "请从列出的机构中选择")
    _fail(reader.issues)
    assert kind is not None and subject_id is not None and grantee_id is not None
    existing = session.execute(select(CbamShare).where(
        CbamShare.subject_type == kind, CbamShare.subject_id == subject_id, CbamShare.grantee_id == grantee_id,
        CbamShare.revoked_at.is_(None))).scalar_one_or_none()
    if existing is not None:
        raise CbamConflict("it is shared with this organisation already", "已与该机构共享")
    row = CbamShare(enterprise_id=enterprise_id, subject_type=kind, subject_id=subject_id, grantee_id=grantee_id,
                    note=note, granted_by=principal.user_id)
    session.add(row)
    session.flush()
    record(session, "cbam.share", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type=f"cbam_{kind}", target_id=subject_id,
           details={"share_id": row.id, "grantee_id": grantee_id})
    return row


def revoke(session: Session, principal: Principal, enterprise_id: int, share_id: int) -> CbamShare:
    """End a share: the organisation no longer sees the record."""
    enterprise(session, principal, enterprise_id, manage=True)
    row = session.get(CbamShare, share_id)
    if row is None or row.enterprise_id != enterprise_id:
        raise NotFound("CBAM record", share_id)
    if row.revoked_at is not None:
        raise CbamConflict("the share was revoked already", "该共享已撤销")
    row.revoked_at, row.revoked_by = utcnow(), principal.user_id
    record(session, "cbam.share.revoke", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=enterprise_id, target_type=f"cbam_{row.subject_type}", target_id=row.subject_id,
           details={"share_id": row.id, "grantee_id": row.grantee_id})
    return row


def shares_of(session: Session, enterprise_id: int, kind: str | None = None,
              subject_id: int | None = None) -> list[tuple[CbamShare, str]]:
    """The enterprise's shares (of one record when given), newest first, with the grantee's name."""
    query = select(CbamShare, Organisation.name).join(Organisation, Organisation.id == CbamShare.grantee_id).where(
        CbamShare.enterprise_id == enterprise_id)
    if kind is not None:
        query = query.where(CbamShare.subject_type == kind, CbamShare.subject_id == subject_id)
    return [(s, str(n)) for s, n in session.execute(query.order_by(CbamShare.id.desc())).all()]


@dataclass(frozen=True)
class SharedItem:
    """One record shared with the caller's organisation."""

    share_id: int
    kind: str
    subject_id: int
    enterprise_id: int
    enterprise_name: str
    grantee: str
    period: str
    granted_at: dt.datetime
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"share_id": self.share_id, "subject_type": self.kind, "subject_id": self.subject_id,
                "enterprise_id": self.enterprise_id, "enterprise_name": self.enterprise_name,
                "shared_with": self.grantee, "period": self.period, "granted_at": self.granted_at,
                "summary": self.summary}


def shared_with(session: Session, principal: Principal) -> list[SharedItem]:
    """The records shared (not revoked) with the caller's regulators and evaluators; for admins every
    active share."""
    if principal.is_admin and "read" in principal.scopes:
        where: ColumnElement[bool] = CbamShare.revoked_at.is_(None)
    else:
        orgs = sharing_organisations(principal)
        if not orgs:
            return []
        where = and_(CbamShare.revoked_at.is_(None), CbamShare.grantee_id.in_(orgs))
    grantee = aliased(Organisation)
    out = []
    for s, name, grantee_name in session.execute(
            select(CbamShare, Organisation.name, grantee.name).join(Organisation, Organisation.id == CbamShare.enterprise_id)
            .join(grantee, grantee.id == CbamShare.grantee_id).where(where).order_by(CbamShare.id.desc())).all():
        subject = session.get(_MODELS[s.subject_type], s.subject_id)
        if subject is None:
            continue
        summary: dict[str, Any] = {}
        if isinstance(subject, CbamCalculation):
            summary = {"embedded_tco2e": subject.embedded_tco2e, "certificates": subject.certificates,
                       "cost_eur": subject.cost_eur}
        elif isinstance(subject, CbamCommunication):
            summary = {"direction": subject.direction, "status": subject.status, "verification": subject.verification}
        else:
            summary = {"products": subject.products}
        out.append(SharedItem(s.id, s.subject_type, s.subject_id, s.enterprise_id, str(name), str(grantee_name),
                              subject.period, s.granted_at, summary))
    return out


def enterprises_with_data(session: Session, principal: Principal) -> list[Organisation]:
    """For admins (who see every enterprise's CBAM data): the enterprises that have goods or calculations."""
    if not (principal.is_admin and "read" in principal.scopes):
        return []
    having = select(CbamProduct.enterprise_id).union(select(CbamCalculation.enterprise_id))
    return list(session.execute(select(Organisation).where(Organisation.id.in_(having))
                                .order_by(Organisation.name)).scalars())


# ------------------------------------------------------------------------------------------ overview


@dataclass
class Overview:
    """Everything of the enterprise's exports page."""

    enterprise: Organisation
    facilities: list[Facility]
    products: list[tuple[CbamProduct, str, str]]
    customers: list[CbamCustomer]
    calculations: list[CbamCalculation]
    sent: list[CbamCommunication]
    received: list[CbamCommunication]
    footprints: list[CbamFootprint]
    shares: list[tuple[CbamShare, str]]
    grantees: list[Organisation]
    fingerprint: str
    may_manage: bool

    @property
    def latest(self) -> CbamCalculation | None:
        return self.calculations[0] if self.calculations else None


def overview(session: Session, principal: Principal, enterprise_id: int) -> Overview:
    """The enterprise's goods, customers, calculations (newest first), communications, footprints, shares."""
    org = enterprise(session, principal, enterprise_id)

    def rows(model: Any, *where: Any) -> list[Any]:
        return list(session.execute(select(model).where(model.enterprise_id == enterprise_id, *where)
                                    .order_by(model.id.desc())).scalars())

    products = [(p, str(code), str(name or "")) for p, code, name in session.execute(
        select(CbamProduct, Facility.code, Facility.name).join(Facility, Facility.id == CbamProduct.facility_id)
        .where(CbamProduct.enterprise_id == enterprise_id).order_by(CbamProduct.cn_code, CbamProduct.id)).all()]
    facilities = list(session.execute(select(Facility).where(Facility.enterprise_id == enterprise_id)
                                      .order_by(Facility.code)).scalars())
    return Overview(
        enterprise=org, facilities=facilities, products=products,
        customers=list(reversed(rows(CbamCustomer))), calculations=rows(CbamCalculation),
        sent=rows(CbamCommunication, CbamCommunication.direction == "sent"),
        received=rows(CbamCommunication, CbamCommunication.direction == "received"),
        footprints=rows(CbamFootprint), shares=shares_of(session, enterprise_id), grantees=grantees(session, org),
        fingerprint=installed_fingerprint(), may_manage=principal.can_manage(enterprise_id))
