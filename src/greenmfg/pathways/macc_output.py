"""Render a MACC result as a workbook: measures with their costs, the curve, the portfolio and the
findings; headers in words (Chinese or English, ``pathways_macc.po``), each column's key kept as the
defined name ``greenmfg.<key>`` (:mod:`greenmfg.exports`). The JSON document is
:meth:`greenmfg.pathways.macc.MaccResult.to_document`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from greenmfg.exports import append_row, column_words, export_translator, header_row, sheet_title
from greenmfg.i18n import N_, Translator
from greenmfg.refdata.words import in_words

from .macc import MaccResult

__all__ = ["CURVE_COLUMNS", "MEASURE_COLUMNS", "ORIGIN_WORDS", "WORDS", "workbook_bytes", "write_xlsx"]

#: column key → English message id of its words
WORDS: dict[str, str] = {
    "measure_key": N_("Measure code"), "measure": N_("Abatement measure"), "origin": N_("Where the measure comes from"),
    "abatement_tco2e": N_("Abatement alone (tCO2e/yr)"), "covered_tco2e": N_("Direct abatement (tCO2e/yr)"),
    "capex_cny": N_("Investment (CNY)"), "opex_change_cny": N_("Change of operating cost (CNY/yr)"),
    "energy_saving_cny": N_("Value of energy saved (CNY/yr)"), "lifetime_years": N_("Lifetime (years)"),
    "crf": N_("Capital recovery factor"), "annualised_cost_cny": N_("Annualised net cost (CNY/yr)"),
    "mac_cny_per_tco2e": N_("Marginal abatement cost (CNY/tCO2e)"), "exclusive_group": N_("Exclusive group"),
    "energy_use_name": N_("Energy use"), "use_emissions_tco2e": N_("Emissions of the energy use (tCO2e/yr)"),
    "applicability": N_("Applicability"), "in_portfolio": N_("In the least-cost portfolio"),
    "incremental_abatement_tco2e": N_("Abatement on the curve (tCO2e/yr)"),
    "cumulative_abatement_tco2e": N_("Cumulative abatement (tCO2e/yr)"),
    "cumulative_cost_cny": N_("Cumulative annualised cost (CNY/yr)"), "item_name": N_("Portfolio figure"),
    "severity": N_("Severity"), "fix": N_("How to fix"), "derivation": N_("Derivation"),
}
ORIGIN_WORDS: dict[str, str] = {"library": N_("Measures library"), "file": N_("Own measures file"),
                                "diagnosis": N_("Energy-saving diagnosis")}
MEASURE_COLUMNS = ("measure_key", "measure", "origin", "energy_use_name", "exclusive_group", "abatement_tco2e",
                   "covered_tco2e", "use_emissions_tco2e", "capex_cny", "opex_change_cny", "energy_saving_cny",
                   "lifetime_years", "crf", "annualised_cost_cny", "mac_cny_per_tco2e", "in_portfolio",
                   "applicability", "verification_status", "source", "derivation")
CURVE_COLUMNS = ("measure_key", "measure", "incremental_abatement_tco2e", "mac_cny_per_tco2e", "annualised_cost_cny",
                 "cumulative_abatement_tco2e", "cumulative_cost_cny")


def _yes(value: bool, t: Translator) -> str:
    return t.gettext(N_("yes")) if value else t.gettext(N_("no"))


def write_xlsx(result: MaccResult, path: Path, *, lang: str = "zh-CN") -> None:
    """Write :func:`workbook_bytes` to ``path``."""
    path.write_bytes(workbook_bytes(result, lang=lang))


def workbook_bytes(result: MaccResult, *, lang: str = "zh-CN") -> bytes:
    """The result as an .xlsx workbook in ``lang`` (``zh-CN`` or ``en``)."""
    import io

    from openpyxl import Workbook

    from greenmfg.refdata.words import status_name

    t = export_translator(locale=lang)
    zh = lang != "en"
    document = result.to_document()
    book = Workbook()
    book.remove(book.active)

    def sheet(title: str, keys: tuple[str, ...]) -> Any:
        ws = book.create_sheet(sheet_title(title, t))
        header_row(ws, column_words(keys, t, words=WORDS))
        return ws

    names = {m["key"]: (m["name_zh"] if zh else m["name_en"]) for m in document["measures"]}
    ws = sheet(N_("Measures"), MEASURE_COLUMNS)
    for m in document["measures"]:
        origin = ORIGIN_WORDS[m["origin"]]
        values = {**m, "measure_key": m["key"], "measure": names[m["key"]], "origin": t.gettext(origin),
                  "energy_use_name": m["energy_use_zh"] if zh else m["energy_use_en"],
                  "applicability": m["applicability_zh"] if zh else m["applicability_en"],
                  "in_portfolio": _yes(m["in_portfolio"], t),
                  "verification_status": status_name(m["verification_status"], zh=zh) if m["verification_status"] else "",
                  "derivation": "\n".join(line for line in m["derivation"] if line)}
        append_row(ws, [values.get(k) for k in MEASURE_COLUMNS])
    ws = sheet(N_("Abatement cost curve"), CURVE_COLUMNS)
    for s in document["curve"]:
        append_row(ws, [s["key"], names[s["key"]], s["abatement_tco2e"], s["mac_cny_per_tco2e"], s["annualised_cost_cny"],
                        s["cumulative_abatement_tco2e"], s["cumulative_cost_cny"]])
    p = document["portfolio"]
    ws = sheet(N_("Least-cost portfolio"), ("item_name", "value"))
    effect = document["allowance_effect"]
    lines: list[tuple[str, Any]] = [
        (N_("Feasible"), _yes(p["feasible"], t)), (N_("Abatement target (tCO2e/yr)"), p["target_tco2e"]),
        (N_("Abatement of the portfolio (tCO2e/yr)"), p["abatement_tco2e"]),
        (N_("Direct abatement of the portfolio (tCO2e/yr)"), p["covered_abatement_tco2e"]),
        (N_("Annualised net cost (CNY/yr)"), p["annualised_cost_cny"]), (N_("Investment (CNY)"), p["capex_cny"]),
        (N_("Average cost (CNY/tCO2e)"), p["average_cost_cny_per_tco2e"]),
        (N_("Most the measures can abate (tCO2e/yr)"), p["max_abatement_tco2e"]),
        (N_("Discount rate"), document["options"]["discount_rate"]),
    ]
    if effect is not None:
        lines += [(N_("Change of allowances (tCO2e)"), effect["delta_allowances_tco2e"]),
                  (N_("Change of the allowance position (tCO2e)"), effect["delta_net_tco2e"])]
    for label, value in lines:
        append_row(ws, [t.gettext(label), value])
    for key in p["measures"]:
        append_row(ws, [t.gettext(N_("Measure chosen")), names[key]])
    ws = sheet(N_("Findings"), ("severity", "code", "message", "fix"))
    severity = {"warning": N_("warning"), "info": N_("information"), "error": N_("error")}
    for f in document["findings"]:
        level = severity[f["severity"]]
        append_row(ws, [t.gettext(level), f["code"], in_words(f["message_zh"] if zh else f["message"], zh=zh),
                        f["fix_zh"] if zh else f["fix"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
