"""The one located-findings toolkit: the Finding type, the Locator, the Reader and the NUL check."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from greenmfg import errors
from greenmfg.benchmarking.models import Finding as BenchmarkFinding
from greenmfg.calc.capacity import Finding as CapacityFinding
from greenmfg.calc.capacity import Reason
from greenmfg.diagnosis.service import Finding as DiagnosisFinding
from greenmfg.findings import (
    NUL_FIX,
    Finding,
    Issue,
    Locator,
    Reader,
    has_nul,
    nul_line,
    read_number,
)
from greenmfg.monitoring.readings import Problem


def test_issue_is_the_finding_and_keeps_its_json_shape() -> None:
    assert Issue is Finding is errors.Finding
    issue = Issue("a.b", "wrong", "fix it", "错", "改", file="f.xlsx", sheet="S", row=3, column="C", value="7")
    assert issue.severity == "error"
    assert list(issue.as_dict()) == ["code", "file", "sheet", "row", "column", "value", "message", "message_zh",
                                     "fix", "fix_zh"]
    assert issue.as_dict() == {"code": "a.b", "file": "f.xlsx", "sheet": "S", "row": 3, "column": "C", "value": "7",
                               "message": "wrong", "message_zh": "错", "fix": "fix it", "fix_zh": "改"}
    assert issue.location() == "f.xlsx, sheet S, row 3, column C"
    # a cell of a file: its reference and the column as the file headed it join the shape
    cell = Issue("a.b", "wrong", "fix it", "错", "改", file="f.xlsx", sheet="S", row=4, column="quantity",
                 header="数量", cell="G4")
    assert list(cell.as_dict())[-2:] == ["header", "cell"] and cell.as_dict()["cell"] == "G4"
    assert cell.location() == "f.xlsx, sheet S, cell G4, column 数量 (quantity)"
    assert dataclasses.replace(cell, file="f.csv", sheet="").location() == "f.csv, row 4, column G 数量 (quantity)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.code = "x"  # type: ignore[misc]


def test_location_fields_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        Finding("a", "m", "f", "mz", "fz", "file.csv")  # type: ignore[misc]


def test_locator_words_findings_the_way_a_domain_does() -> None:
    plain = Locator(file="plan.xlsx", sheet="items", row=4, code_prefix="greenfactory.input.", value_limit=3)
    found = plain.finding("bad", "B", "123456", "bad value", "数值错误", "fix", "修正")
    assert (found.code, found.file, found.sheet, found.row, found.column, found.value) == (
        "greenfactory.input.bad", "plan.xlsx", "items", 4, "B", "123")
    assert (found.message, found.message_zh) == ("bad value", "数值错误")
    # a row or sheet given for one finding wins, None included
    assert plain.finding("x", "B", None, "m", "mz", "f", "fz", row=None, sheet="other").row is None
    assert plain.at(row=9).finding("x", "B", None, "m", "mz", "f", "fz").row == 9
    assert plain.finding("x", "B", None, "m", "mz", "f", "fz").value == ""
    named = Locator(named=True, value_limit=None)
    found = named.finding("c", "year", "x" * 300, "is wrong", "有误", "f", "fz", severity="warning")
    assert (found.message, found.message_zh, len(found.value), found.severity) == (
        "year: is wrong", "year：有误", 300, "warning")
    labelled = Locator(named=True, name_zh={"year": "年度"}.get)  # type: ignore[arg-type]
    assert labelled.finding("c", "year", 1, "m", "错", "f", "fz").message_zh == "年度（year）：错"


def test_reader_collects_every_problem_located_at_its_field() -> None:
    issues: list[Finding] = []
    reader = Reader({"name": " ", "id": "0", "on": "1999-12-31", "flag": "maybe", "text": "abcdef"},
                    issues=issues, domain="demo", locator=Locator(sheet="S", row=2))
    assert reader.required("name") is None
    assert reader.integer("id") is None
    assert reader.date("on") is None
    assert reader.flag("flag") is False
    assert reader.text("text", max_length=3) is None
    assert [i.code for i in issues] == ["demo.input.missing", "demo.input.not_integer", "demo.input.date_out_of_range",
                                        "demo.input.not_boolean", "demo.input.too_long"]
    assert all(i.sheet == "S" and i.row == 2 for i in issues)
    assert issues[2].message == "must lie between 2000-01-01 and 2100-12-31"
    item = Reader({"on": "2024-02-30"}, "items[1].", issues, domain="demo")
    assert item.date("on") is None
    assert issues[-1].column == "items[1].on" and issues[-1].value == "2024-02-30"


def test_reader_reads_good_values() -> None:
    reader = Reader({"id": "12", "on": "2024-02-29", "yes": "是", "name": "  ＡＢ "}, domain="demo")
    assert reader.integer("id") == 12
    assert reader.date("on") == dt.date(2024, 2, 29)
    assert reader.flag("yes") is True and reader.flag("absent") is False
    assert reader.text("name", max_length=10) == "AB"   # NFKC and stripped
    assert reader.issues == []


def test_one_nul_check() -> None:
    assert nul_line("a,b\n1,2\n") is None
    assert nul_line("a\nb\nc\x00") == 3
    assert has_nul("x\x00") and not has_nul("x")
    assert "CSV UTF-8" in NUL_FIX[0] and "CSV UTF-8" in NUL_FIX[1]


def test_domain_findings_are_findings_with_their_own_shape() -> None:
    bench = BenchmarkFinding("benchmarking.level.none", "GB 1", "no level", "无标杆值")
    assert isinstance(bench, Finding) and bench.severity == "warning"
    assert bench.as_dict() == {"code": "benchmarking.level.none", "ref": "GB 1", "message": "no level",
                               "message_zh": "无标杆值"}
    assert BenchmarkFinding(**bench.as_dict()) == bench
    reason = Reason("capacity.region.key", "in a key region", "位于重点区域", ("ref1",))
    assert isinstance(reason, Finding) and reason.severity == "info" and reason.refs == ("ref1",)
    warning = CapacityFinding("capacity.ratio.unverified", "not verified", "未核实", "R1", "P")
    assert (warning.severity, warning.ref, warning.status, warning.fix) == ("warning", "R1", "P", "")
    diagnosis = DiagnosisFinding("diagnosis.check.not_covered", "not covered", "未覆盖")
    assert diagnosis.as_dict() == {"code": "diagnosis.check.not_covered", "message": "not covered",
                                   "message_zh": "未覆盖"}
    problem = Problem("readings[3].ts", "bad time", "时间无效")
    assert isinstance(problem, Finding) and problem.where == problem.column == "readings[3].ts"
    assert problem.as_dict() == {"column": "readings[3].ts", "message": "bad time", "message_zh": "时间无效"}


def test_read_number_within_bounds_or_a_located_finding() -> None:
    """The one number of a form field or a JSON member (ETS what-if and CCER, enterprise targets)."""
    at = Locator(code_prefix="d.input.")
    issues: list[Finding] = []
    assert [read_number(at, raw, "x", issues) for raw in (None, "", "  ", 0, "1,200.5", " 3，000 ", 7.25)] == [
        None, None, None, 0.0, 1200.5, 3000.0, 7.25]
    assert issues == []
    # between bounds (ETS): 0 ≤ x ≤ 100
    for raw, code in (("abc", "not_a_number"), (True, "not_a_number"), ("-1", "out_of_range"), ("100.5", "out_of_range"),
                      ("nan", "out_of_range"), ("inf", "out_of_range")):
        found: list[Finding] = []
        assert read_number(at, raw, "balance", found, high=100.0, example="0.75") is None
        assert [(f.code, f.column, f.value) for f in found] == [(f"d.input.{code}", "balance", str(raw))]
    assert read_number(at, "100", "balance", issues, high=100.0) == 100.0 and issues == []
    wrong: list[Finding] = []
    read_number(at, "abc", "balance", wrong, high=100.0, example="0.75")
    read_number(at, "-1", "balance", wrong, high=100.0, example="0.75")
    assert [(f.message, f.message_zh, f.fix, f.fix_zh) for f in wrong] == [
        ("'abc' is not a number", "“abc”不是数字", "write a number, e.g. 0.75", "请填写数字，例如 0.75"),
        ("must lie between 0 and 100", "须在 0 至 100 之间", "write a number between 0 and 100", "请填写 0 至 100 之间的数字")]
    # greater than 0 (targets), empty meaning none
    positive: list[Finding] = []
    for raw in ("x", "0", "-5"):
        assert read_number(at, raw, "t[0].value", positive, above_low=True, example="12500",
                           blank=("no target", "不设目标")) is None
    assert [(f.code, f.message_zh, f.fix, f.fix_zh) for f in positive] == [
        ("d.input.not_a_number", "“x”不是数字", "write a number greater than 0, e.g. 12500", "请填写大于 0 的数字，例如 12500"),
        ("d.input.not_positive", "必须大于 0", "write a number greater than 0, or leave it empty for no target",
         "请填写大于 0 的数字；不设目标请留空"),
        ("d.input.not_positive", "必须大于 0", "write a number greater than 0, or leave it empty for no target",
         "请填写大于 0 的数字；不设目标请留空")]
    assert read_number(at, "0.001", "t", positive, above_low=True) == 0.001
    # greater than the low bound, up to the high one
    bounded: list[Finding] = []
    assert read_number(at, "1", "share", bounded, low=1, high=2, above_low=True) is None
    assert read_number(at, "2", "share", bounded, low=1, high=2, above_low=True) == 2.0
    assert [(f.code, f.message, f.message_zh) for f in bounded] == [
        ("d.input.out_of_range", "must be greater than 1 and at most 2", "须大于 1 且不大于 2")]

