"""The in-memory entry: rows held as an Arrow or Ibis table give what the same rows in a file give,
located errors name where the rows came from, and an upload's bytes are read without a file."""

from __future__ import annotations

from pathlib import Path

import ibis
import pyarrow as pa
import pytest

from greenmfg.accounting import InputFile, account, account_table, result_document
from greenmfg.accounting.service import connect
from greenmfg.errors import InputError, ValidationFailed

from ..conftest import BASE, HEADER, WriteRows
from .test_fast_path import MIXED


def _table(rows: list[dict[str, object]]) -> pa.Table:
    full = [{h: (None if {**BASE, **r}.get(h) in (None, "") else str({**BASE, **r}[h])) for h in HEADER}
            for r in rows]
    return pa.Table.from_pylist(full, schema=pa.schema([(h, pa.string()) for h in HEADER]))


def _without_times(document: dict[str, object]) -> dict[str, object]:
    provenance = dict(document["provenance"])  # type: ignore[call-overload]
    provenance.pop("run_at_utc")
    provenance.pop("inputs")
    results = [{**r, "lines": [{k: v for k, v in line.items() if k != "file"} for line in r["lines"]]}
               for r in document["results"]]  # type: ignore[attr-defined]
    return {"provenance": provenance, "results": results}


def test_arrow_table_gives_what_the_file_gives(write_rows: WriteRows) -> None:
    from_file = result_document(account(write_rows(MIXED)))
    from_table = result_document(account_table(_table(MIXED), name="activity.csv"))
    assert _without_times(from_table) == _without_times(from_file) | {
        "results": [{**r, "lines": [{**line, "row": line["row"] - 1} for line in r["lines"]]}
                    for r in _without_times(from_file)["results"]]}  # type: ignore[attr-defined]
    # a table's rows are numbered from 1 (no header row), a CSV's from 2
    assert [line["row"] for line in from_table["results"][0]["lines"]][:2] == [1, 2]


def test_typed_numbers_chinese_headers_and_location_columns() -> None:
    rows = _table(MIXED[:3]).to_pylist()
    zh = {"enterprise_id": "企业编号", "item": "品种", "quantity": "数量", "unit": "单位", "flow": "流向"}
    table = pa.Table.from_pylist([{zh.get(k, k): v for k, v in r.items()} for r in rows])
    table = table.set_column(table.column_names.index("数量"), "数量",
                             pa.array([1200.5, 300.0, 80.0], pa.float64()))
    table = table.append_column("_sheet", pa.array(["数据"] * 3)).append_column("_row", pa.array([7, 9, 11]))
    run = account_table(table)
    lines = result_document(run)["results"][0]["lines"]
    assert sorted(line["row"] for line in lines) == [7, 9, 11]
    assert sorted(line["quantity_input"] for line in lines) == [80.0, 300.0, 1200.5]
    assert sum(line["quantity"] for line in lines) == pytest.approx(1200.5 + 0.3 + 80.0)
    digest = run.provenance()["inputs"][0]["sha256"]  # type: ignore[index]
    assert len(digest) == 64 and digest == account_table(table).provenance()["inputs"][0]["sha256"]  # type: ignore[index]


def test_bad_rows_are_located_by_their_location_columns() -> None:
    table = _table([*MIXED[:2], {"item": "unobtainium"}]).append_column("_row", pa.array([4, 5, 6]))
    table = table.append_column("_file", pa.array(["import 3"] * 3))
    with pytest.raises(ValidationFailed) as failed:
        account_table(table)
    [issue] = [i for i in failed.value.issues if i.column == "item"]
    assert (issue.file, issue.row, issue.value) == ("import 3", 6, "unobtainium")


def test_missing_column_is_reported_for_a_table() -> None:
    with pytest.raises(ValidationFailed) as failed:
        account_table(_table(MIXED).drop_columns(["unit"]), name="rows")
    assert any(i.code == "accounting.input.missing_column" and i.column == "unit" and i.file == "rows"
               for i in failed.value.issues)


def test_ibis_table_on_the_engine_and_on_another_backend() -> None:
    table = _table(MIXED)
    expected = result_document(account_table(table))["results"]
    con = connect()
    on_engine = account_table(con.create_table("mine", table), engine=con)
    assert result_document(on_engine)["results"] == expected
    elsewhere = account_table(ibis.memtable(table))  # accounted on a new connection of its own
    assert result_document(elsewhere)["results"] == expected


def test_upload_bytes_are_read_in_memory(write_rows: WriteRows, tmp_path: Path) -> None:
    path = write_rows(MIXED)
    expected = result_document(account(path))
    run = account(InputFile("upload.csv", path.read_bytes()))
    document = result_document(run)
    assert document["results"] == [{**r, "lines": [{**line, "file": "upload.csv"} for line in r["lines"]]}
                                    for r in expected["results"]]
    assert document["provenance"]["inputs"] == [{"file": "upload.csv", "sheet": "",
                                                 "sha256": expected["provenance"]["inputs"][0]["sha256"]}]
    with pytest.raises(InputError, match="upload.parquet"):
        account(InputFile("upload.parquet", b"PAR1"))


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        account_table(_table(MIXED), engine="oracle")



def test_typed_numbers_keep_their_text_for_the_rows_as_read() -> None:
    from greenmfg.accounting.store import raw_rows

    table = _table(MIXED[1:3])
    table = table.set_column(table.column_names.index("quantity"), "quantity", pa.array([300.0, 80.5]))
    rows = raw_rows(account_table(table))
    assert [r["values"]["quantity"] for r in rows] == ["300.0", "80.5"]
    assert [r["row"] for r in rows] == [1, 2]


def test_runs_alive_at_once_keep_their_own_rows() -> None:
    """Runs of tables held in memory share the process's DuckDB database (a connection each): the
    named inputs, tables and views of one run (read lazily, after the other ran) are its own."""
    import threading

    other = [{**r, "enterprise_id": "E2", "facility_id": f"{r.get('facility_id', 'F1')}-B"} for r in MIXED[:6]]
    alone = [_without_times(result_document(account_table(_table(rows)))) for rows in (MIXED, other)]
    assert alone[0] != alone[1]
    first, second = account_table(_table(MIXED)), account_table(_table(other))  # both alive, nothing read yet
    assert [_without_times(result_document(run)) for run in (second, first)] == alone[::-1]
    documents: dict[int, object] = {}

    def account_in_thread(index: int, rows: list[dict[str, object]]) -> None:
        documents[index] = _without_times(result_document(account_table(_table(rows))))

    threads = [threading.Thread(target=account_in_thread, args=(i, rows)) for i, rows in enumerate((MIXED, other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [documents[0], documents[1]] == alone
