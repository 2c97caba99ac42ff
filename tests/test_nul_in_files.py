"""A NUL character in an uploaded CSV refuses the file, located at its line, in zh and en (issue #13 item 9).

PostgreSQL refuses NUL in text columns and SQLite stores it; the readers refuse it before either
sees it. The usual cause is a file saved as UTF-16 "Unicode text".
"""

from __future__ import annotations

import pytest

from greenmfg.accounting import InputFile, account
from greenmfg.diagnosis.register import read_register
from greenmfg.errors import InputError
from greenmfg.findings import nul_line
from greenmfg.monitoring.readings import PayloadError
from greenmfg.monitoring.service import parse_csv


def test_nul_line_is_the_line_of_the_first_nul() -> None:
    assert nul_line("a,b\n1,2\n") is None
    assert nul_line("a,b\n1,2\nx\x00y\n") == 3
    assert nul_line("\x00") == 1


def test_an_activity_csv_with_a_nul_is_refused_at_its_line() -> None:
    content = "enterprise_id,facility_id,period,item,quantity,unit\nE1,F1,2025-01,electricity,1\x00,MWh\n"
    with pytest.raises(InputError, match="line 2") as refused:
        account(InputFile("活动数据.csv", content.encode()))
    assert "NUL" in str(refused.value) and "CSV UTF-8" in str(refused.value) and "第 2 行" in str(refused.value)


def test_a_utf16_activity_csv_is_refused_with_the_fix() -> None:
    content = "enterprise_id,facility_id,period,item,quantity,unit\n".encode("utf-16-le")
    with pytest.raises(InputError, match="NUL"):
        account(InputFile("unicode.csv", content))


def test_an_equipment_register_csv_with_a_nul_is_refused() -> None:
    with pytest.raises(InputError, match="line 2"):
        read_register(b"code,name\nP-1,pump\x00\n", "台账.csv")


def test_a_meter_csv_with_a_nul_is_refused_at_its_row() -> None:
    with pytest.raises(PayloadError) as refused:
        parse_csv(b"ts,value\n2026-03-01T00:00:00+08:00,1\n2026-03-01T00:15:00+08:00,2\x00\n", "kWh",
                  filename="m.csv")
    problem = refused.value.problems[0]
    assert problem.where == "m.csv, row 3" and "NUL" in problem.message and "NUL" in problem.message_zh
