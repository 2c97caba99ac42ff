"""The workbook of a scenario run: headers in words, keys kept as defined names (:mod:`greenmfg.exports`)."""

from __future__ import annotations

import io
from typing import Any

from greenmfg.exports import append_row, column_words, export_translator, header_row, sheet_title
from greenmfg.i18n import N_
from greenmfg.pathways.scenarios import PathwayRun
from greenmfg.refdata.words import in_words, key_name, status_name, unit_name

__all__ = ["SOURCE_WORDS", "TARGET_WORDS", "workbook_bytes", "write_industries"]

#: emission sources in words (Chinese in ``pathways.po``)
SOURCE_WORDS = {"combustion": N_("Fuel combustion (tCO2)"), "electricity": N_("Purchased electricity (tCO2)"),
                "process": N_("Industrial processes (tCO2)"), "captured": N_("Captured by CCUS (tCO2)")}
TARGET_WORDS = {"peak_by": N_("Emissions peak by"), "intensity_reduction": N_("Carbon-intensity reduction"),
                "energy_intensity_reduction": N_("Energy-intensity reduction"), "budget": N_("Carbon budget"),
                "cap": N_("Emissions cap")}
_WORDS = {
    "scenario": N_("Scenario"), "sector": N_("Sector"), "route": N_("Route"),
    "energy_tce": N_("Energy consumption (tce)"), "total_tco2": N_("Net emissions (tCO2)"),
    **{f"emissions_{k}": v for k, v in SOURCE_WORDS.items()},
    "grid_factor": N_("Grid emission factor (tCO2/MWh)"), "value_added": N_("Value added"),
    "carbon_intensity": N_("Carbon intensity (tCO2 per unit of value added)"),
    "output_value": N_("Output"), "intensity_per_output": N_("Emissions per unit of output (tCO2)"),
    "energy_intensity_route": N_("Energy intensity (kgce per unit of output)"),
    "peak_year": N_("Peak year"), "peak_tco2": N_("Peak emissions (tCO2)"), "peaked": N_("Peaked within the horizon"),
    "plateau_start": N_("Plateau from"), "plateau_end": N_("Plateau to"),
    "cumulative_tco2": N_("Cumulative emissions (tCO2)"), "target": N_("Pathway target"), "target_year": N_("Target year"),
    "required": N_("Required (ratio, tCO2 or latest year)"), "achieved": N_("Achieved"), "met": N_("Met"),
    "probability": N_("Probability met (Monte Carlo)"), "p5": N_("5th percentile"), "p50": N_("Median"),
    "p95": N_("95th percentile"), "peak_probability": N_("Probability of having peaked"),
    "quantity_name": N_("Quantity"), "fuel": N_("Fuel"), "industry": N_("Industry"),
    "base_tco2": N_("Base-year emissions (tCO2)"), "emissions_2030": N_("Emissions in 2030 (tCO2)"),
    "emissions_2035": N_("Emissions in 2035 (tCO2)"),
    "intensity_change": N_("Change of the emissions per unit of output, base year to 2030"),
    "peak_deadline": N_("Peak deadline"), "deadline_year": N_("Peak by"), "deadline_met": N_("Peak deadline met"),
    "what": N_("What the value is"),
}


