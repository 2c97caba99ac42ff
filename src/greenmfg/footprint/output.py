"""What a footprint run is written as: the JSON document, a text table's rows and the workbook.

The workbook goes through :mod:`greenmfg.exports`: every header in words (Chinese by default,
English with ``locale="en"``), its key kept as the defined name ``greenmfg.<key>``, text never a
formula.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from greenmfg.calc.footprint import STAGES
from greenmfg.exports import append_row, column_words, export_translator, header_row
from greenmfg.footprint.service import Boundary, FootprintRun, ProductFootprint
from greenmfg.i18n import N_, Translator

__all__ = ["ALLOCATION_WORDS", "GAS_WORDS", "STAGE_WORDS", "result_document", "workbook_bytes", "write_xlsx"]

#: life-cycle stages in words (message ids; Chinese in ``footprint.po``)
STAGE_WORDS = {
    "raw_material": N_("Raw material acquisition"), "upstream_energy": N_("Upstream of fuels"),
    "direct": N_("Production, direct emissions"), "indirect_electricity": N_("Production, purchased electricity"),
    "indirect_heat": N_("Production, purchased heat"), "credits": N_("Credits for exported energy"),
}
GAS_WORDS = {"co2": N_("Carbon dioxide (CO2)"), "pfc": N_("Perfluorocarbons (CF4, C2F6)"),
             "co2e": N_("Greenhouse gases of life-cycle factors (CO2e, gases not separated)")}
ALLOCATION_WORDS = {
    "system_expansion": N_("System expansion (co-products credited, the main product bears the rest)"),
    "mass": N_("Mass allocation"), "economic": N_("Economic allocation (by sales value)"),
    "single_product": N_("Single product: no allocation"),
}
_WORDS = {
    "functional_unit": N_("Functional unit"), "allocation": N_("Allocation"), "share": N_("Allocation share"),
    "footprint_kgco2e": N_("Carbon footprint (kgCO2e per functional unit)"),
    **{f"stage_{k}": v for k, v in STAGE_WORDS.items()},
    "gas_co2": N_("CO2 (kgCO2e per functional unit)"), "gas_pfc": N_("PFCs (kgCO2e per functional unit)"),
    "gas_co2e": N_("Gases of life-cycle factors (kgCO2e per functional unit)"),
    "dqr": N_("Data quality rating (DQR)"), "dqr_band": N_("Data quality level"),
    "primary_share": N_("Share of primary data"), "stage": N_("Life-cycle stage"), "factor": N_("Factor"),
    "factor_unit": N_("Factor unit"), "gas": N_("Gas"), "primary": N_("Primary data"),
    "te": N_("Technological representativeness (TeR)"), "ge": N_("Geographical representativeness (GeR)"),
    "ti": N_("Time representativeness (TiR)"), "p": N_("Precision (P)"), "rows": N_("Rows"),
    "note": N_("Note"), "no_factor": N_("Inputs without a factor (left out)"), "boundary_zh": N_("System boundary"),
    "rule_ref": N_("Product rule"), "facility_total_tco2e": N_("Facility-period emissions (tCO2e)"),
}


def _product(b: Boundary, p: ProductFootprint, run: FootprintRun) -> dict[str, Any]:
    return {
        "enterprise_id": b.enterprise_id, "facility_id": b.facility_id, "period": b.period, "product": p.product,
        "name_zh": p.name_zh, "name_en": p.name_en, "quantity": p.quantity, "unit": p.unit,
        "functional_unit": {"unit": p.functional_unit, "zh": p.functional_unit_zh, "en": p.functional_unit_en,
                            "quantity": p.quantity_fu},
        "allocation": b.allocation, "share": p.share, "bears_burden": p.bears_burden,
        "footprint_kgco2e_per_unit": p.footprint_kg, "by_stage_kgco2e_per_unit": p.by_stage,
        "by_gas_kgco2e_per_unit": p.by_gas,
        "rule": {"ref": p.rule.ref, "boundary_zh": p.rule.boundary_zh, "boundary_en": p.rule.boundary_en,
                 "allocation": p.rule.allocation, "source": p.rule.source,
                 "verification_status": p.rule.status} if p.rule else None,
        "data_quality": {"dqr": b.dqr, "level": run.band_name(b.dqr, zh=False), "level_zh": run.band_name(b.dqr, zh=True),
                         "criteria": b.criteria, "primary_data_share": b.primary_share,
                         "scheme": "DQR = (TeR + GeR + TiR + P) / 4, emissions-weighted (PEF method, "
                                   "Recommendation (EU) 2021/2279 Annex I); ratings per greenmfg/calc/footprint.py",
                         "left_out": [{"item": c.item, "quantity": c.quantity, "unit": c.unit} for c in b.missing],
                         "unverified": sorted({c.ref for c in b.unverified if c.ref})},
        "file": p.file, "row": p.row,
    }


def result_document(run: FootprintRun) -> dict[str, Any]:
    """The run as JSON: provenance, one result per product and period, the boundaries' derivation
    lines and the warnings."""
    return {
        "provenance": run.provenance(),
        "results": [_product(b, p, run) for b, p in run.products],
        "boundaries": [{"enterprise_id": b.enterprise_id, "facility_id": b.facility_id, "period": b.period,
                        "region": b.region, "industry": b.industry, "allocation": b.allocation,
                        "burden_tco2e": b.burden_t, "total_tco2e": b.total_t, "by_gas_tco2e": b.by_gas_t,
                        "lines": [c.as_dict() for c in b.contributions]} for b in run.boundaries],
        "warnings": [w.as_dict() | {"severity": w.severity} for w in run.warnings],
    }


def _words(translator: Translator, table: dict[str, str], key: str) -> str:
    return translator.gettext(table[key]) if key in table else key


def workbook_bytes(run: FootprintRun, *, locale: str = "zh-CN") -> bytes:
    """The footprint workbook: products, derivation lines, data quality, rules, warnings, datasets."""
    from openpyxl import Workbook

    t = export_translator(locale=locale)
    zh = locale.startswith("zh")
    book = Workbook(write_only=True)

    def sheet(title: str, keys: list[str], rows: list[list[Any]]) -> None:
        ws = book.create_sheet(title[:31])
        header_row(ws, column_words(keys, t, words=_WORDS))
        for row in rows:
            append_row(ws, row)

    stage_keys = [f"stage_{s}" for s in STAGES]
    sheet(t.gettext(N_("Product carbon footprints")),
          ["enterprise_id", "facility_id", "period", "product", "quantity", "unit", "functional_unit", "allocation",
           "share", "footprint_kgco2e", *stage_keys, "gas_co2", "gas_pfc", "gas_co2e", "dqr", "dqr_band",
           "primary_share", "unverified_refs"],
          [[b.enterprise_id, b.facility_id, b.period, p.name_zh if zh else p.name_en, p.quantity, p.unit,
            p.functional_unit_zh if zh else p.functional_unit_en, _words(t, ALLOCATION_WORDS, b.allocation), p.share,
            p.footprint_kg, *(p.by_stage[s] for s in STAGES), p.by_gas["co2"], p.by_gas["pfc"], p.by_gas["co2e"],
            b.dqr, run.band_name(b.dqr, zh=zh), b.primary_share, len({c.ref for c in b.unverified if c.ref})]
           for b, p in run.products])
    sheet(t.gettext(N_("Derivation lines")),
          ["facility_id", "period", "stage", "item", "quantity", "unit", "factor", "factor_unit", "co2e_t", "gas",
           "ref", "verification_status", "source", "primary", "te", "ge", "ti", "p", "dqr", "file", "rows", "note"],
          [[b.facility_id, b.period, _words(t, STAGE_WORDS, c.stage), c.name_zh if zh else c.name_en, c.quantity,
            c.unit, c.factor, c.factor_unit, c.co2e_t, _words(t, GAS_WORDS, c.gas), c.ref, c.status, c.source,
            t.gettext(N_("yes")) if c.primary else t.gettext(N_("no")), c.scores["te"], c.scores["ge"],
            c.scores["ti"], c.scores["p"], c.scores["dqr"], c.file, " ".join(str(r) for r in c.rows),
            c.note_zh if zh else c.note_en] for b in run.boundaries for c in b.contributions])
    sheet(t.gettext(N_("Data quality")),
          ["facility_id", "period", "facility_total_tco2e", "te", "ge", "ti", "p", "dqr", "dqr_band", "primary_share",
           "no_factor"],
          [[b.facility_id, b.period, b.total_t, b.criteria["te"], b.criteria["ge"], b.criteria["ti"], b.criteria["p"],
            b.dqr, run.band_name(b.dqr, zh=zh), b.primary_share,
            "; ".join(f"{c.name_zh if zh else c.name_en} {c.quantity:g} {c.unit}" for c in b.missing)]
           for b in run.boundaries])
    rules = {p.rule.key: p.rule for _b, p in run.products if p.rule}
    sheet(t.gettext(N_("Product rules")),
          ["rule_ref", "product", "functional_unit", "boundary_zh", "allocation", "source", "verification_status"],
          [[r.ref, r.name_zh if zh else r.name_en, r.functional_unit_zh if zh else r.functional_unit_en,
            r.boundary_zh if zh else r.boundary_en, r.allocation_zh if zh else r.allocation_en, r.source, r.status]
           for r in rules.values()])
    sheet(t.gettext(N_("Warnings")), ["code", "message", "file", "row"],
          [[w.code, w.message_zh if zh else w.message, w.file, w.row] for w in run.warnings])
    provenance = run.provenance()
    sheet(t.gettext(N_("Datasets")), ["key", "title", "source"],
          [[d["id"], d["title_zh"] if zh else d["title"], d["sha256"]] for d in provenance["footprint_datasets"]]
          + [[d["id"], d["title_zh"] if zh else d["title"], d["sha256"]]
             for d in provenance["accounting"]["datasets"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(run: FootprintRun, path: Path, *, locale: str = "zh-CN") -> None:
    path.write_bytes(workbook_bytes(run, locale=locale))
