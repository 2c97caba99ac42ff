"""The fast path: clean input is accounted without the detailed check, and gives what the detailed
check's canonical rows give; any issue still sends the input through the detailed check."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenmfg.accounting import service
from greenmfg.accounting.output import LINE_COLUMNS, result_document, write_parquet
from greenmfg.accounting.reader import read_activity
from greenmfg.accounting.service import AccountingRun, account, connect
from greenmfg.accounting.validation import validate_activity
from greenmfg.calc.accounting import activity_lines, facility_sums, facility_totals
from greenmfg.errors import ValidationFailed
from greenmfg.refdata import load_vocabulary

from ..conftest import HEADER, WriteRows

KEYS = ["enterprise_id", "facility_id", "period"]
# a facility-month with measured parameters, spelling variants, a product and exported heat
MIXED: list[dict[str, object]] = [
    {"item": "原煤", "quantity": "1,200.5", "unit": "吨", "flow": "消耗", "ncv": 21.5, "ncv_unit": "GJ/t",
     "oxidation_rate": "95%"},
    {"item": "raw coal", "quantity": 300, "unit": "kg", "flow": "consumed"},
    {"item": "焦炭", "quantity": 80, "unit": "t", "flow": "消耗", "carbon_content": 0.0285,
     "carbon_content_unit": "tC/GJ"},
    {"item": "天然气", "quantity": 12, "unit": "万立方米", "flow": "消耗"},
    {"item": "电力", "quantity": 5000, "unit": "千瓦时", "flow": "外购"},
    {"item": "热力", "quantity": 300, "unit": "GJ", "flow": "输出"},
    {"item": "石灰石", "quantity": 900, "unit": "t", "flow": "工艺"},
    {"item": "熟料", "quantity": 700, "unit": "t", "flow": "产出"},
    {"item": "原煤", "quantity": 50, "unit": "t", "flow": "消耗", "facility_id": "F2"},
    {"item": "电力", "quantity": 2, "unit": "MWh", "flow": "外购", "facility_id": "F2", "period": "2024-02"},
    {"item": "电力", "quantity": 7, "unit": "MWh", "flow": "外购", "enterprise_id": "E2", "region": "江苏",
     "enterprise_name": "二厂"},
]


@pytest.fixture
def detailed_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names the detailed check each time the service runs it."""
    calls: list[str] = []
    real = service.validate_activity

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append("validate_activity")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "validate_activity", spy)
    return calls


def _sorted(table: Any, keys: list[str]) -> list[dict[str, Any]]:
    return list(table.order_by(keys).to_pyarrow().to_pylist())


def _detailed_totals(path: Path) -> tuple[AccountingRun, list[dict[str, Any]]]:
    """The fast run, and the totals summed from the detailed check's canonical rows."""
    con = connect()
    run = account(path, engine=con)
    activity = validate_activity(read_activity(path, con), load_vocabulary())
    expected = facility_totals(facility_sums(activity_lines(activity, run.parameter_sets)))
    return run, _sorted(expected, KEYS)


def test_clean_input_skips_the_detailed_check_and_matches_it(write_rows: WriteRows,
                                                              detailed_checks: list[str]) -> None:
    run, expected = _detailed_totals(write_rows(MIXED))
    assert detailed_checks == []  # account() itself never needed it
    assert _sorted(run.totals, KEYS) == expected
    assert len(expected) == 4


def test_identifiers_with_spaces_around_them(write_rows: WriteRows, detailed_checks: list[str]) -> None:
    padded = [{**row, "enterprise_id": f"{space}{row.get('enterprise_id', 'E1')}",
               "facility_id": f"{row.get('facility_id', 'F1')}{space}", "enterprise_name": f" {space}示例企业"}
              for row, space in zip(MIXED, [" ", "\t", "\n", "\r", "\x0b", "\x0c"] * 2, strict=False)]
    for row in padded:  # E2 keeps its own name
        if row["enterprise_id"].strip() == "E2":  # type: ignore[union-attr]
            row["enterprise_name"] = " 二厂"
    run, expected = _detailed_totals(write_rows(padded))
    plain_run, plain_expected = _detailed_totals(write_rows(MIXED, name="plain.csv"))
    assert _sorted(run.totals, KEYS) == expected == plain_expected
    assert {r["enterprise_id"] for r in expected} == {"E1", "E2"}
    assert _sorted(run.products, KEYS) == _sorted(plain_run.products, KEYS)
    assert detailed_checks == []


