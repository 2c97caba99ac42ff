"""The enterprise-year energy and GHG report (能源消费与温室气体排放报告): PDF and xlsx.

Everything is read from the enterprise's *counted* stored results of the year
(``FacilityResult.counted``: current, and an annual result supersedes the months of its
facility-year), so the report's totals are the sums the dashboards and regional views count:

* totals: comprehensive energy consumption [tce] (GB/T 2589-2020, on the electricity basis the
  accounting used) and GHG emissions [tCO2e] (GB/T 32150-2015 and the sector guidelines): scope 1
  (fuel combustion, industrial processes), scope 2 (purchased electricity, purchased heat),
  exported energy (a deduction) and the net total;
* by month (facility-years reported annually form one row of their own), by source (energy
  carrier or material, from the derivation lines), by scope, by facility;
* product intensities (unit-product energy and emissions, output-weighted over facilities:
  :func:`greenmfg.accounting.dashboard.product_intensities`);
* methodology and the reference datasets of the calculation runs (names, editions, publishers,
  sha256), the values that rest on reference data not verified against the primary text and the
  energy and emissions that depend on them, the results' other warnings;
* a derivation appendix: each total as the sum of its stored derivation lines, grouped by
  facility, item and the parameters used (PDF), and every line (xlsx).

Texts are English message ids translated by ``accounting_report.po``; numbers are formatted for the
locale by the :class:`~greenmfg.i18n.Translator`; times are China time (:func:`greenmfg.reports.stamp`).
"""

from __future__ import annotations

import functools
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from greenmfg import __version__
from greenmfg.accounting.charts import period_label, sentence_case
from greenmfg.accounting.dashboard import product_intensities
from greenmfg.accounting.labels import (
    CATEGORY_LABELS,
    FLOW_LABELS,
    PARAMETER_LABELS,
    VERIFICATION,
    label,
)
from greenmfg.accounting.lines import preload_lines, preload_warnings
from greenmfg.accounting.models import CalculationRun, FacilityResult
from greenmfg.errors import GreenmfgError
from greenmfg.exports import append_row
from greenmfg.i18n import N_, Translator
from greenmfg.orgs.models import Facility, Organisation
from greenmfg.refdata.vocabulary import load_vocabulary
from greenmfg.refdata.words import in_words
from greenmfg.reports import html_to_pdf, report_environment, stamp

__all__ = ["FIGURES", "FORMATS", "NoReportData", "build_report", "render_html", "render_pdf", "render_xlsx",
           "report_filename", "report_years"]

#: what a report can be downloaded as
FORMATS = ("pdf", "xlsx")
#: the summed figures of a result, as (column of FacilityResult, message id)
FIGURES: tuple[tuple[str, str], ...] = (
    ("energy_tce", N_("Comprehensive energy consumption")),
    ("combustion_tco2e", N_("Fuel combustion")),
    ("process_tco2e", N_("Industrial processes")),
    ("scope1_tco2e", N_("Scope 1 (direct)")),
    ("purchased_electricity_tco2e", N_("Purchased electricity")),
    ("purchased_heat_tco2e", N_("Purchased heat")),
    ("scope2_tco2e", N_("Scope 2 (purchased energy)")),
    ("exported_tco2e", N_("Exported energy")),
    ("total_tco2e", N_("Net emissions")),
)
_EMISSION_FIGURES = tuple(column for column, _label in FIGURES if column.endswith("_tco2e"))

