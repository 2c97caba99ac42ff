"""Tests of the synthetic demo-region generator (small regions, so they run in seconds)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from greenmfg.demo import ERROR_KINDS, TEMPLATE_COLUMNS, generate_region, write_region
from greenmfg.errors import UnitError
from greenmfg.refdata import load_vocabulary
from greenmfg.units import conversion_factor

HEAVY_INDUSTRIES = {"steel", "cement", "flat_glass", "electrolytic_aluminium", "chemicals"}
PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
NUMBER_COLUMNS = ("quantity", "ncv", "carbon_content", "oxidation_rate", "steam_pressure", "steam_temperature")
TEXT_COLUMNS = [c for c in TEMPLATE_COLUMNS if c not in NUMBER_COLUMNS]


@pytest.fixture(scope="module")
def region() -> pa.Table:
    return generate_region(enterprises=60, months=6, seed=7)


@pytest.fixture(scope="module")
def region_with_errors() -> pa.Table:
    return generate_region(enterprises=60, months=6, seed=7, with_errors=True)


def _records(table: pa.Table) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = table.to_pylist()
    return records


def _error_counts(table: pa.Table) -> Counter[str]:
    """Count, independently of the generator, the rows showing each error kind."""
    vocabulary = load_vocabulary()
    found: Counter[str] = Counter()
    seen: set[tuple[object, ...]] = set()
    for row in _records(table):
        values = tuple(row[c] for c in TEMPLATE_COLUMNS)
        if values in seen:
            found["duplicate_row"] += 1
        seen.add(values)
        key = vocabulary.item_names.resolve(row["item"])
        if key is None:
            found["unknown_item"] += 1
        else:
            item = vocabulary.items[key]
            try:
                conversion_factor(str(row["unit"]), item.canonical_unit, what=key)
            except UnitError:
                found["unit_mismatch"] += 1
            if row["flow"] not in item.allowed_flows:
                found["disallowed_flow"] += 1
        try:
            quantity = float(str(row["quantity"]))
        except ValueError:
            found["non_numeric_quantity"] += 1
        else:
            if quantity < 0:
                found["negative_quantity"] += 1
        if not PERIOD.fullmatch(str(row["period"])):
            found["bad_period"] += 1
    return found


def test_same_seed_gives_the_same_table() -> None:
    first = generate_region(enterprises=15, months=3, seed=42)
    second = generate_region(enterprises=15, months=3, seed=42)
    assert first.num_rows > 0
    assert first.equals(second, check_metadata=True)


def test_different_seeds_give_different_tables() -> None:
    first = generate_region(enterprises=15, months=3, seed=1)
    second = generate_region(enterprises=15, months=3, seed=2)
    assert not first.equals(second)
    assert first.column("quantity").to_pylist() != second.column("quantity").to_pylist()


def test_columns_and_types(region: pa.Table) -> None:
    assert tuple(region.column_names) == TEMPLATE_COLUMNS
    for name in TEXT_COLUMNS:
        assert region.schema.field(name).type == pa.string(), name
    for name in NUMBER_COLUMNS:
        assert region.schema.field(name).type == pa.float64(), name
    for name in ("enterprise_id", "enterprise_name", "industry", "region", "facility_id", "period",
                 "item", "quantity", "unit", "flow"):
        assert region.column(name).null_count == 0, name
    assert all(PERIOD.fullmatch(p) for p in set(region.column("period").to_pylist()))
    vocabulary = load_vocabulary()
    assert set(region.column("region").to_pylist()) <= set(vocabulary.regions)
    assert all(vocabulary.industry_names.resolve(i) for i in set(region.column("industry").to_pylist()))


def test_measured_fuel_parameters_are_a_plausible_minority(region: pa.Table) -> None:
    vocabulary = load_vocabulary()
    fuel_rows = [r for r in _records(region)
                 if vocabulary.items[vocabulary.item_names.resolve(r["item"]) or ""].kind == "fuel"
                 and r["flow"] in ("consumed", "feedstock", "purchased")]
    measured = [r for r in fuel_rows if r["ncv"] is not None]
    assert 0 < len(measured) < 0.5 * len(fuel_rows)
    for row in measured:
        key = vocabulary.item_names.resolve(row["item"]) or ""
        canonical = vocabulary.items[key].canonical_unit
        ncv = float(row["ncv"]) * conversion_factor(str(row["ncv_unit"]), f"GJ/({canonical})")
        assert (1.0 if canonical == "t" else 20.0) < ncv < (60.0 if canonical == "t" else 600.0)
        if row["carbon_content"] is not None:
            carbon = float(row["carbon_content"]) * conversion_factor(
                str(row["carbon_content_unit"]), "tC/GJ")
            assert 0.010 < carbon < 0.080
        if row["oxidation_rate"] is not None:
            assert 0.8 < float(row["oxidation_rate"]) < 1.0
    unmeasured = [r for r in _records(region) if r["ncv"] is None]
    assert all(r["ncv_unit"] is None for r in unmeasured)


def test_every_item_name_resolves(region: pa.Table) -> None:
    names = load_vocabulary().item_names
    items = set(region.column("item").to_pylist())
    assert len(items) > 20  # Chinese, English and alias spellings
    assert [i for i in items if names.resolve(i) is None] == []


def test_every_unit_converts_to_the_canonical_unit(region: pa.Table) -> None:
    vocabulary = load_vocabulary()
    pairs = set(zip(region.column("item").to_pylist(), region.column("unit").to_pylist(),
                    strict=True))
    units = {u for _, u in pairs}
    assert {"万千瓦时", "kWh", "吨", "t"} <= units
    for item_text, unit in pairs:
        key = vocabulary.item_names.resolve(item_text)
        assert key is not None
        factor = conversion_factor(unit, vocabulary.items[key].canonical_unit, what=key)
        assert factor > 0


def test_every_flow_is_allowed_for_its_item(region: pa.Table) -> None:
    vocabulary = load_vocabulary()
    pairs = set(zip(region.column("item").to_pylist(), region.column("flow").to_pylist(),
                    strict=True))
    bad = [(i, f) for i, f in pairs
           if f not in vocabulary.items[vocabulary.item_names.resolve(i) or ""].allowed_flows]
    assert bad == []


def test_quantities_are_positive_and_finite(region: pa.Table) -> None:
    quantities = region.column("quantity").to_pylist()
    assert all(math.isfinite(q) and q > 0 for q in quantities)


def test_ten_enterprises_include_all_heavy_industries() -> None:
    table = generate_region(enterprises=10, months=2, seed=3)
    vocabulary = load_vocabulary()
    industries = {vocabulary.industry_names.resolve(i) for i in table.column("industry").to_pylist()}
    assert industries >= HEAVY_INDUSTRIES
    assert len(set(table.column("enterprise_id").to_pylist())) == 10
    products = {vocabulary.item_names.resolve(i)
                for i, f in zip(table.column("item").to_pylist(), table.column("flow").to_pylist(),
                                strict=True) if f == "produced"}
    assert {"crude_steel", "clinker", "flat_glass", "aluminium_liquid", "ammonia"} <= products


def test_unit_energy_consumption_spreads_around_benchmark_levels() -> None:
    """Aluminium AC electricity [kWh/t] and clinker coal+power [kgce/t] straddle the levels."""
    table = generate_region(enterprises=40, months=12, seed=11)
    vocabulary = load_vocabulary()
    output: dict[str, float] = {}
    electricity: dict[str, float] = {}
    for row in _records(table):
        key = vocabulary.item_names.resolve(row["item"]) or ""
        canonical = vocabulary.items[key].canonical_unit
        value = float(row["quantity"]) * conversion_factor(str(row["unit"]), canonical)
        if key == "aluminium_liquid":
            output[row["facility_id"]] = output.get(row["facility_id"], 0.0) + value
        elif key == "electricity":
            kwh = value * 1000.0
            electricity[row["facility_id"]] = electricity.get(row["facility_id"], 0.0) + kwh
    intensities = [electricity[f] / output[f] for f in output]
    assert intensities
    assert all(12_300 < i < 14_000 for i in intensities)


def test_with_errors_injects_every_kind(region_with_errors: pa.Table) -> None:
    assert region_with_errors.schema.field("quantity").type == pa.string()
    found = _error_counts(region_with_errors)
    assert {kind: found[kind] >= 1 for kind in ERROR_KINDS} == dict.fromkeys(ERROR_KINDS, True)
    periods = set(region_with_errors.column("period").to_pylist())
    assert any(p.endswith("-13") for p in periods) and any("/" in p for p in periods)
    metadata = json.loads(region_with_errors.schema.metadata[b"greenmfg.demo"])
    injected = metadata["errors"]
    assert set(injected) == set(ERROR_KINDS)
    total = sum(len(rows) for rows in injected.values())
    assert max(5, 0.004 * region_with_errors.num_rows) <= total <= 0.006 * region_with_errors.num_rows + 7
    names = load_vocabulary().item_names
    items = region_with_errors.column("item").to_pylist()
    assert all(names.resolve(items[i]) is None for i in injected["unknown_item"])
    records = _records(region_with_errors)
    for i in injected["duplicate_row"]:
        assert records[i] == records[i - 1]


def test_without_errors_there_is_no_error(region: pa.Table) -> None:
    assert sum(_error_counts(region).values()) == 0
    metadata = json.loads(region.schema.metadata[b"greenmfg.demo"])
    assert metadata["errors"] == {}


def test_rows_per_enterprise_month_near_seventeen() -> None:
    small = generate_region(enterprises=300, months=4, seed=5)
    large = generate_region(enterprises=900, months=4, seed=5)
    for table, enterprises in ((small, 300), (large, 900)):
        per_enterprise_month = table.num_rows / enterprises / 4
        assert 17 * 0.7 <= per_enterprise_month <= 17 * 1.3, per_enterprise_month
    assert 2.4 <= large.num_rows / small.num_rows <= 3.6


def test_invalid_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_region(enterprises=0, months=12, seed=1)
    with pytest.raises(ValueError):
        generate_region(enterprises=5, months=0, seed=1)


def test_write_region_parquet_and_csv(tmp_path: Path, region: pa.Table) -> None:
    [parquet] = write_region(region, tmp_path, "parquet")
    assert parquet == tmp_path / "activity.parquet"
    assert pq.read_table(parquet).equals(region)
    [csv] = write_region(region, tmp_path / "csv", "csv")
    assert csv == tmp_path / "csv" / "activity.csv"
    header = csv.read_text(encoding="utf-8").splitlines()[0]
    assert header.replace('"', "").split(",") == list(TEMPLATE_COLUMNS)
    back = pa_csv.read_csv(csv, convert_options=pa_csv.ConvertOptions(
        column_types={c: pa.string() for c in TEXT_COLUMNS}))
    assert back.num_rows == region.num_rows
    assert back.column("item").to_pylist() == region.column("item").to_pylist()
    with pytest.raises(ValueError):
        write_region(region, tmp_path / "other", "xlsx")  # type: ignore[arg-type]
    assert not (tmp_path / "other").exists()


def test_steam_rows_and_only_they_carry_a_steam_state(region: pa.Table) -> None:
    """Steam needs its state for its emissions (enthalpy − 83.74 kJ/kg, NDRC guidelines)."""
    vocabulary = load_vocabulary()
    items = [vocabulary.item_names.resolve(t) for t in region.column("item").to_pylist()]
    pressures = region.column("steam_pressure").to_pylist()
    temperatures = region.column("steam_temperature").to_pylist()
    steam = [i == "steam" for i in items]
    assert any(steam)
    assert all((p is not None) == s for p, s in zip(pressures, steam, strict=True))
    assert all(t is None or s for t, s in zip(temperatures, steam, strict=True))
    assert any(t is not None for t in temperatures)  # some superheated steam