@pytest.mark.parametrize(("column", "row", "padded"), [
    ("enterprise_name", 3, "示例企业 "),  # one row's name: the screen compares names once per enterprise
    ("enterprise_name", 5, "\t示例企业"),
    ("facility_id", 4, "F1\x0c"),  # one row's facility: tested on every facility-period
    ("facility_id", 8, " F2"),
])
def test_one_padded_identifier_is_found(write_rows: WriteRows, detailed_checks: list[str], column: str, row: int,
                                        padded: str) -> None:
    rows = [{**r, "enterprise_name": r.get("enterprise_name", "示例企业")} for r in MIXED]
    rows[row] = {**rows[row], column: padded}
    run, expected = _detailed_totals(write_rows(rows))
    plain_run, plain_expected = _detailed_totals(write_rows(
        [{**r, "enterprise_name": r.get("enterprise_name", "示例企业")} for r in MIXED], name="plain.csv"))
    assert _sorted(run.totals, KEYS) == expected == plain_expected  # one canonical name and facility
    assert {r["enterprise_name"] for r in expected} == {"示例企业", "二厂"}
    assert detailed_checks == []


def test_input_with_errors_gives_the_detailed_issues(write_rows: WriteRows, detailed_checks: list[str]) -> None:
    rows = [*MIXED, {"item": "原沒", "quantity": 1, "unit": "t", "flow": "消耗"},
            {"item": "原煤", "quantity": -1, "unit": "t", "flow": "消耗", "facility_id": "F9"},
            MIXED[3]]
    path = write_rows(rows)
    with pytest.raises(ValidationFailed) as fast:
        account(path)
    with pytest.raises(ValidationFailed) as detailed:
        validate_activity(read_activity(path, connect()), load_vocabulary())
    assert detailed_checks == ["validate_activity"]
    assert fast.value.issues == detailed.value.issues and fast.value.total == detailed.value.total == 3
    assert {i.code.rsplit(".", 1)[1] for i in fast.value.issues} == {
        "unknown_item", "negative_quantity", "duplicate_row"}


BAD_CELLS: list[dict[str, object]] = [
    {"item": "原沒"}, {"unit": "kWh"}, {"unit": "bananas"}, {"quantity": -5}, {"quantity": "abc"},
    {"quantity": ""}, {"period": "2024-13"}, {"period": ""}, {"flow": "burned"}, {"flow": ""},
    {"item": "电力", "unit": "kWh", "flow": "产出"}, {"industry": "钢贴"}, {"industry": ""},
    {"region": "999999"}, {"region": " "}, {"enterprise_id": " "}, {"facility_id": ""}, {"item": ""},
    {"unit": ""}, {"ncv": 20, "ncv_unit": "kWh"}, {"ncv": 20}, {"ncv": -1, "ncv_unit": "GJ/t"},
    {"ncv": "x", "ncv_unit": "GJ/t"}, {"carbon_content": 0, "carbon_content_unit": "tC/GJ"},
    {"carbon_content": "y", "carbon_content_unit": "tC/GJ"}, {"carbon_content": 0.02, "carbon_content_unit": "t"},
    {"oxidation_rate": 98}, {"oxidation_rate": "x%"}, {"oxidation_rate": 0},
    {"item": "电力", "unit": "kWh", "flow": "外购", "ncv": 3.6, "ncv_unit": "MJ/kWh"},
    {"item": "电力", "unit": "kWh", "flow": "外购", "carbon_content": 0.1, "carbon_content_unit": "tC/t"},
    {"item": "电力", "unit": "kWh", "flow": "外购", "oxidation_rate": 0.9},
    # needing more than one row to see
    {"region": "110000", "facility_id": "F2"}, {"enterprise_name": "别名", "facility_id": "F2"},
    {"industry": "水泥", "facility_id": "F2"}, {"period": "2024", "item": "焦炭"},
    {"item": "raw coal", "unit": "t", "flow": "consumed", "quantity": 100},  # duplicate of the first row
]


@pytest.mark.parametrize("bad", BAD_CELLS)
def test_every_rule_sends_the_input_to_the_detailed_check(write_rows: WriteRows, detailed_checks: list[str],
                                                          bad: dict[str, object]) -> None:
    good = {"item": "原煤", "quantity": 100, "unit": "吨", "flow": "消耗"}
    with pytest.raises(ValidationFailed) as raised:
        account(write_rows([good, {**good, **bad}]))
    assert detailed_checks == ["validate_activity"]
    assert raised.value.total >= 1


@pytest.mark.parametrize("quantity", [math.nan, math.inf, -math.inf, -1.0])
def test_typed_parquet_numbers_are_checked(tmp_path: Path, quantity: float) -> None:
    base = {"enterprise_id": "E1", "industry": "钢铁", "region": "320000", "facility_id": "F1",
            "period": "2024-01", "unit": "t", "flow": "消耗"}
    table = pa.table({**{k: [v, v] for k, v in base.items()}, "item": ["原煤", "焦炭"],
                      "quantity": pa.array([10.0, quantity], pa.float64()),
                      "oxidation_rate": pa.array([None, 0.9], pa.float64())})
    pq.write_table(table, tmp_path / "typed.parquet")
    with pytest.raises(ValidationFailed) as raised:
        account(tmp_path / "typed.parquet")
    assert {(i.row, i.column) for i in raised.value.issues} == {(2, "quantity")}