#: units as words (plural for quantities, singular after "per")
UNIT_WORDS: Mapping[str, tuple[str, str]] = {
    "t": (N_("tonnes"), N_("tonne")),
    "tce": (N_("tonnes of standard coal equivalent"), N_("tonne of standard coal equivalent")),
    "kgce": (N_("kilograms of standard coal equivalent"), N_("kilogram of standard coal equivalent")),
    "tCO2e": (N_("tonnes of CO2 equivalent"), N_("tonne of CO2 equivalent")),
    "tC": (N_("tonnes of carbon"), N_("tonne of carbon")),
    "GJ": (N_("gigajoules"), N_("gigajoule")),
    "MWh": (N_("megawatt-hours"), N_("megawatt-hour")),
    "Nm3": (N_("normal cubic metres"), N_("normal cubic metre")),
    "m3": (N_("cubic metres"), N_("cubic metre")),
    "10^4 m3": (N_("10 000 cubic metres"), N_("10 000 cubic metres")),
    "10^4 Nm3": (N_("10 000 normal cubic metres"), N_("10 000 normal cubic metres")),
    "weight box": (N_("weight boxes"), N_("weight box")),
    "kg": (N_("kilograms"), N_("kilogram")),
    "TJ": (N_("terajoules"), N_("terajoule")),
    "kWh": (N_("kilowatt-hours"), N_("kilowatt-hour")),
    "tCO2": (N_("tonnes of CO2"), N_("tonne of CO2")),
    "kgCO2": (N_("kilograms of CO2"), N_("kilogram of CO2")),
    "%": ("%", "%"),
}

#: each emission category's formula in words (the engine's formulas, output.py)
FORMULA_WORDS: Mapping[str, str] = {
    "combustion": N_("quantity × net calorific value × carbon content per unit heat × oxidation rate × 44/12"),
    "process": N_("quantity × emission factor"),
    "purchased_electricity": N_("quantity × grid emission factor"),
    "purchased_heat": N_("quantity × heat emission factor"),
    "exported": N_("− quantity × emission factor"),
    "none": N_("no emissions"),
}
ENERGY_FORMULA = N_("quantity × standard coal coefficient")

#: the electricity basis of the standard-coal conversion, as the accounting names it
BASIS_WORDS: Mapping[str, str] = {
    "equivalent": N_("calorific-value (equivalent) basis: 0.1229 kgce/kWh"),
    "equal-value": N_("equal-value basis: the coal the power plants burn per kWh supplied"),
}

#: the categories under each scope, as GB/T 32150 reports them
SCOPES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("scope1", N_("Scope 1 (direct)"), ("combustion", "process")),
    ("scope2", N_("Scope 2 (purchased energy)"), ("purchased_electricity", "purchased_heat")),
)

#: the standards the report follows (titles as published)
STANDARDS: tuple[tuple[str, str], ...] = (
    ("GB/T 2589-2020", N_("General rules for calculation of the comprehensive energy consumption")),
    ("GB/T 32150-2015", N_("General guideline of greenhouse gas emissions accounting and reporting for "
                           "industrial enterprises")),
    ("GB/T 32151", N_("Requirements of greenhouse gas emissions accounting and reporting (sector parts)")),
)


class NoReportData(GreenmfgError):
    """The enterprise has no counted results for the year asked for."""

    status = 404
    code = "report.no_results"


@dataclass(frozen=True)
class _Counted:
    result: FacilityResult
    facility_code: str
    facility_name: str | None


def report_years(session: Session, enterprise_id: int) -> list[int]:
    """Years with counted results of the enterprise, ascending."""
    years = session.execute(select(FacilityResult.year).where(
        FacilityResult.enterprise_id == enterprise_id, FacilityResult.counted.is_(True))
        .group_by(FacilityResult.year)).scalars().all()
    return sorted(int(y) for y in years)


def _counted(session: Session, enterprise_id: int, year: int) -> list[_Counted]:
    rows = session.execute(
        select(FacilityResult, Facility.code, Facility.name)
        .join(Facility, Facility.id == FacilityResult.facility_id)
        .where(FacilityResult.enterprise_id == enterprise_id, FacilityResult.year == year,
               FacilityResult.counted.is_(True))
        .options(undefer(FacilityResult.lines_packed), undefer(FacilityResult.lines_json))
        .order_by(Facility.code, FacilityResult.period)).all()
    results = [row[0] for row in rows]
    preload_lines(session, results)
    preload_warnings(session, results)
    return [_Counted(result, code, name) for result, code, name in rows]


