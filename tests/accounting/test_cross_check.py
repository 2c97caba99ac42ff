"""Cross-check: the relational engine against a plain row-by-row computation from the raw datasets."""

from __future__ import annotations

import random

import pytest

from greenmfg.accounting.output import result_document
from greenmfg.accounting.service import account
from greenmfg.refdata import load_catalog, load_vocabulary
from greenmfg.units import conversion_factor

from ..conftest import WriteRows

FUELS = ["原煤", "烟煤", "无烟煤", "焦炭", "柴油", "燃料油", "液化石油气", "天然气", "焦炉煤气"]
UNITS = {"t": ["t", "吨", "kg", "万吨"], "10^4 Nm3": ["万立方米", "Nm3", "10^4 Nm3"]}


def _value(dataset_ids: list[str], key: str, parameter: str, target: str) -> float | None:
    for dataset_id in dataset_ids:
        row = load_catalog().dataset(dataset_id).get(key, parameter)
        if row is not None and row.value is not None:
            return row.value * conversion_factor(row.unit, target)
    return None


def test_engine_matches_row_by_row_computation(write_rows: WriteRows) -> None:
    vocabulary = load_vocabulary()
    rng = random.Random(7)
    rows: list[dict[str, object]] = []
    expected_energy = expected_co2 = 0.0
    # the fixture's enterprise is a steel plant: its methodology's own table (NDRC 2013 steel
    # guideline), then the general tables for fuels that table lacks
    fuel_sets = ["fuel_parameters/ndrc-steel-2013", "fuel_parameters/gbt32151.22-2024",
                 "fuel_parameters/ndrc-app-defaults", "fuel_parameters/greenmfg-proxies-2026.1"]
    for index in range(40):
        name = rng.choice(FUELS)
        key = vocabulary.item_names.resolve(name)
        assert key is not None
        item = vocabulary.item(key)
        unit = rng.choice(UNITS[item.canonical_unit])
        quantity = round(rng.uniform(1, 500), 3)
        rows.append({"facility_id": f"F{index % 3}", "item": name, "quantity": quantity, "unit": unit,
                     "flow": "消耗", "period": f"2024-{index // 3 % 12 + 1:02d}"})
        q = quantity * conversion_factor(unit, item.canonical_unit)
        ncv = _value(fuel_sets, key, "ncv", f"GJ/({item.canonical_unit})")
        cc = _value(fuel_sets, key, "carbon_content", "tC/GJ")
        of = _value(fuel_sets, key, "oxidation_rate", "1")
        assert ncv and cc and of
        coefficient = _value(["energy_coefficients/gbt2589-2020"], key, "coefficient", f"tce/({item.canonical_unit})")
        expected_energy += q * (coefficient if coefficient is not None else ncv / 29.3076)
        expected_co2 += q * ncv * cc * of * 44 / 12
    for index in range(12):
        mwh = round(rng.uniform(10, 1000), 2)
        rows.append({"facility_id": f"F{index % 3}", "item": "电力", "quantity": mwh * 10, "unit": "千瓦时",
                     "flow": "外购", "period": f"2024-{index + 1:02d}"})
        # 10 × kWh figure: quantity above is in kWh, so MWh = quantity / 1000
        expected_energy += mwh * 10 / 1000 * 0.1229
        expected_co2 += mwh * 10 / 1000 * 0.5306
    document = result_document(account(write_rows(rows)))
    energy = sum(r["energy_tce"] for r in document["results"])
    co2 = sum(r["emissions_tco2e"]["total"] for r in document["results"])
    assert energy == pytest.approx(expected_energy, rel=1e-9)
    assert co2 == pytest.approx(expected_co2, rel=1e-9)
    # and the lines add up to the results
    for result in document["results"]:
        assert sum(line["co2e_t"] for line in result["lines"]) == pytest.approx(
            result["emissions_tco2e"]["total"], rel=1e-9, abs=1e-6)
        assert sum(line["energy_tce"] for line in result["lines"]) == pytest.approx(
            result["energy_tce"], rel=1e-9, abs=1e-6)