def test_measured_batches_of_one_item_are_not_duplicates(write_rows: WriteRows, detailed_checks: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    confirmations: list[bool] = []
    real = service.may_have_duplicates

    def spy(*args: Any) -> bool:
        confirmations.append(real(*args))
        return confirmations[-1]

    monkeypatch.setattr(service, "may_have_duplicates", spy)
    coal = {"item": "原煤", "quantity": 100, "unit": "t", "flow": "消耗", "ncv_unit": "GJ/t"}
    run = account(write_rows([{**coal, "ncv": 20}, {**coal, "ncv": 22}]))
    assert confirmations == [False]  # the screen suspected them, the exact count cleared them
    assert detailed_checks == []
    assert run.totals.count().execute() == 1


def test_a_false_alarm_still_gives_the_results(write_rows: WriteRows, detailed_checks: list[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(MIXED)
    expected = _sorted(account(path).totals, KEYS)
    monkeypatch.setattr(service, "may_have_duplicates", lambda *args: True)  # as if two hashes collided
    monkeypatch.setattr(service, "read_screen", _suspicious(service.read_screen))
    assert _sorted(account(path).totals, KEYS) == expected
    assert detailed_checks == ["validate_activity"]


def _suspicious(read_screen: Callable[..., Any]) -> Callable[..., Any]:
    def screen(*args: Any) -> Any:
        return dataclasses.replace(read_screen(*args), duplicates_suspected=True)
    return screen


LINE = st.fixed_dictionaries({
    "facility_id": st.sampled_from(["F1", "F2"]),
    "period": st.sampled_from(["2024-01", "2024-02"]),
    "item": st.sampled_from(["原煤", "raw coal", "焦炭", "柴油"]),
    "flow": st.sampled_from(["消耗", "consumed"]),
    "ncv": st.sampled_from([None, 20.0, 25.0]),
    "quantity": st.sampled_from([1, 2]),
})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(LINE, min_size=1, max_size=6))
def test_duplicate_screen_misses_no_duplicate(tmp_path_factory: pytest.TempPathFactory,
                                              rows: list[dict[str, object]]) -> None:
    names = {"原煤": "raw_coal", "raw coal": "raw_coal", "焦炭": "coke", "柴油": "diesel"}
    keys = [(r["facility_id"], r["period"], names[str(r["item"])], r["ncv"]) for r in rows]
    path = tmp_path_factory.mktemp("dup") / "activity.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        for row in rows:
            full = {"enterprise_id": "E1", "industry": "钢铁", "region": "320000", "unit": "t",
                    **row, "ncv_unit": "GJ/t" if row["ncv"] else ""}
            handle.write(",".join("" if full.get(h) is None else str(full.get(h, "")) for h in HEADER) + "\n")
    if len(set(keys)) < len(keys):
        with pytest.raises(ValidationFailed) as raised:
            account(path)
        assert {i.code for i in raised.value.issues} == {"accounting.input.duplicate_row"}
    else:
        assert account(path).totals.lines.sum().execute() == len(rows)


def test_parquet_lines_join_back_to_the_json_lines(write_rows: WriteRows, tmp_path: Path) -> None:
    run = account(write_rows(MIXED))
    written = write_parquet(run, tmp_path / "r.parquet")
    lines = pq.read_table(tmp_path / "r.lines.parquet")
    sets = {s["parameter_set"]: s for s in pq.read_table(tmp_path / "r.parameter_sets.parquet").to_pylist()}
    assert tmp_path / "r.parameter_sets.parquet" in written and tuple(lines.column_names) == LINE_COLUMNS
    document = result_document(run)
    json_lines = {(line["file"], line["row"]): line for r in document["results"] for line in r["lines"]}
    assert lines.num_rows == len(json_lines) == len(MIXED)
    files = [f["file"] for f in document["provenance"]["inputs"]]
    measured_checked = 0
    for line in lines.to_pylist():
        expected = json_lines[(files[line["file_id"]], line["row"])]
        used = sets[line["parameter_set"]]
        assert (used["item"], used["flow"], used["category"], used["unit"], used["unit_input"]) == (
            expected["item"], expected["flow"], expected["category"], expected["unit"], expected["unit_input"])
        assert line["energy_tce"] == pytest.approx(expected["energy_tce"], abs=1e-9)
        assert line["co2e_t"] == pytest.approx(expected["co2e_t"], abs=1e-9)
        assert used["formula"] == expected["formula"] and used["missing"] == expected["missing"]
        assert used["unverified"] == expected["unverified"]
        by_name = {p["name"]: p for p in expected["parameters"]}
        assert [p["name"] for p in used["parameters"]] == list(by_name)
        for parameter in used["parameters"]:
            shown = by_name[parameter["name"]]
            assert (parameter["ref"], parameter["unit"], parameter["sources"]) == (
                shown["ref"], shown["unit"], shown["sources"])
            if parameter["value"] is not None:
                assert parameter["value"] == pytest.approx(shown["value"], abs=1e-9)
            else:  # from the line's own measurement
                assert parameter["ref"].startswith("measured")
                measured_checked += 1
    assert measured_checked == 4  # coal: coefficient, ncv, oxidation rate; coke: carbon content