def _sums(results: Iterable[FacilityResult]) -> dict[str, float]:
    sums = dict.fromkeys((column for column, _label in FIGURES), 0.0)
    for result in results:
        for column in sums:
            sums[column] += getattr(result, column)
    return sums


class _Words:
    """Names and units in the report's language."""

    def __init__(self, translator: Translator) -> None:
        self.t = translator
        self.zh = translator.locale == "zh-CN"
        self.vocabulary = load_vocabulary()

    def item(self, key: str) -> str:
        item = self.vocabulary.items.get(key)
        if item is None:
            return key
        return item.name_zh if self.zh else sentence_case(item.name_en)

    def unit(self, unit: str | None, *, singular: bool = False) -> str:
        """A unit in words: ``t`` → 吨 / tonnes; ``kgce/t`` → 千克标准煤/吨 / kilograms … per tonne;
        a unit not in :data:`UNIT_WORDS` as it is."""
        if not unit or unit == "1":
            return ""
        unit = unit.strip()
        if unit.startswith("(") and unit.endswith(")"):
            unit = unit[1:-1]
        if "/" in unit:
            top, _, bottom = unit.partition("/")
            if self.zh:
                return f"{self.unit(top)}/{self.unit(bottom, singular=True)}"
            return self.t.gettext("%(top)s per %(bottom)s", top=self.unit(top), bottom=self.unit(bottom, singular=True))
        words = UNIT_WORDS.get(unit)
        if words is None:
            return unit
        return self.t.gettext(words[1] if singular else words[0])

    def precise(self, value: float | None) -> str:
        """A parameter as given, up to 6 decimals (``0.0295``, not ``0.03``)."""
        if value is None:
            return "—"
        fraction = f"{value:.6f}".rstrip("0").partition(".")[2]
        return self.t.format_decimal(value, len(fraction))


#: the parameter of a line's energy; every other parameter is one of its emissions
_ENERGY_PARAMETER = "standard_coal_coefficient"


def _parameters_text(line: Mapping[str, Any], words: _Words, *, energy: bool | None = None) -> str:
    """A line's parameters in words: all of them, or (``energy``) those of its energy or (not
    ``energy``) those of its emissions."""
    parts = []
    for parameter in line.get("parameters") or []:
        if energy is not None and (parameter["name"] == _ENERGY_PARAMETER) != energy:
            continue
        name = PARAMETER_LABELS.get(parameter["name"])
        shown = words.t.gettext(name) if name else parameter["name"]
        value = parameter.get("value")
        text = words.precise(value)
        unit = words.unit(parameter.get("unit"))
        parts.append(f"{shown} {text}{' ' + unit if unit else ''}")
    return "；".join(parts) if words.zh else "; ".join(parts)


