"""The annual emission report of a covered company (年度温室气体排放报告) and the verifier's pack (核查资料包).

Both are made on demand from stored data, never stored themselves:

* the covered emissions are the stored figures (:mod:`greenmfg.ets.figures`, table ``ets_figures``), per
  facility and month, by source; the months' filing status and filed versions are
  :mod:`greenmfg.ets.filings`' (table ``ets_filings``);
* the activity data, parameters and factors with their sources are the derivation lines of the ETS engine
  run on the same data versions (:func:`greenmfg.ets.figures.account_versions`: what the figures were
  computed from); the report checks that the lines add up to the stored figures and says where they do not.

The report follows the structure the guidelines prescribe (dataset ``ets_report_structure/cets-ag-2024``:
the steel guideline's Appendix C, tables C.1-C.8 and the declaration; for cement and aluminium the sector's
template was not found and the closest documented structure, steel's, is used, which the report says). The
pack traces every annual figure to the monthly filings (version, filed at, by whom, SHA-256 of the frozen
snapshot), the evidence files (SHA-256), the parameter sources (dataset, row, verification status) and the
derivation lines, and answers the verification guide's check items (dataset
``ets_verification_checklist/mee-2021-2026``) with what the stored data show.

Texts are English message ids translated by ``ets_report.po``; times are China time
(:func:`greenmfg.reports.stamp`); PDFs through :func:`greenmfg.reports.html_to_pdf`, workbooks with headers in
words and each column's key kept as a defined name (:func:`greenmfg.exports.header_row`).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg import __version__
from greenmfg.accounting.charts import sentence_case
from greenmfg.accounting.labels import FLOW_LABELS, PARAMETER_LABELS, VERIFICATION, label
from greenmfg.accounting.models import DataVersion
from greenmfg.attachments.models import Attachment
from greenmfg.auth.models import User
from greenmfg.errors import GreenmfgError
from greenmfg.ets import filings
from greenmfg.ets.figures import account_versions
from greenmfg.ets.filing_models import EtsFigure, EtsFiling
from greenmfg.ets.filings_labels import EVIDENCE_LABELS, STATUS_LABELS
from greenmfg.ets.models import EtsResult
from greenmfg.exports import append_row, header_row, name_cell
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata.catalog import Catalog, load_catalog
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.reports import html_to_pdf, report_environment, stamp

__all__ = ["CHECKLIST_DATASET", "FORMATS", "MAX_ZIP_EVIDENCE_BYTES", "PACK_FORMATS", "STRUCTURE_DATASET",
           "NoEtsFigures", "build_pack", "build_report", "pack_filename", "render_pack_pdf", "render_pack_xlsx",
           "render_pack_zip", "render_report_pdf", "render_report_xlsx", "report_filename"]

STRUCTURE_DATASET = "ets_report_structure/cets-ag-2024"
CHECKLIST_DATASET = "ets_verification_checklist/mee-2021-2026"
FORMATS = ("pdf", "xlsx")
PACK_FORMATS = ("xlsx", "pdf", "zip")
#: evidence files a zip pack carries at most [bytes]; past it the files are listed (with their SHA-256), not packed
MAX_ZIP_EVIDENCE_BYTES = 50 * 1024 * 1024
#: the guideline's product whose output the emissions per unit are given for (C.3: 单位粗钢碳排放量)
MAIN_PRODUCT = {"steel": "crude_steel", "cement": "clinker", "aluminium": "aluminium_liquid"}
#: the emissions' parameters (the standard-coal coefficient of a line's energy is not one)
_EMISSION_PARAMETERS = ("net_calorific_value", "carbon_content", "oxidation_rate", "emission_factor")
#: relative tolerance of "the derivation lines add up to the stored figure" (float sums in another order)
_TOLERANCE = 1e-6

SOURCE_LABELS: Mapping[str, str] = {
    "combustion": N_("Fossil fuels (combustion and feedstock)"), "process": N_("Industrial processes"),
    "pfc": N_("Anode-effect PFCs"), "purchased_electricity": N_("Purchased electricity (information)"),
    "purchased_heat": N_("Purchased heat (information)"), "exported": N_("Supplied outside (information)"),
}
SECTOR_LABELS: Mapping[str, str] = {"steel": N_("iron and steel"), "cement": N_("cement"),
                                    "aluminium": N_("aluminium smelting")}
PROCESS_LABELS: Mapping[str, str] = {
    "coking": N_("Coking"), "sintering": N_("Sintering"), "pelletising": N_("Pelletising"),
    "ironmaking": N_("Ironmaking"), "steelmaking": N_("Steelmaking"), "rolling": N_("Rolling and other"),
    "power": N_("Co-firing power units"), "other": N_("Other"), "mixed": N_("Several processes"),
}
#: the steel guideline's formula of each process-level figure (E工序 (2), E掺烧 (3), E其他 (4))
FORMULA_OF_PROCESS: Mapping[str, str] = {"power": "(3)", "other": "(4)"}
RESULT_LABELS: Mapping[str, str] = {"ok": N_("No issue found"), "attention": N_("Needs the verifier's attention"),
                                    "info": N_("For the verifier to check"),
                                    "not_held": N_("Not held by the platform")}
PLATFORM_LABELS: Mapping[str, str] = {"filled": N_("filled by the platform"), "partial": N_("partly filled"),
                                      "not_held": N_("not held: for the company to complete"),
                                      "closest": N_("closest documented structure")}


class NoEtsFigures(GreenmfgError):
    """No stored covered figures of the enterprise in the year asked for."""

    status = 404
    code = "ets.report.no_figures"


# ------------------------------------------------------------------------------------------- reading


def _years(session: Session, enterprise_id: int) -> list[int]:
    return sorted(int(y) for y in session.execute(select(EtsFigure.year).where(
        EtsFigure.enterprise_id == enterprise_id).distinct()).scalars())


def _structure(catalog: Catalog, sector: str) -> tuple[list[dict[str, str]], dict[str, str] | None]:
    """The report's sections (the steel template) and, for a sector whose template was not found, its row."""
    records = [dict(r) for r in catalog.dataset(STRUCTURE_DATASET).records]
    own = [r for r in records if r["sector"] == sector]
    sections = sorted((r for r in records if r["sector"] == "steel"), key=lambda r: int(r["order"]))
    closest = next((r for r in own if r["platform"] == "closest"), None)
    return sections, closest