def workbook_bytes(run: PathwayRun, *, locale: str = "zh-CN") -> bytes:
    """Pathways per year, sectors and routes, peaks, targets, bands, references and warnings."""
    from openpyxl import Workbook

    t = export_translator(locale=locale)
    zh = locale.startswith("zh")
    book = Workbook(write_only=True)

    def sheet(title: str, keys: list[str], rows: list[list[Any]]) -> None:
        ws = book.create_sheet(sheet_title(title, t))
        header_row(ws, column_words(keys, t, words=_WORDS))
        for row in rows:
            append_row(ws, row)

    def name(item: Any) -> str:
        return str(item.name_zh if zh else item.name_en)

    yes, no = t.gettext(N_("yes")), t.gettext(N_("no"))
    sectors = {x.key: name(x) for s in run.scenarios[:1] for x in s.sectors}
    sheet(N_("Pathways"),
          ["scenario", "year", "energy_tce", *(f"emissions_{k}" for k in SOURCE_WORDS), "total_tco2", "grid_factor",
           "value_added", "carbon_intensity"],
          [[name(s), y, s.energy_tce[i], *(s.emissions_tco2[k][i] for k in SOURCE_WORDS), s.total_tco2[i],
            s.grid_factor[i], s.value_added[i] if s.value_added else None,
            s.carbon_intensity[i] if s.carbon_intensity else None]
           for s in run.scenarios for i, y in enumerate(s.years)])
    sheet(N_("Sectors and routes"),
          ["scenario", "sector", "route", "year", "output_value", "unit", "energy_tce", "total_tco2",
           "intensity_per_output", "energy_intensity_route"],
          [[name(s), name(x), "", y, x.output[i], x.unit, x.energy_tce[i], x.total_tco2[i], x.intensity[i], None]
           for s in run.scenarios for x in s.sectors for i, y in enumerate(s.years)]
          + [[name(s), name(x), r["name_zh"] if zh else r["name_en"], y, r["output"][i], x.unit, r["energy_tce"][i],
              r["total_tco2"][i], r["total_tco2"][i] / r["output"][i] if r["output"][i] else None,
              r["energy_intensity_kgce_per_unit"][i]]
             for s in run.scenarios for x in s.sectors for r in x.routes for i, y in enumerate(s.years)])
    sheet(N_("Energy by fuel"), ["scenario", "fuel", "key", "year", "energy_tce"],
          [[name(s), key_name(fuel, zh=zh), fuel, y, values[i]] for s in run.scenarios
           for fuel, values in s.energy_by_fuel_tce.items() for i, y in enumerate(s.years)])
    sheet(N_("Peak and plateau"),
          ["scenario", "peak_year", "peak_tco2", "peaked", "plateau_start", "plateau_end", "cumulative_tco2"],
          [[name(s), s.peak_year, s.peak_tco2, yes if s.peaked else no, s.plateau[0], s.plateau[1], s.cumulative_tco2]
           for s in run.scenarios])
    sheet(N_("Targets"),
          ["scenario", "target", "sector", "target_year", "required", "achieved", "met", "probability", "ref",
           "verification_status", "notes"],
          [[name(s), c.name_zh if zh else c.name_en, sectors.get(c.scope, c.scope), c.year, c.required, c.achieved,
            "" if c.met is None else (yes if c.met else no), c.probability, c.ref or "", status_name(c.status, zh=zh),
            c.note_zh if zh else c.note_en] for s in run.scenarios for c in s.targets])
    write_industries(book, run, locale=locale)
    banded = [s for s in run.scenarios if s.uncertainty is not None]
    if banded:
        rows: list[list[Any]] = []
        for s in banded:
            u = s.uncertainty
            assert u is not None
            for i, y in enumerate(s.years):
                rows.append([name(s), y, u.total_tco2.p5[i], u.total_tco2.p50[i], u.total_tco2.p95[i],
                             u.peak_probability[i]])
        sheet(N_("Uncertainty bands"),
              ["scenario", "year", "p5", "p50", "p95", "peak_probability"], rows)
    if run.derivation:
        sheet(N_("Where the values come from"), ["sector", "what", "value", "unit", "source", "ref"],
              [[sectors.get(d["sector"], d["sector"]) if d["sector"] else t.gettext(N_("All sectors")),
                in_words(d["what_zh"] if zh else d["what"], zh=zh), d["value"], unit_name(d["unit"], zh=zh),
                d["source_zh"] if zh else d["source"], d["ref"]] for d in run.derivation])
    sheet(N_("Reference values"), ["ref", "value", "unit", "verification_status", "source"],
          [[r.ref, r.value, r.unit, status_name(r.status, zh=zh), r.source] for r in run.references])
    sheet(N_("Warnings"), ["code", "message", "file", "row"],
          [[w.code, in_words(w.message_zh if zh else w.message, zh=zh), w.file, w.row] for w in run.warnings])
    sheet(N_("Datasets"), ["key", "title", "source"],
          [[d["id"], d["title_zh"] if zh else d["title"], d["sha256"]] for d in run.datasets])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_industries(book: Any, run: PathwayRun, *, locale: str = "zh-CN") -> None:
    """The industries of each scenario side by side (a run whose sectors name their industry): base-year
    emissions, peak, the emissions of 2030 and 2035, the change of the emissions per unit of output and
    the peak deadline (:func:`greenmfg.pathways.stored_scenario.industry_table`). Nothing without industries."""
    from greenmfg.pathways.stored_scenario import industry_table

    if not any(s.industries for s in run.scenarios):
        return
    t = export_translator(locale=locale)
    zh = locale.startswith("zh")
    yes, no = t.gettext(N_("yes")), t.gettext(N_("no"))
    ws = book.create_sheet(sheet_title(N_("Industries side by side"), t))
    header_row(ws, column_words(["scenario", "industry", "unit", "base_tco2", "peak_year", "peaked", "emissions_2030",
                                 "emissions_2035", "intensity_change", "cumulative_tco2", "peak_deadline",
                                 "deadline_year", "deadline_met", "verification_status", "ref"], t, words=_WORDS))
    for row in industry_table(run):
        deadline = row["deadline"]
        append_row(ws, [row["scenario_zh"] if zh else row["scenario_en"], key_name(row["industry"], zh=zh),
                        unit_name(row["unit"], zh=zh) if row["unit"] else "", row["base_tco2"],
                        row["peak_year"] if row["peaked"] else None, yes if row["peaked"] else no,
                        row["emissions"].get(2030), row["emissions"].get(2035), row["intensity_change"],
                        row["cumulative_tco2"], (deadline["name_zh"] if zh else deadline["name_en"]) if deadline else "",
                        deadline["year"] if deadline else None,
                        "" if row["deadline_met"] is None else (yes if row["deadline_met"] else no),
                        status_name(deadline["status"], zh=zh) if deadline else "", deadline["ref"] if deadline else ""])
