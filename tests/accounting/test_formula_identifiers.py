"""Identifiers that a spreadsheet would run as a formula are refused at import, located (issue #13.5)."""

from __future__ import annotations

import pytest

from greenmfg.accounting.service import account
from greenmfg.errors import ValidationFailed

from ..conftest import WriteRows

GOOD = {"item": "原煤", "quantity": 100, "unit": "吨", "flow": "消耗"}
HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(("column", "value"), [("facility_id", HYPERLINK), ("facility_id", "+1+cmd"),
                                               ("enterprise_id", "@SUM(A1)"), ("enterprise_name", "-2+3"),
                                               ("facility_id", " =1+1")])
def test_formula_like_identifier_is_refused_with_a_located_bilingual_error(write_rows: WriteRows, column: str,
                                                                            value: str) -> None:
    rows = [GOOD, {**GOOD, column: value}] if column != "enterprise_name" else [{**GOOD, column: value}]
    path = write_rows(rows)
    with pytest.raises(ValidationFailed) as raised:
        account(path)
    found = [i for i in raised.value.issues if i.code == "accounting.input.formula_text"]
    assert found, [i.code for i in raised.value.issues]
    issue = found[0]
    assert (issue.file, issue.row, issue.column) == (path.name, 1 + len(rows), column)
    assert issue.value == value.strip()
    assert "formula" in issue.message and "公式" in issue.message_zh and issue.fix and issue.fix_zh


def test_numbers_and_inner_signs_are_not_formulas(write_rows: WriteRows) -> None:
    """A facility numbered -5, a name with a dash inside and a plain quantity all import."""
    run = account(write_rows([{**GOOD, "facility_id": "-5"}, {**GOOD, "facility_id": "F-1", "quantity": "1e3"}]))
    assert {r["facility_id"] for r in run.totals.to_pyarrow().to_pylist()} == {"-5", "F-1"}