class _Words:
    def __init__(self, translator: Translator) -> None:
        self.t = translator
        self.zh = translator.locale.startswith("zh")
        self.vocabulary = load_vocabulary()

    def __call__(self, message: str, **values: Any) -> str:
        return self.t.gettext(message, **values)

    def item(self, key: str) -> str:
        item = self.vocabulary.items.get(key)
        if item is None:
            return key
        return item.name_zh if self.zh else sentence_case(item.name_en)

    def pick(self, record: Mapping[str, str]) -> str:
        return record["name_zh"] if self.zh else record["name_en"]

    def status(self, status: str) -> str:
        entry = VERIFICATION.get(status)
        return self.t.gettext(entry[1]) if entry else (status or "—")

    def unit(self, unit: str) -> str:
        for code, shown in (("10^4 Nm3", "10⁴ Nm³"), ("10^4 m3", "10⁴ m³"), ("tCO2e", "tCO₂e"), ("tCO2", "tCO₂")):
            unit = unit.replace(code, shown)
        return unit


def _snapshot_sha256(snapshot: Mapping[str, Any]) -> str:
    """SHA-256 of a filing's frozen snapshot as canonical JSON (sorted keys, UTF-8)."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8")).hexdigest()


def _measured(parameter: Mapping[str, Any]) -> bool:
    return str(parameter.get("ref") or "").startswith("measured")


def _params(line: Mapping[str, Any], words: _Words) -> list[dict[str, Any]]:
    """The emission parameters of a line: name, value, unit, measured or default, reference, status, source."""
    out = []
    for p in line.get("parameters") or []:
        if p["name"] not in _EMISSION_PARAMETERS:
            continue
        measured = _measured(p)
        if not measured and not p.get("sources"):
            continue  # not a value of the guideline (steel's formula has no oxidation rate: the engine's 1)
        source = (p.get("sources") or [{}])[0]
        name = PARAMETER_LABELS.get(p["name"])
        out.append({"key": p["name"], "name": words(name) if name else p["name"], "value": p.get("value"),
                    "unit": words.unit(p.get("unit") or ""), "measured": measured,
                    "how": words("Measured") if measured else words("Default value"),
                    "ref": "" if measured else (p.get("ref") or ""),
                    "dataset": source.get("dataset", ""), "edition": source.get("edition", ""),
                    "status_key": "measured" if measured else source.get("verification_status", ""),
                    "status": words("Measured by the company") if measured
                    else words.status(source.get("verification_status", "")),
                    "source": "" if measured else source.get("source", "")})
    pfc = line.get("pfc") or {}
    for source in pfc.get("sources") or []:
        key = source["ref"].rsplit(".", 1)[-1]
        out.append({"key": key, "name": key.upper().replace("_", " "), "value": source.get("value"),
                    "unit": source.get("unit", ""), "measured": False, "how": words("Default value"),
                    "ref": source["ref"], "dataset": source.get("dataset", ""), "edition": source.get("edition", ""),
                    "status_key": source.get("verification_status", ""),
                    "status": words.status(source.get("verification_status", "")), "source": source.get("source", "")})
    return out


def _params_text(params: Sequence[Mapping[str, Any]], words: _Words) -> str:
    sep = "；" if words.zh else "; "
    return sep.join(f"{p['name']} {p['value']:g} {words.unit(p['unit'])} ({p['how']})" if isinstance(p["value"], float)
                    else f"{p['name']} {p['value']} {words.unit(p['unit'])} ({p['how']})" for p in params)


def _months(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def build_report(session: Session, enterprise: Organisation, *, year: int, translator: Translator,
                 catalog: Catalog | None = None) -> dict[str, Any]:
    """The annual emission report of ``enterprise`` for ``year`` (the caller checked access).

    Raises
    ------
    NoEtsFigures
        No stored covered figures of the enterprise in ``year`` (404, with the years that have them).
    """
    words = _Words(translator)
    catalog = catalog or load_catalog()
    rows = session.execute(
        select(EtsFigure, Facility.code, Facility.name).join(Facility, Facility.id == EtsFigure.facility_id)
        .where(EtsFigure.enterprise_id == enterprise.id, EtsFigure.year == year)
        .order_by(Facility.code, EtsFigure.period)).all()
    if not rows:
        years = _years(session, enterprise.id)
        have_en = ", ".join(str(y) for y in years) or "none"
        have_zh = "、".join(str(y) for y in years) or "无"
        raise NoEtsFigures(
            f"no covered emissions of {year} are stored for this enterprise; years with them: {have_en}",
            f"该企业没有 {year} 年的覆盖排放数据；有数据的年份：{have_zh}", field="year",
            details=[{"location": "query.year", "message": f"years with covered emissions: {have_en}",
                      "message_zh": f"有覆盖排放数据的年份：{have_zh}"}])
    periods = _months(year)
    figures = [r[0] for r in rows]
    codes = {int(r[0].facility_id): (str(r[1]), r[2]) for r in rows}
    sector = figures[0].sector
    sections, closest = _structure(catalog, sector)

    # the engine on the same data versions: the derivation lines of the stored figures
    versions = list(session.execute(select(DataVersion).where(
        DataVersion.id.in_(sorted({f.data_version_id for f in figures})))).scalars())
    result: EtsResult | None = account_versions(session, versions)
    lines = [line for line in (result.lines.values() if result else ())
             if line["period"][:4] == str(year) and line["facility_id"] in {c for c, _n in codes.values()}]

    # covered emissions per month (and a whole-year column for units reporting annually), by source
    def zero() -> dict[str, float]:
        return dict.fromkeys(("combustion", "process", "pfc", "covered", "electricity_mwh", "electricity",
                              "heat"), 0.0)

    by_period: dict[str, dict[str, float]] = {p: zero() for p in periods}
    annual = zero()
    facilities: dict[str, dict[str, Any]] = {}
    for f in figures:
        cell = by_period.get(f.period, annual)
        pfc = f.cf4_tco2e + f.c2f6_tco2e
        for key, value in (("combustion", f.combustion_tco2), ("process", f.process_tco2), ("pfc", pfc),
                           ("covered", f.covered_tco2e), ("electricity_mwh", f.purchased_electricity_mwh),
                           ("electricity", f.purchased_electricity_tco2), ("heat", f.purchased_heat_tco2)):
            cell[key] += value
        code, name = codes[int(f.facility_id)]
        entry = facilities.setdefault(code, {"code": code, "name": name or "", "months": dict.fromkeys(periods, None),
                                             "annual": None, "total": 0.0, "process": ""})
        if f.period in entry["months"]:
            entry["months"][f.period] = f.covered_tco2e
        else:
            entry["annual"] = f.covered_tco2e
        entry["total"] += f.covered_tco2e
    totals = zero()
    for cell in (*by_period.values(), annual):
        for key in totals:
            totals[key] += cell[key]
    for facility in (result.facilities if result else ()):
        if facility.facility_id in facilities:
            process = facility.process
            facilities[facility.facility_id]["process"] = words(PROCESS_LABELS[process]) if process in PROCESS_LABELS else ""

    # steel: the process level (formula (2) per main process, (3) per co-firing power unit, (4) the rest)
    processes: dict[tuple[str, str], dict[str, Any]] = {}
    company = next((c for c in (result.companies if result else ()) if c.enterprise_id == enterprise.code), None)
    for row in company.processes if company else ():
        if row.period[:4] != str(year):
            continue
        value = row.figures.combustion_tco2 + row.figures.process_tco2 + (row.figures.cofiring_tco2 or 0.0)
        name = words(PROCESS_LABELS.get(row.process, row.process))
        entry = processes.setdefault((row.process, row.facility_id), {
            "name": f"{name} {row.facility_id}".strip(), "formula": FORMULA_OF_PROCESS.get(row.process, "(2)"),
            "months": dict.fromkeys(periods, None), "total": None})
        if row.period in entry["months"]:
            entry["months"][row.period] = value
        else:
            entry["total"] = value

    # activity data by item: quantities per month, parameters with their source, emissions
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    products: dict[str, dict[str, Any]] = {}
    for line in lines:
        period = line["period"]
        if line["flow"] == "produced":
            product = products.setdefault(line["item"], {"key": line["item"], "name": words.item(line["item"]),
                                                         "unit": words.unit(line["unit"]),
                                                         "months": dict.fromkeys(periods, 0.0), "annual": 0.0,
                                                         "total": 0.0})
            if period in product["months"]:
                product["months"][period] += line["quantity"]
            else:
                product["annual"] += line["quantity"]
            product["total"] += line["quantity"]
        if line["source"] in ("none",) or (not line["co2e_t"] and line["source"] not in ("pfc", "purchased_electricity")):
            continue
        group_key = (line["source"], line["item"], line["flow"], line["unit"])
        group = groups.setdefault(group_key, {
            "source_key": line["source"], "source": words(SOURCE_LABELS.get(line["source"], line["source"])),
            "item": words.item(line["item"]), "flow": label(FLOW_LABELS, line["flow"], translator),
            "unit": words.unit(line["unit"]), "covered": bool(line["covered"]),
            "quantity": dict.fromkeys(periods, 0.0), "emissions": dict.fromkeys(periods, 0.0),
            "annual_quantity": 0.0, "annual_emissions": 0.0, "total_quantity": 0.0, "total_emissions": 0.0,
            "params": {}, "facilities": set(), "measured": False, "default": False})
        emissions = line["co2e_t"] or 0.0
        if line["source"] == "pfc" and "cf4_tco2e" in (line.get("pfc") or {}):
            emissions = line["pfc"]["cf4_tco2e"] + line["pfc"]["c2f6_tco2e"]
        if period in group["quantity"]:
            group["quantity"][period] += line["quantity"]
            group["emissions"][period] += emissions
        else:
            group["annual_quantity"] += line["quantity"]
            group["annual_emissions"] += emissions
        group["total_quantity"] += line["quantity"]
        group["total_emissions"] += emissions
        group["facilities"].add(line["facility_id"])
        for p in _params(line, words):
            found = group["params"].setdefault((p["key"], p["value"], p["measured"]), {**p, "periods": set()})
            found["periods"].add(period)
            group["measured" if p["measured"] else "default"] = True
    activity = sorted(groups.values(), key=lambda g: (["combustion", "process", "pfc", "purchased_electricity",
                                                       "purchased_heat", "exported"].index(g["source_key"])
                                                      if g["source_key"] in SOURCE_LABELS else 9, g["item"], g["flow"]))
    for g in activity:
        g["facilities"] = ", ".join(sorted(g["facilities"]))
        g["params"] = sorted(g["params"].values(), key=lambda p: (p["key"], str(p["value"])))
        for p in g["params"]:
            p["periods"] = ", ".join(sorted(p["periods"]))
        g["how"] = (words("Measured") if g["measured"] and not g["default"] else words("Default value")
                    if g["default"] and not g["measured"] else words("Measured and default") if g["params"] else "—")

    main = MAIN_PRODUCT.get(sector)
    product_rows = sorted(products.values(), key=lambda p: (p["key"] != main, p["name"]))
    for p in product_rows:
        p["main"] = p["key"] == main
        p["intensity"] = totals["covered"] / p["total"] if p["main"] and p["total"] else None

    # the lines against the stored figures (same data versions: they agree unless the reference data changed)
    engine: dict[tuple[str, str], float] = defaultdict(float)
    for line in lines:
        if line["covered"]:
            engine[(line["facility_id"], line["period"])] += (
                line["pfc"]["cf4_tco2e"] + line["pfc"]["c2f6_tco2e"]
                if line["source"] == "pfc" and "cf4_tco2e" in (line.get("pfc") or {}) else line["co2e_t"] or 0.0)
    disagree = []
    for f in figures:
        code = codes[int(f.facility_id)][0]
        again = engine.get((code, f.period), 0.0)
        if abs(again - f.covered_tco2e) > _TOLERANCE * max(1.0, abs(f.covered_tco2e)):
            disagree.append({"facility": code, "period": f.period, "stored": f.covered_tco2e, "lines": again})

    # findings and unverified values
    findings = []
    seen: set[tuple[str, str]] = set()
    for finding in (result.findings if result else ()):
        if finding.period and finding.period[:4] != str(year):
            continue
        text = finding.message_zh if words.zh else finding.message
        if (finding.code, text) in seen:
            continue
        seen.add((finding.code, text))
        findings.append({"code": finding.code, "severity": finding.severity, "message": text,
                         "fix": finding.fix_zh if words.zh else finding.fix,
                         "where": " ".join(x for x in (finding.facility_id, finding.period) if x)})
    unverified: dict[str, dict[str, Any]] = {}
    for line in lines:
        if not line["covered"]:
            continue
        refs = set(line.get("unverified") or ())
        for p in _params(line, words):
            if p["ref"] in refs:
                entry = unverified.setdefault(p["ref"], {**p, "lines": 0, "emissions": 0.0})
                entry["lines"] += 1
                entry["emissions"] += line["co2e_t"] or 0.0

    # filing status of each month
    year_view = filings.company_year_of(session, enterprise, year)
    status_of = {m.period: m for m in year_view.months}
    month_rows = []
    for period in periods:
        m = status_of[period]
        text = words(STATUS_LABELS[m.status.value], date=m.due_date.isoformat())
        cell = by_period[period]
        month_rows.append({"period": period, **cell,
                           "status_key": m.status.value, "status": text, "due": m.due_date.isoformat(),
                           "filed_at": stamp(m.filed_at) if m.filed_at else "", "version": m.version,
                           "filed_tco2e": m.covered_tco2e, "has_data": any(
                               f.period == period for f in figures)})

    industry = words.vocabulary.industries.get(enterprise.industry or "")
    region = words.vocabulary.regions.get(enterprise.province or "")
    city_record = words.vocabulary.city(enterprise.city)
    city = (city_record["name_zh"] if words.zh else city_record["name_en"]) if city_record else enterprise.city or ""
    guideline = next((r for r in catalog.dataset(f"ets_methodology/{_methodology_edition(sector)}").records
                      if r["section"] == "guideline"), None)
    return {
        "lang": translator.locale, "zh": words.zh, "year": year, "sector": sector,
        "sector_name": words(SECTOR_LABELS.get(sector, sector)),
        "guideline": {"code": guideline["guideline"] if guideline else "", "name": words.pick(guideline) if guideline else "",
                      "source": guideline["source"] if guideline else ""},
        "sections": [{"key": s["key"].split(".", 1)[1], "name": words.pick(s),
                      "table": s["table"] if words.zh else (found.group() if (found := re.search(r"C\.\d", s["table"])) else ""),
                      "platform": words(PLATFORM_LABELS.get(s["platform"], s["platform"]))} for s in sections],
        "closest": None if closest is None else {"name": words.pick(closest), "status": words.status(
            closest["verification_status"]), "notes": closest["notes"]},
        "enterprise": {"id": enterprise.id, "name": enterprise.name if words.zh or not enterprise.name_en
                       else enterprise.name_en, "code": enterprise.code or "",
                       "industry": (industry["name_zh"] if words.zh else industry["name_en"]) if industry
                       else (enterprise.industry or "—"),
                       "region": " ".join(x for x in ((region["name_zh"] if words.zh else region["name_en"])
                                                      if region else "", city) if x) or "—"},
        "coverage": None if year_view.coverage is None else {
            "covered": year_view.coverage.covered, "from_year": year_view.coverage.from_year},
        "generated": stamp(), "version": __version__,
        "months": month_rows, "annual": annual if any(annual.values()) else None, "totals": totals,
        "facilities": list(facilities.values()), "processes": list(processes.values()), "activity": activity, "products": product_rows,
        "findings": findings, "unverified": sorted(unverified.values(), key=lambda u: -abs(u["emissions"])),
        "disagree": disagree, "lines": lines, "result": result,
        "filed_tco2e": year_view.filed_tco2e,
        "counts": {s.value: year_view.count(s) for s in filings.MonthStatus},
        "deadline_rule": {"ref": year_view.rule.ref, "source": year_view.rule.source,
                          "status": words.status(year_view.rule.verification_status)},
        "structure_source": sections[0]["source"] if sections else "",
    }


def _methodology_edition(sector: str) -> str:
    return {"steel": "cets-ag-03.01-v01-2024", "cement": "cets-ag-02.01-v01-2024",
            "aluminium": "cets-ag-04.01-v01-2024"}[sector]


# ------------------------------------------------------------------------------------------ the pack


def build_pack(session: Session, enterprise: Organisation, *, year: int, translator: Translator,
               catalog: Catalog | None = None) -> dict[str, Any]:
    """The verification pack of ``enterprise`` for ``year``: the report, each month traced to its filings
    and evidence, the parameter sources, the derivation lines and the verification guide's check items
    with what the stored data show (the caller checked access)."""
    words = _Words(translator)
    catalog = catalog or load_catalog()
    report = build_report(session, enterprise, year=year, translator=translator, catalog=catalog)
    periods = _months(year)
    versions = filings.filed_versions(session, enterprise.id, periods)
    user_ids = {f.filed_by for vs in versions.values() for f in vs if f.filed_by}
    users = {int(i): str(n) for i, n in session.execute(select(User.id, User.display_name).where(
        User.id.in_(user_ids)))} if user_ids else {}

    trace, evidence = [], []
    for month in report["months"]:
        filed: list[EtsFiling] = versions.get(month["period"], [])
        if not filed:
            trace.append({"period": month["period"], "status": month["status"], "version": 0, "current": True,
                          "filed_at": "", "filed_by": "", "on_time": None, "reason": "", "snapshot_sha256": "",
                          "filed_tco2e": None, "stored_tco2e": month["covered"] if month["has_data"] else None,
                          "matches": None, "data_versions": "", "evidence": 0})
        for f in filed:
            snapshot = f.snapshot or {}
            files = snapshot.get("evidence") or []
            on_time = filings.filed_on_time(f)
            trace.append({
                "period": f.period, "status": month["status"], "version": f.version, "current": f.current,
                "filed_at": stamp(f.filed_at), "filed_by": users.get(f.filed_by or -1, ""), "on_time": on_time,
                "reason": f.reason or "", "snapshot_sha256": _snapshot_sha256(snapshot),
                "filed_tco2e": f.covered_tco2e, "stored_tco2e": month["covered"] if month["has_data"] else None,
                "matches": (abs(f.covered_tco2e - month["covered"]) <= _TOLERANCE * max(1.0, abs(month["covered"])))
                if f.current else None,
                "data_versions": "; ".join(f"{v['facility']} v{v['version']} ({v['rows']}, {v['sha256'][:12]})"
                                           for v in snapshot.get("data_versions") or []),
                "evidence": len(files)})
            for e in files:
                evidence.append({"period": f.period, "version": f.version, "attachment_id": e["attachment_id"],
                                 "filename": e["filename"], "kind": words(EVIDENCE_LABELS.get(e["kind"], e["kind"])),
                                 "media_type": e.get("media_type", ""), "size_bytes": e.get("size_bytes"),
                                 "sha256": e["sha256"]})

    parameters: dict[str, dict[str, Any]] = {}
    derivation = []
    for line in report["lines"]:
        params = _params(line, words)
        for p in params:
            key = p["ref"] or f"measured:{line['item']}.{p['key']}={p['value']}"
            entry = parameters.setdefault(key, {**p, "item": words.item(line["item"]), "lines": 0, "periods": set()})
            entry["lines"] += 1
            entry["periods"].add(line["period"])
        pfc = line.get("pfc") or {}
        derivation.append({"id": line["id"], "facility": line["facility_id"], "period": line["period"],
                           "item": words.item(line["item"]), "flow": label(FLOW_LABELS, line["flow"], translator),
                           "quantity": line["quantity"], "unit": words.unit(line["unit"]),
                           "source": words(SOURCE_LABELS[line["source"]]) if line["source"] in SOURCE_LABELS else "—",
                           "covered": line["covered"], "co2e_t": line["co2e_t"],
                           "formula": pfc.get("formula") or line["formula"]["emissions"],
                           "parameters": _params_text(params, words)})
    parameter_rows = sorted(parameters.values(), key=lambda p: (p["measured"], p["dataset"], p["ref"]))
    for p in parameter_rows:
        p["periods"] = ", ".join(sorted(p["periods"]))

    checklist = _checklist(report, trace, evidence, words, catalog)
    return {**report, "trace": trace, "evidence": evidence, "parameters": parameter_rows, "derivation": derivation,
            "checklist": checklist, "checklist_source": catalog.dataset(CHECKLIST_DATASET).info.title_zh
            if words.zh else catalog.dataset(CHECKLIST_DATASET).info.title}


def _checklist(report: Mapping[str, Any], trace: Sequence[Mapping[str, Any]], evidence: Sequence[Mapping[str, Any]],
               words: _Words, catalog: Catalog) -> list[dict[str, Any]]:
    """Each check item of the verification guide with what the stored data show for it."""
    sep = "；" if words.zh else "; "
    months = report["months"]
    ended = [m for m in months if m["status_key"] != "not_due"]
    codes = defaultdict(list)
    for f in report["findings"]:
        codes[f["code"]].append(f)

    def found(*prefixes: str) -> list[str]:
        return [f"{f['where']}: {f['message']}" if f["where"] else f["message"]
                for code, fs in codes.items() if code.startswith(prefixes) for f in fs]

    out = []
    for item in sorted(catalog.dataset(CHECKLIST_DATASET).records, key=lambda r: int(r["order"])):
        check, result, details = item["check"], "ok", []
        if check == "basic_info":
            result = "info"
            details.append(words("Name %(name)s, code %(code)s, industry %(industry)s, located in %(region)s; the "
                                 "credit code, legal representative and permits are not held by the platform",
                                 name=report["enterprise"]["name"], code=report["enterprise"]["code"] or "—",
                                 industry=report["enterprise"]["industry"], region=report["enterprise"]["region"]))
        elif check == "boundary":
            result = "info"
            details.append(words("%(n)s units reported: %(units)s", n=len(report["facilities"]), units=", ".join(
                f"{f['code']}{' (' + f['process'] + ')' if f['process'] else ''}" for f in report["facilities"])))
        elif check == "method":
            departures = found("ets.monitoring.measured_not_allowed", "ets.cement.clinker_oxides_used",
                               "ets.methodology.table_not_encoded", "ets.input.annual_period")
            result = "attention" if departures else "ok"
            details.append(words("Accounted by %(guideline)s (the platform's ETS engine)",
                                 guideline=report["guideline"]["code"]))
            details += departures
        elif check == "activity_data":
            missing = [m["period"] for m in ended if not m["has_data"]]
            without = [m["period"] for m in ended if m["version"] and not any(
                e["period"] == m["period"] and t["version"] == e["version"] and t["current"]
                for t in trace if t["period"] == m["period"] for e in evidence)]
            result = "attention" if missing or without else "ok"
            if missing:
                details.append(words("Months ended without data: %(months)s", months=", ".join(missing)))
            if without:
                details.append(words("Filed months without evidence: %(months)s", months=", ".join(without)))
            if not details:
                details.append(words("Every month ended has data; every filed month has evidence"))
        elif check == "emission_factors":
            defaults = found("ets.monitoring.default_used")
            result = "attention" if defaults else "ok"
            details += defaults or [words("No default used where the guideline requires a measurement")]
        elif check == "emissions":
            bad = report["disagree"]
            result = "attention" if bad else "ok"
            details += [words("%(facility)s %(period)s: stored %(stored)s tCO2e, derivation lines %(lines)s tCO2e",
                              facility=d["facility"], period=d["period"], stored=f"{d['stored']:.2f}",
                              lines=f"{d['lines']:.2f}") for d in bad] or [
                words("The derivation lines reproduce every stored monthly figure; the year is the sum of its months")]
            stale = [t["period"] for t in trace if t["current"] and t["matches"] is False]
            if stale:
                result = "attention"
                details.append(words("Filed figure differs from the stored figure now: %(months)s", months=", ".join(stale)))
        elif check == "production_data":
            main = next((p for p in report["products"] if p["main"]), None)
            missing = [m["period"] for m in ended if m["has_data"] and (main is None or not main["months"].get(m["period"]))]
            result = "attention" if main is None or missing else "ok"
            if main is None:
                details.append(words("No output of %(product)s reported", product=words.item(MAIN_PRODUCT.get(report["sector"], ""))))
            elif missing:
                details.append(words("Months with emissions but no output of %(product)s: %(months)s",
                                     product=main["name"], months=", ".join(missing)))
            else:
                details.append(words("Output of %(product)s reported in every month with data", product=main["name"]))
        elif check == "monthly_evidence":
            late = [m["period"] for m in months if m["status_key"] == "filed_late"]
            overdue = [m["period"] for m in months if m["status_key"] == "overdue"]
            due = [m["period"] for m in months if m["status_key"] == "due"]
            on_time = [m["period"] for m in months if m["status_key"] == "filed_on_time"]
            result = "attention" if late or overdue else "ok"
            details.append(words("Filed on time: %(n)s", n=len(on_time)))
            if late:
                details.append(words("Filed late: %(months)s", months=", ".join(late)))
            if overdue:
                details.append(words("Overdue, not filed: %(months)s", months=", ".join(overdue)))
            if due:
                details.append(words("Due, not filed yet: %(months)s", months=", ".join(due)))
        elif check == "amendments":
            amended = [t for t in trace if t["version"] > 1]
            result = "info" if amended else "ok"
            details += [words("%(month)s version %(version)s: %(reason)s", month=t["period"], version=t["version"],
                              reason=t["reason"]) for t in amended] or [words("No month was amended")]
        elif check == "unverified_values":
            result = "attention" if report["unverified"] else "ok"
            details += [f"{u['ref']} = {u['value']} {u['unit']} ({u['status']})" for u in report["unverified"]] or [
                words("Every value used is verified against its source")]
        else:
            result = "not_held"
            details.append(words("Not held by the platform: the verifier checks the data quality control plan "
                                 "and its execution on site"))
        out.append({"key": item["key"], "clause": item["clause"], "name": words.pick(item), "result_key": result,
                    "result": words(RESULT_LABELS[result]), "details": sep.join(details),
                    "source": item["source"], "status": words.status(item["verification_status"])})
    return out


# ------------------------------------------------------------------------------------------ rendering


@functools.cache
def _environment() -> Environment:
    return report_environment("greenmfg.ets")


def _render(template: str, document: Mapping[str, Any], translator: Translator) -> str:
    return _environment().get_template(template).render(
        r=document, _=translator.gettext, lang=translator.locale,
        num=lambda value, digits=2: "—" if value is None else translator.format_decimal(value, digits))


def render_report_html(report: Mapping[str, Any], translator: Translator) -> str:
    return _render("ets/report.html", report, translator)


def render_report_pdf(report: Mapping[str, Any], translator: Translator) -> bytes:
    return html_to_pdf(render_report_html(report, translator))


def render_pack_pdf(pack: Mapping[str, Any], translator: Translator) -> bytes:
    return html_to_pdf(_render("ets/pack.html", pack, translator))


_NUMBER = "#,##0.00"
_PRECISE = "0.00000"


class _Book:
    """A workbook whose sheets have headers in words and each column's key as a defined name."""

    def __init__(self, translator: Translator) -> None:
        from openpyxl import Workbook

        self.t = translator
        self.book = Workbook()
        self.first = True

    def sheet(self, title: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]], *,
              formats: Mapping[int, str] | None = None) -> None:
        from openpyxl.styles import Font

        ws = self.book.active if self.first else self.book.create_sheet()
        self.first = False
        assert ws is not None
        ws.title = title[:31]
        header_row(ws, [(key, self.t.gettext(words)) for key, words in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(ws, row)
        for index, number_format in (formats or {}).items():
            for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                if isinstance(cell.value, float):
                    cell.number_format = number_format
        for column in ws.columns:
            width = max((len(str(c.value)) if c.value is not None else 0) for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
        ws.freeze_panes = "A2"

    def labelled(self, title: str, pairs: Sequence[tuple[str, str, Any]]) -> None:
        """A sheet of labelled values (words, value), each value's key kept as a defined name."""
        from openpyxl.styles import Font

        ws = self.book.active if self.first else self.book.create_sheet()
        self.first = False
        assert ws is not None
        ws.title = title[:31]
        for index, (key, words, value) in enumerate(pairs, start=1):
            append_row(ws, [self.t.gettext(words), value])
            ws.cell(index, 1).font = Font(bold=True)
            name_cell(ws, key, index, 2)
        ws.column_dimensions["A"].width = 36
        ws.column_dimensions["B"].width = 60

    def bytes(self, title: str) -> bytes:
        self.book.properties.title = title
        self.book.properties.creator = f"greenmfg {__version__}"
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def _month_columns(year: int) -> list[tuple[str, str]]:
    return [(f"m{m:02d}", f"{year}-{m:02d}") for m in range(1, 13)]


def _report_sheets(book: _Book, r: Mapping[str, Any]) -> None:
    _ = book.t.gettext
    e = r["enterprise"]
    book.labelled(_("C.1 Basic information"), [
        ("enterprise_name", N_("Enterprise name"), e["name"]), ("enterprise_code", N_("Enterprise code"), e["code"]),
        ("industry", N_("Industry"), e["industry"]), ("region", N_("Located in"), e["region"]),
        ("year", N_("Reporting year"), r["year"]), ("guideline", N_("Accounting guideline"),
                                                     f"{r['guideline']['code']} {r['guideline']['name']}"),
        ("covered_tco2e", N_("Covered emissions of the year (tCO2e)"), r["totals"]["covered"]),
        ("generated", N_("Generated"), r["generated"]),
        ("structure", N_("Report structure"), r["closest"]["name"] + " — " + _("closest documented structure")
         if r["closest"] else r["structure_source"])])
    months = _month_columns(r["year"])
    book.sheet(_("C.2 Units"), [("facility_code", N_("Facility code")), ("name", N_("Name")),
                                ("process", N_("Process")), *months, ("annual", N_("Reported for the whole year")),
                                ("covered_tco2e", N_("Covered emissions of the year (tCO2e)"))],
               [[f["code"], f["name"], f["process"], *(f["months"][p] for p in f["months"]), f["annual"], f["total"]]
                for f in r["facilities"]], formats={i: _NUMBER for i in range(3, 17)})
    book.sheet(_("C.3 Activity data"), [
        ("source", N_("Emission source")), ("item", N_("Energy or material")), ("flow", N_("Flow")),
        ("unit", N_("Unit")), ("figure", N_("Figure")), *months, ("annual", N_("Reported for the whole year")),
        ("total", N_("Year total")), ("how", N_("How obtained")), ("parameters", N_("Parameters and sources"))],
        [row for g in r["activity"] for row in (
            [g["source"], g["item"], g["flow"], g["unit"], _("Quantity"), *g["quantity"].values(),
             g["annual_quantity"], g["total_quantity"], g["how"],
             "; ".join(f"{p['name']} {p['value']} {p['unit']} ({p['how']}; {p['ref'] or '—'}; {p['status']})"
                       for p in g["params"])],
            [g["source"], g["item"], g["flow"], "tCO2e", _("Emissions"), *g["emissions"].values(),
             g["annual_emissions"], g["total_emissions"], "", ""])],
        formats={i: _NUMBER for i in range(5, 19)})
    if r["processes"]:
        book.sheet(_("C.4 Processes"), [("process", N_("Process")), ("formula", N_("Formula of the steel guideline")),
                                        *months, ("total", N_("Year total"))],
                   [[p["name"], p["formula"], *p["months"].values(), p["total"]] for p in r["processes"]],
                   formats={i: _NUMBER for i in range(2, 15)})
    book.sheet(_("Products"), [("product", N_("Product")), ("unit", N_("Unit")), *months,
                               ("annual", N_("Reported for the whole year")), ("total", N_("Year total")),
                               ("intensity", N_("Covered emissions per unit of output (tCO2e/t)"))],
               [[p["name"], p["unit"], *p["months"].values(), p["annual"], p["total"], p["intensity"]]
                for p in r["products"]], formats={**{i: _NUMBER for i in range(2, 16)}, 16: "0.0000"})
    rows = [[m["period"], m["combustion"], m["process"], m["pfc"], m["covered"], m["electricity_mwh"],
             m["electricity"], m["heat"], m["status"], m["version"] or None, m["filed_at"]] for m in r["months"]]
    if r["annual"]:
        a = r["annual"]
        rows.append([_("Reported for the whole year"), a["combustion"], a["process"], a["pfc"], a["covered"],
                     a["electricity_mwh"], a["electricity"], a["heat"], "", None, ""])
    t = r["totals"]
    rows.append([_("Year total"), t["combustion"], t["process"], t["pfc"], t["covered"], t["electricity_mwh"],
                 t["electricity"], t["heat"], "", None, ""])
    book.sheet(_("C.5 Summary by month"), [
        ("period", N_("Period")), ("combustion_tco2", N_("Fossil fuels (tCO2)")),
        ("process_tco2", N_("Industrial processes (tCO2)")), ("pfc_tco2e", N_("Anode-effect PFCs (tCO2e)")),
        ("covered_tco2e", N_("Covered emissions (tCO2e)")),
        ("purchased_electricity_mwh", N_("Purchased electricity (MWh, information)")),
        ("purchased_electricity_tco2", N_("Purchased electricity emissions (tCO2, information)")),
        ("purchased_heat_tco2", N_("Purchased heat emissions (tCO2, information)")),
        ("filing_status", N_("Filing status")), ("version", N_("Version")), ("filed_at", N_("Filed at"))],
        rows, formats={i: _NUMBER for i in range(1, 8)})
    book.sheet(_("Findings"), [("message", N_("Finding")), ("where", N_("Where")), ("fix", N_("How to fix"))],
               [[f["message"], f["where"], f["fix"]] for f in r["findings"]]
               + [[_("Value not verified against its source: %(ref)s = %(value)s %(unit)s (%(status)s)",
                     ref=u["ref"], value=u["value"], unit=u["unit"], status=u["status"]), "", ""]
                  for u in r["unverified"]])


def render_report_xlsx(report: Mapping[str, Any], translator: Translator) -> bytes:
    """The report as a workbook: C.1 basic information, C.2 units, C.3 activity data with parameters and
    sources (each month and the year), products and intensity, C.5 summary by month with each month's
    filing status, findings. Headers in words; keys as defined names ``greenmfg.<key>``."""
    book = _Book(translator)
    _report_sheets(book, report)
    return book.bytes(translator.gettext("Annual GHG emission report"))


def render_pack_xlsx(pack: Mapping[str, Any], translator: Translator) -> bytes:
    """The verification pack as a workbook: the check items, the months traced to their filings, the
    evidence, the parameter sources, the derivation lines, then the report's sheets."""
    _ = translator.gettext
    book = _Book(translator)
    book.sheet(_("Check items"), [("clause", N_("Clause")), ("check_item", N_("Check item")),
                                  ("result", N_("What the platform found")), ("details", N_("Details")),
                                  ("source", N_("Source")), ("verification_status", N_("Verification status"))],
               [[c["clause"], c["name"], c["result"], c["details"], c["source"], c["status"]] for c in pack["checklist"]])
    book.sheet(_("Monthly filings"), [
        ("period", N_("Period")), ("filing_status", N_("Filing status")), ("version", N_("Version")),
        ("current", N_("Current version")), ("filed_at", N_("Filed at")), ("filed_by", N_("Filed by")),
        ("on_time", N_("On time")), ("reason", N_("Reason for the amendment")),
        ("filed_tco2e", N_("Covered emissions filed (tCO2e)")), ("stored_tco2e", N_("Covered emissions stored now (tCO2e)")),
        ("matches", N_("Filed equals stored")), ("snapshot_sha256", N_("SHA-256 of the filed snapshot")),
        ("data_versions", N_("Data versions (rows, SHA-256)")), ("evidence", N_("Evidence files"))],
        [[t["period"], t["status"], t["version"] or None, _yes(t["current"], translator) if t["version"] else "",
          t["filed_at"], t["filed_by"], _yes(t["on_time"], translator), t["reason"], t["filed_tco2e"], t["stored_tco2e"],
          _yes(t["matches"], translator), t["snapshot_sha256"], t["data_versions"], t["evidence"]]
         for t in pack["trace"]], formats={8: _NUMBER, 9: _NUMBER})
    book.sheet(_("Evidence of the filings"), [("period", N_("Period")), ("version", N_("Version")),
                               ("attachment_id", N_("Attachment number")), ("filename", N_("File name")),
                               ("kind", N_("Kind of evidence")), ("size_bytes", N_("Size (bytes)")),
                               ("sha256", N_("SHA-256"))],
               [[e["period"], e["version"], e["attachment_id"], e["filename"], e["kind"], e["size_bytes"], e["sha256"]]
                for e in pack["evidence"]])
    book.sheet(_("Parameter sources"), [
        ("item", N_("Energy or material")), ("parameter", N_("Parameter")), ("value", N_("Value")), ("unit", N_("Unit")),
        ("how", N_("How obtained")), ("ref", N_("Dataset row")), ("edition", N_("Edition")),
        ("verification_status", N_("Verification status")), ("source", N_("Source")),
        ("lines", N_("Derivation lines")), ("periods", N_("Periods"))],
        [[p["item"], p["name"], p["value"], p["unit"], p["how"], p["ref"], p["edition"], p["status"], p["source"],
          p["lines"], p["periods"]] for p in pack["parameters"]])
    book.sheet(_("Derivation lines"), [
        ("line", N_("Line (import:row)")), ("facility_code", N_("Facility code")), ("period", N_("Period")),
        ("item", N_("Energy or material")), ("flow", N_("Flow")), ("quantity", N_("Quantity")), ("unit", N_("Unit")),
        ("source", N_("Emission source")), ("covered", N_("Counted in the covered emissions")),
        ("co2e_t", N_("Emissions (tCO2e)")), ("formula", N_("Formula")), ("parameters", N_("Parameters"))],
        [[d["id"], d["facility"], d["period"], d["item"], d["flow"], d["quantity"], d["unit"], d["source"],
          _yes(d["covered"], translator), d["co2e_t"], d["formula"], d["parameters"]] for d in pack["derivation"]],
        formats={5: _NUMBER, 9: _NUMBER})
    _report_sheets(book, pack)
    return book.bytes(_("Verification pack"))


def _yes(value: bool | None, translator: Translator) -> str:
    if value is None:
        return ""
    return translator.gettext("yes") if value else translator.gettext("no")


def render_pack_zip(session: Session, pack: Mapping[str, Any], translator: Translator) -> bytes:
    """A zip of the report (PDF), the pack (xlsx and PDF) and the evidence files of every filed version,
    up to :data:`MAX_ZIP_EVIDENCE_BYTES` (past it the rest are listed in the pack, not packed; a text file
    in the zip says which)."""
    out = io.BytesIO()
    base = pack_filename(pack, "zip").removesuffix(".zip")
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{base}/{report_filename(pack, 'pdf')}", render_report_pdf(pack, translator))
        archive.writestr(f"{base}/{pack_filename(pack, 'xlsx')}", render_pack_xlsx(pack, translator))
        archive.writestr(f"{base}/{pack_filename(pack, 'pdf')}", render_pack_pdf(pack, translator))
        ids = sorted({e["attachment_id"] for e in pack["evidence"]})
        total, left_out = 0, []
        for attachment in session.execute(select(Attachment).where(Attachment.id.in_(ids))
                                          .where(Attachment.organisation_id == pack["enterprise"]["id"])
                                          .order_by(Attachment.id)).scalars():
            if total + attachment.size_bytes > MAX_ZIP_EVIDENCE_BYTES:
                left_out.append(f"{attachment.id} {attachment.filename} {attachment.sha256}")
                continue
            total += attachment.size_bytes
            safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", attachment.filename)[:120]
            archive.writestr(f"{base}/evidence/{attachment.id}-{safe}", attachment.content)
        if left_out:
            archive.writestr(f"{base}/evidence-not-packed.txt", "\n".join(left_out) + "\n")
    return out.getvalue()


def _code(document: Mapping[str, Any]) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", document["enterprise"]["code"] or str(document["enterprise"]["id"]))


def report_filename(document: Mapping[str, Any], fmt: str) -> str:
    """``ets-annual-report-E-STEEL-2025-zh-CN.pdf``: ASCII only (a header value)."""
    return f"ets-annual-report-{_code(document)}-{document['year']}-{document['lang']}.{fmt}"


def pack_filename(document: Mapping[str, Any], fmt: str) -> str:
    return f"ets-verification-pack-{_code(document)}-{document['year']}-{document['lang']}.{fmt}"
