"""Compiled plans: built once per process for an input shape, options and reference data; a run
with other options or other reference data never reuses them."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from greenmfg.accounting import AccountingOptions, account_table, result_document, service
from greenmfg.accounting.plans import plan_fingerprint, plans
from greenmfg.refdata.catalog import DATA_ROOT, load_catalog

from ..conftest import BASE, HEADER

ROWS = [
    {"item": "原煤", "quantity": "1200", "unit": "吨", "flow": "消耗"},
    {"item": "电力", "quantity": "5000", "unit": "千瓦时", "flow": "外购"},
    {"item": "熟料", "quantity": "700", "unit": "t", "flow": "产出"},
]


def _table(rows: list[dict[str, str]], **override: str) -> pa.Table:
    full = [{h: {**BASE, **override, **r}.get(h) for h in HEADER} for r in rows]
    return pa.Table.from_pylist(full, schema=pa.schema([(h, pa.string()) for h in HEADER]))


@pytest.fixture(autouse=True)
def fresh_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """No plan of an earlier test, none on disk, no remembered parameter set: what compiles here is
    counted."""
    monkeypatch.setattr(plans, "folder", None)
    monkeypatch.setattr(service, "_SET_ROWS", {})
    plans.clear()


def test_a_second_run_of_the_same_shape_compiles_nothing() -> None:
    first = result_document(account_table(_table(ROWS)))
    compiled = plans.compiled
    # other enterprise, other numbers, other spellings of the same columns: the same plans
    other = _table([{**r, "quantity": str(float(r["quantity"]) * 2)} for r in ROWS],
                   enterprise_id="E9", period="2023-05", region="江苏")
    second = result_document(account_table(other))
    assert plans.compiled == compiled
    assert second["results"][0]["energy_tce"] == pytest.approx(2 * first["results"][0]["energy_tce"])
    assert (second["results"][0]["enterprise_id"], second["results"][0]["period"]) == ("E9", "2023-05")


def test_other_options_get_plans_of_their_own() -> None:
    equivalent = result_document(account_table(_table(ROWS)))
    compiled = plans.compiled
    equal_value = result_document(account_table(_table(ROWS), AccountingOptions(electricity_basis="equal-value")))
    assert plans.compiled > compiled
    assert equal_value["results"][0]["energy_tce"] > equivalent["results"][0]["energy_tce"]


def test_changed_reference_data_never_reuses_a_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = result_document(account_table(_table(ROWS)))
    # a copy of the reference library with the national grid factor changed (and its hash in the catalog)
    root = tmp_path / "data"
    shutil.copytree(DATA_ROOT, root)
    grid = root / "grid_factors" / "mee-nbs-2023.csv"
    old_hash = hashlib.sha256(grid.read_bytes()).hexdigest()
    text = grid.read_text(encoding="utf-8").replace("CN,ef,0.5306,", "CN,ef,0.6306,", 1)
    grid.write_text(text, encoding="utf-8")
    catalog_file = root / "catalog.toml"
    catalog_file.write_text(catalog_file.read_text(encoding="utf-8").replace(
        old_hash, hashlib.sha256(grid.read_bytes()).hexdigest()), encoding="utf-8")
    changed = load_catalog(root)
    assert plan_fingerprint(changed) != plan_fingerprint(load_catalog())
    monkeypatch.setattr(service, "load_catalog", lambda: changed)
    compiled = plans.compiled
    after = result_document(account_table(_table(ROWS)))
    assert plans.compiled > compiled  # compiled afresh for the new reference data
    electricity = 5000 / 1000  # MWh
    difference = after["results"][0]["emissions_tco2e"]["scope2"] - before["results"][0]["emissions_tco2e"]["scope2"]
    assert difference == pytest.approx(electricity * (0.6306 - 0.5306))


def test_remembered_parameter_sets_give_what_a_fresh_computation_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    result_document(account_table(_table(ROWS)))  # these sets are remembered now
    more = [*ROWS, {"item": "天然气", "quantity": "12", "unit": "万立方米", "flow": "消耗", "ncv": "38.9",
                    "ncv_unit": "GJ/10^4 Nm3"},
            {"item": "原煤", "quantity": "10", "unit": "t", "flow": "消耗", "region": "广东", "enterprise_id": "E2",
             "enterprise_name": "二厂"}]
    partly_remembered = result_document(account_table(_table(more)))["results"]
    monkeypatch.setattr(service, "_SET_ROWS", {})
    fresh = result_document(account_table(_table(more)))["results"]
    assert partly_remembered == fresh
    assert [len(r["lines"]) for r in fresh] == [4, 1]


def test_plans_on_disk_serve_a_new_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plans, "folder", tmp_path)
    start = plans.compiled
    first = result_document(account_table(_table(ROWS)))
    compiled = plans.compiled - start
    assert compiled > 0 and len(list(tmp_path.glob("*.json"))) == compiled
    plans.clear()  # as a new process: nothing in memory
    again = result_document(account_table(_table(ROWS)))
    assert plans.compiled - start == compiled  # every plan read from disk
    assert again["results"] == first["results"]
    for path in tmp_path.glob("*.json"):  # damaged files are compiled again, never used
        path.write_text("{not json", encoding="utf-8")
    plans.clear()
    assert result_document(account_table(_table(ROWS)))["results"] == first["results"]
    assert plans.compiled - start >= 2 * compiled - 1  # all again (the parameter sets are remembered)


def test_a_plan_that_does_not_fit_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plans, "folder", tmp_path)
    first = result_document(account_table(_table(ROWS)))
    spoilt = 0
    for path in tmp_path.glob("*.json"):  # plans that read a table no connection has
        stored = json.loads(path.read_text(encoding="utf-8"))
        if '"greenmfg_map_lines"' in stored["sql"]:
            stored["sql"] = stored["sql"].replace('"greenmfg_map_lines"', '"greenmfg_gone"')
            path.write_text(json.dumps(stored), encoding="utf-8")
            spoilt += 1
    assert spoilt
    plans.clear()
    assert result_document(account_table(_table(ROWS)))["results"] == first["results"]
    assert not any("greenmfg_gone" in p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json"))


def _lines(document: dict[str, object]) -> list[tuple[str, str, str, int]]:
    return [(r["enterprise_id"], r["facility_id"], r["period"], len(r["lines"]))  # type: ignore[index]
            for r in document["results"]]  # type: ignore[attr-defined]


def test_runs_held_in_memory_and_files_on_one_engine_keep_their_own_lines(tmp_path: Path) -> None:
    """An input held in memory reads its lines from a table of them; a file computes them in the plans
    that read them. The two kinds of run, one after the other on one engine and sharing the plan
    cache, each give their own lines (the plans of one never serve the other)."""
    from greenmfg.accounting import account
    from greenmfg.accounting.reader import InputFile
    from greenmfg.accounting.service import connect

    held = _table(ROWS, enterprise_id="EA")
    file_rows = _table(ROWS, enterprise_id="EB")  # the same shape: the same tables put on the engine
    path = tmp_path / "b.csv"
    import pyarrow.csv as pacsv

    pacsv.write_csv(file_rows, path)
    con = connect()
    upload = InputFile("a.csv", _csv_bytes(held))
    first = account(upload, engine=con)
    assert first.lines_kept
    assert _lines(result_document(first)) == [("EA", "F1", BASE["period"], 3)]
    second = account(path, engine=con)
    assert not second.lines_kept
    assert _lines(result_document(second)) == [("EB", "F1", BASE["period"], 3)]
    assert {r["enterprise_id"] for r in second.lines.to_pyarrow().to_pylist()} == {"EB"}


def _csv_bytes(table: pa.Table) -> bytes:
    import io

    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()