def _reference_status(line: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The unverified references of a line with what the parameters say about them."""
    unverified = set(line.get("unverified") or ())
    found: dict[str, dict[str, Any]] = {}
    for parameter in line.get("parameters") or []:
        for source in parameter.get("sources") or []:
            if source.get("ref") in unverified:
                found[source["ref"]] = {**source, "name": parameter["name"]}
    for ref in unverified:
        found.setdefault(ref, {"ref": ref, "name": "", "dataset": ref.split(":", 1)[0], "value": None,
                               "unit": "", "source": "", "verification_status": ""})
    return found


def _status_label(status: str, words: _Words) -> str:
    entry = VERIFICATION.get(status)
    return words.t.gettext(entry[1]) if entry else status or "—"


def build_report(session: Session, enterprise: Organisation, *, year: int | None, translator: Translator) -> dict[str, Any]:
    """The report of ``enterprise`` for ``year`` (the latest year with results when None).

    The caller has checked that the enterprise is visible (:func:`greenmfg.orgs.access.get_enterprise`).

    Raises
    ------
    NoReportData
        No counted results for that year (404, with the years that have them).
    """
    words = _Words(translator)
    _ = translator.gettext
    years = report_years(session, enterprise.id)
    if year is None and years:
        year = years[-1]
    counted = _counted(session, enterprise.id, year) if year is not None else []
    if not counted:
        have_en = ", ".join(str(y) for y in years) or "none"
        have_zh = "、".join(str(y) for y in years) or "无"
        raise NoReportData(
            f"no accounting results of {year} for this enterprise; years with results: {have_en}"
            if year is not None else "this enterprise has no accounting results yet: import activity data first",
            f"该企业无 {year} 年的核算结果；有核算结果的年份：{have_zh}"
            if year is not None else "该企业尚无核算结果：请先导入活动数据",
            field="year", details=[{"location": "query.year", "message": f"years with results: {have_en}",
                                    "message_zh": f"有核算结果的年份：{have_zh}"}])
    assert year is not None
    results = [c.result for c in counted]
    totals = _sums(results)

    # by month; facility-years reported annually (their annual result supersedes any month) apart
    months: dict[str, list[FacilityResult]] = defaultdict(list)
    annual: list[FacilityResult] = []
    for result in results:
        (annual if len(result.period) == 4 else months[result.period]).append(result)
    by_month = [{"period": period, "label": period_label(period, translator, with_year=True),
                 **_sums(rows), "facilities": len(rows)} for period, rows in sorted(months.items())]
    if annual:
        by_month.append({"period": str(year), "label": _("Reported for the whole year"), **_sums(annual),
                         "facilities": len(annual)})

    # by facility
    facilities: dict[str, dict[str, Any]] = {}
    for c in counted:
        entry = facilities.setdefault(c.facility_code, {"code": c.facility_code, "name": c.facility_name or "",
                                                        "periods": 0, "rows": []})
        entry["periods"] += 1
        entry["rows"].append(c.result)
    by_facility = [{"code": f["code"], "name": f["name"], "periods": f["periods"], **_sums(f["rows"])}
                   for f in facilities.values()]

    # by source, the derivation groups and the unverified references, from the derivation lines
    sources: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    unverified: dict[str, dict[str, Any]] = {}
    methodologies: dict[str, str] = {}
    grid_years: set[int] = set()
    all_lines: list[dict[str, Any]] = []
    depends = {"energy_tce": 0.0, "co2e_t": 0.0}
    for c in counted:
        for line in c.result.lines:
            energy, co2e = line.get("energy_tce") or 0.0, line.get("co2e_t") or 0.0
            category = line.get("category") or "none"
            key = (line["item"], line.get("flow") or "", category, line.get("unit") or "")
            source = sources.setdefault(key, {
                "item": words.item(line["item"]), "flow": label(FLOW_LABELS, key[1], translator) if key[1] else "",
                "category": label(CATEGORY_LABELS, category, translator),
                "category_key": category, "unit": words.unit(key[3]), "quantity": 0.0, "energy_tce": 0.0,
                "co2e_t": 0.0, "unverified": False})
            source["quantity"] += line.get("quantity") or 0.0
            source["energy_tce"] += energy
            source["co2e_t"] += co2e
            parameters = (_parameters_text(line, words, energy=True), _parameters_text(line, words, energy=False))
            group_key = (category, c.facility_code, *key, parameters)
            group = groups.setdefault(group_key, {
                "category_key": category, "facility": c.facility_code, "item": source["item"], "flow": source["flow"],
                "unit": source["unit"], "energy_parameters": parameters[0], "parameters": parameters[1],
                "energy_formula": _(ENERGY_FORMULA) if energy else "",
                "formula": label(FORMULA_WORDS, category, translator),
                "periods": set(), "lines": 0, "quantity": 0.0, "energy_tce": 0.0, "co2e_t": 0.0})
            group["periods"].add(c.result.period)
            group["lines"] += 1
            group["quantity"] += line.get("quantity") or 0.0
            group["energy_tce"] += energy
            group["co2e_t"] += co2e
            refs = _reference_status(line)
            if refs:
                source["unverified"] = True
                depends["energy_tce"] += energy
                depends["co2e_t"] += co2e
            for ref, info in refs.items():
                entry = unverified.setdefault(ref, {**info, "energy_tce": 0.0, "co2e_t": 0.0, "lines": 0})
                entry["energy_tce"] += energy
                entry["co2e_t"] += co2e
                entry["lines"] += 1
            methodology = line.get("methodology") or {}
            if methodology.get("id"):
                methodologies[methodology["id"]] = methodology["name_zh" if words.zh else "name_en"]
            if line.get("grid_factor_year"):
                grid_years.add(int(line["grid_factor_year"]))
            all_lines.append({**line, "facility": c.facility_code, "period": c.result.period})
    by_source = sorted(sources.values(), key=lambda s: (-abs(s["energy_tce"]), -abs(s["co2e_t"]), s["item"]))
    for source in by_source:
        source["energy_share"] = source["energy_tce"] / totals["energy_tce"] if totals["energy_tce"] else None

    derivation = []
    for column, figure in FIGURES:
        if column in ("scope1_tco2e", "scope2_tco2e", "total_tco2e"):
            continue
        field = "energy_tce" if column == "energy_tce" else "co2e_t"
        category = None if column == "energy_tce" else column.removesuffix("_tco2e")
        rows = [dict(g, periods=len(g["periods"]), value=g[field]) for g in groups.values()
                if (category is None and g["energy_tce"]) or (category is not None and g["category_key"] == category
                                                                and g["co2e_t"])]
        rows.sort(key=lambda g: (g["facility"], -abs(g["value"])))
        derivation.append({"column": column, "label": _(figure), "rows": rows, "sum": sum(r["value"] for r in rows),
                           "total": totals[column], "energy": column == "energy_tce"})

    by_scope: list[dict[str, Any]] = []
    for scope, scope_label, categories in SCOPES:
        by_scope.append({"label": _(scope_label), "value": totals[f"{scope}_tco2e"], "subtotal": True})
        by_scope += [{"label": label(CATEGORY_LABELS, c, translator), "value": totals[f"{c}_tco2e"], "subtotal": False}
                     for c in categories]
    by_scope.append({"label": label(CATEGORY_LABELS, "exported", translator), "value": totals["exported_tco2e"], "subtotal": True})
    by_scope.append({"label": _("Net emissions"), "value": totals["total_tco2e"], "subtotal": True})
    for row in by_scope:
        row["share"] = row["value"] / totals["total_tco2e"] if totals["total_tco2e"] else None

    products = []
    for product in product_intensities([(str(year), c.result.products) for c in counted]):
        point = product["series"][0]
        products.append({
            "name": product["name_zh"] if words.zh else sentence_case(product["name_en"]),
            "quantity": point["quantity"], "unit": words.unit(product["unit"]),
            "energy_intensity": point["energy_intensity"], "energy_unit": words.unit(product["energy_intensity_unit"]),
            "emission_intensity": point["emission_intensity"],
            "emission_unit": words.unit(product["emission_intensity_unit"])})

    runs = session.execute(select(CalculationRun).where(
        CalculationRun.id.in_(sorted({r.run_id for r in results}))).order_by(CalculationRun.id)).scalars().all()
    datasets: dict[str, dict[str, Any]] = {}
    options: dict[str, Any] = {}
    for run in runs:
        for dataset in run.provenance.get("datasets", []):
            datasets.setdefault(dataset["id"], dataset)
        options = run.provenance.get("options", options)
    fingerprints = {run.reference_fingerprint for run in runs}
    dataset_rows = [{"id": d["id"], "title": d.get("title_zh" if words.zh else "title") or d.get("title", ""),
                     "edition": d.get("edition", ""), "publisher": d.get("publisher", ""),
                     "sha256": (d.get("sha256") or "")[:12]} for d in sorted(datasets.values(), key=lambda d: d["id"])]
    basis = options.get("electricity_basis", "equivalent")

    unverified_rows: list[dict[str, Any]] = sorted(unverified.values(), key=lambda u: (-abs(u["co2e_t"]) - abs(u["energy_tce"]), u["ref"]))
    for row in unverified_rows:
        name = PARAMETER_LABELS.get(row.get("name", ""))
        row["parameter"] = _(name) if name else row.get("name", "")
        row["status"] = _status_label(row.get("verification_status", ""), words)
        row["unit_words"] = words.unit(row.get("unit"))
        # a reference is ``dataset:item.parameter`` (``fuel_parameters/x:coke.ncv``) or a grid region
        item_key = str(row["ref"]).partition(":")[2].rpartition(".")[0]
        dataset_id = row.get("dataset") or row["ref"].partition(":")[0]
        row["item"] = (words.item(item_key) if item_key in words.vocabulary.items
                       else _("Grid electricity") if dataset_id.startswith("grid_factors/")
                       else _("Purchased heat") if dataset_id.startswith("heat_factors/") else item_key)
        known = datasets.get(dataset_id)
        row["dataset_title"] = ((known.get("title_zh" if words.zh else "title") or known.get("title", ""))
                                if known else row.get("edition") or row.get("dataset", ""))

    warnings: dict[tuple[str, str], dict[str, Any]] = {}
    for c in counted:
        for warning in c.result.warnings:
            if warning.get("code") == "accounting.result.unverified_value":
                continue  # listed with the energy and emissions depending on them
            text = warning.get("message_zh" if words.zh else "message") or warning.get("message", "")
            entry = warnings.setdefault((warning.get("code", ""), text), {"message": text, "where": []})
            entry["where"].append(f"{c.facility_code} {period_label(c.result.period, translator, with_year=True)}")

    industry = words.vocabulary.industries.get(enterprise.industry or "")
    region = words.vocabulary.regions.get(enterprise.province or "")
    city_record = words.vocabulary.city(enterprise.city)
    city = (city_record["name_zh"] if words.zh else city_record["name_en"]) if city_record else enterprise.city or ""
    return {
        "lang": translator.locale, "zh": words.zh, "year": year, "years": years,
        "enterprise": {"id": enterprise.id, "name": enterprise.name if words.zh or not enterprise.name_en
                       else enterprise.name_en, "name_zh": enterprise.name, "code": enterprise.code or "",
                       "industry": (industry["name_zh"] if words.zh else sentence_case(industry["name_en"]))
                       if industry else (enterprise.industry or "—"),
                       "region": " ".join(x for x in ((region["name_zh"] if words.zh else region["name_en"])
                                                      if region else "", city) if x) or "—"},
        "generated": stamp(), "version": __version__,
        "totals": totals, "by_month": by_month, "by_facility": by_facility, "by_source": by_source,
        "by_scope": by_scope, "products": products, "derivation": derivation, "lines": all_lines,
        "unverified": unverified_rows, "depends": depends,
        "depends_share": {"energy": depends["energy_tce"] / totals["energy_tce"] if totals["energy_tce"] else None,
                          "emissions": depends["co2e_t"] / totals["total_tco2e"] if totals["total_tco2e"] else None},
        "warnings": list(warnings.values()),
        "methodologies": [{"id": k, "name": v} for k, v in sorted(methodologies.items())],
        "standards": [{"code": code, "title": _(title)} for code, title in STANDARDS],
        "basis": label(BASIS_WORDS, basis, translator),
        "grid_years": sorted(grid_years), "datasets": dataset_rows,
        "runs": [{"id": r.id, "trigger": _("Import") if r.trigger == "import" else _("Recalculation"),
                  "at": stamp(r.created_at), "version": r.provenance.get("greenmfg_version", "")} for r in runs],
        "mixed_reference": len(fingerprints) > 1,
        "result_count": len(counted), "facility_count": len(facilities),
        "annual_count": len(annual), "month_count": len(months),
    }


# -------------------------------------------------------------------------------------- rendering


@functools.cache
def _environment() -> Environment:
    """The report environment, built once (templates and the print stylesheet)."""
    return report_environment("greenmfg.accounting")


def render_html(report: Mapping[str, Any], translator: Translator) -> str:
    """The report as one self-contained HTML document (what the PDF is made from)."""
    template = _environment().get_template("accounting/report.html")
    return template.render(
        r=report, _=translator.gettext, lang=translator.locale,
        num=lambda value, digits=2: translator.format_decimal(value, digits),
        pct=lambda value: translator.format_percent(value, 1), precise=_Words(translator).precise)


def render_pdf(report: Mapping[str, Any], translator: Translator) -> bytes:
    return html_to_pdf(render_html(report, translator))


_NUMBER_FORMAT = "#,##0.00"
_INTENSITY_FORMAT = "#,##0.0000"


def render_xlsx(report: Mapping[str, Any], translator: Translator) -> bytes:
    """The report as a workbook: summary, by month, by source, by scope, by facility, products,
    reference data, unverified values, warnings and every derivation line; numbers stay numbers."""
    from openpyxl import Workbook  # only this output needs it
    from openpyxl.styles import Font

    _ = translator.gettext
    book = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: Iterable[list[Any]], *, formats: Mapping[int, str] | None = None,
              first: bool = False) -> None:
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = title[:31]
        append_row(ws, header)
        for cell in ws[1]:
            cell.font = bold
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

    r = report
    e = r["enterprise"]
    tce, tco2e = _("tonnes of standard coal equivalent"), _("tonnes of CO2 equivalent")
    summary = [[_("Enterprise name"), e["name"]], [_("Enterprise code"), e["code"]], [_("Industry"), e["industry"]],
               [_("Located in"), e["region"]], [_("Reporting year"), r["year"]], [_("Generated"), r["generated"]],
               [_("Electricity conversion"), r["basis"]], [], [_("Figure"), _("Value"), _("Unit")]]
    for column, figure in FIGURES:
        summary.append([_(figure), r["totals"][column], tce if column == "energy_tce" else tco2e])
    sheet(_("Summary"), [_("Energy consumption and GHG emissions report"), ""], summary,
          formats={1: _NUMBER_FORMAT}, first=True)
    figure_headers = [_(figure) for _column, figure in FIGURES]
    sheet(_("By month"), [_("Period"), _("Facilities"), *figure_headers],
          [[m["label"], m["facilities"], *(m[c] for c, _label in FIGURES)] for m in r["by_month"]]
          + [[_("Year total"), "", *(r["totals"][c] for c, _label in FIGURES)]],
          formats={i: _NUMBER_FORMAT for i in range(2, 2 + len(FIGURES))})
    sheet(_("By source"), [_("Energy or material"), _("Flow"), _("Emission category"), _("Quantity"), _("Unit"),
                           _("Energy") + f" ({tce})", _("Share of energy"), _("Emissions") + f" ({tco2e})",
                           _("Depends on unverified reference data")],
          [[s["item"], s["flow"], s["category"], s["quantity"], s["unit"], s["energy_tce"], s["energy_share"],
            s["co2e_t"], _("yes") if s["unverified"] else _("no")] for s in r["by_source"]],
          formats={3: _NUMBER_FORMAT, 5: _NUMBER_FORMAT, 6: "0.0%", 7: _NUMBER_FORMAT})
    sheet(_("By scope"), [_("Scope and category"), _("Emissions") + f" ({tco2e})", _("Share of net emissions")],
          [[s["label"], s["value"], s["share"]] for s in r["by_scope"]], formats={1: _NUMBER_FORMAT, 2: "0.0%"})
    sheet(_("By facility"), [_("Facility"), _("Name"), _("Periods"), *figure_headers],
          [[f["code"], f["name"], f["periods"], *(f[c] for c, _label in FIGURES)] for f in r["by_facility"]],
          formats={i: _NUMBER_FORMAT for i in range(3, 3 + len(FIGURES))})
    sheet(_("Products"), [_("Product"), _("Output"), _("Unit"), _("Unit-product energy"), _("Unit"),
                          _("Unit-product emissions"), _("Unit")],
          [[p["name"], p["quantity"], p["unit"], p["energy_intensity"], p["energy_unit"], p["emission_intensity"],
            p["emission_unit"]] for p in r["products"]],
          formats={1: _NUMBER_FORMAT, 3: _NUMBER_FORMAT, 5: _INTENSITY_FORMAT})
    sheet(_("Methodology"), [_("Methodology and reference data"), _("Name"), _("Edition"), _("Publisher"), "sha256"],
          [[_("Standard"), f"{s['code']} {s['title']}", "", "", ""] for s in r["standards"]]
          + [[_("Sector guideline"), m["name"], "", "", ""] for m in r["methodologies"]]
          + [[_("Dataset"), d["title"], d["edition"], d["publisher"], d["sha256"]] for d in r["datasets"]]
          + [[_("Calculation run"), f"#{run['id']} {run['trigger']}", run["at"], f"greenmfg {run['version']}", ""]
             for run in r["runs"]])
    sheet(_("Unverified values"), [_("Reference"), _("Parameter"), _("Value"), _("Unit"), _("Verification status"),
                                   _("Derivation lines"), _("Energy depending on it") + f" ({tce})",
                                   _("Emissions depending on it") + f" ({tco2e})", _("Source")],
          [[u["ref"], u["parameter"], u.get("value"), u["unit_words"], u["status"], u["lines"], u["energy_tce"],
            u["co2e_t"], u.get("source", "")] for u in r["unverified"]],
          formats={6: _NUMBER_FORMAT, 7: _NUMBER_FORMAT})
    sheet(_("Warnings"), [_("Warning"), _("Where")],
          [[in_words(w["message"], zh=translator.locale.startswith("zh")),  # a cited dataset by its title
            ", ".join(w["where"][:20]) + (" …" if len(w["where"]) > 20 else "")] for w in r["warnings"]])
    words = _Words(translator)
    sheet(_("Derivation lines"), [_("Facility"), _("Period"), _("File"), _("Row"), _("Energy or material"), _("Flow"),
                                  _("Quantity as entered"), _("Unit as entered"), _("Quantity"), _("Unit"),
                                  _("Emission category"), _("Parameters"), _("Energy") + f" ({tce})",
                                  _("Emissions") + f" ({tco2e})"],
          [[line["facility"], line["period"], line.get("file"), line.get("row"), words.item(line["item"]),
            label(FLOW_LABELS, line.get("flow"), translator),
            line.get("quantity_input"), line.get("unit_input"), line.get("quantity"), words.unit(line.get("unit")),
            label(CATEGORY_LABELS, line.get("category"), translator),
            _parameters_text(line, words), line.get("energy_tce"), line.get("co2e_t")] for line in r["lines"]],
          formats={12: _NUMBER_FORMAT, 13: _NUMBER_FORMAT})
    book.properties.title = _("Energy consumption and GHG emissions report")
    book.properties.creator = f"greenmfg {r['version']}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_filename(report: Mapping[str, Any], fmt: str) -> str:
    """``energy-ghg-report-E-STEEL-2024-zh-CN.pdf``: ASCII only (a header value)."""
    code = re.sub(r"[^A-Za-z0-9_.-]+", "-", report["enterprise"]["code"] or str(report["enterprise"]["id"]))
    return f"energy-ghg-report-{code}-{report['year']}-{report['lang']}.{fmt}"
