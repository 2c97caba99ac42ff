"""No live formulas in exported workbooks (issue #13.5): a facility named like a formula, planted
past import validation, reaches the enterprise's benchmark xlsx, the regulator's compliance xlsx and
the green-evaluation workbook as text; the equipment register refuses such identifiers, located."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from greenmfg.accounting import screening, validation
from tests.compliance.plants import STEEL
from tests.factories import ACTIVITY_HEADER, Login, World, commit
from tests.greenfactory.test_api import created, document

HYPERLINK = '=HYPERLINK("http://x","y")'


def assert_text_only(content: bytes, sheet: str) -> None:
    """``HYPERLINK`` is in ``sheet`` as a string cell, and no worksheet has a formula element."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [c for row in book[sheet].iter_rows() for c in row if c.value == HYPERLINK]
    assert cells, f"{HYPERLINK} not in sheet {sheet}"
    assert {c.data_type for c in cells} == {"s"}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name


@pytest.fixture
def unchecked(monkeypatch: pytest.MonkeyPatch, own_plans: None) -> None:
    """Import validation bypassed for formula-like identifiers (as if planted in the database); the
    plans compiled without the rule are the test's own."""
    def never(column: Any) -> Any:
        return column.isnull() & column.notnull()

    monkeypatch.setattr(validation, "formula_like_column", never, raising=False)
    monkeypatch.setattr(screening, "formula_like_column", never, raising=False)


def _csv(rows: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACTIVITY_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def planted(client: TestClient, login: Login, world: World, unchecked: None) -> World:
    rows = [(*r[:4], HYPERLINK, *r[5:]) for r in STEEL]
    commit(client, login("steel"), world.org("steel"), _csv(rows))
    return world


def test_benchmark_xlsx_writes_the_facility_as_text(client: TestClient, login: Login, planted: World) -> None:
    answer = client.get(f"/api/v1/enterprises/{planted.org('steel')}/benchmark", params={"format": "xlsx"},
                        headers=login("steel"))
    assert answer.status_code == 200, answer.text
    assert_text_only(answer.content, "能效对标")


def test_compliance_xlsx_writes_the_facility_as_text(client: TestClient, login: Login, planted: World) -> None:
    answer = client.get("/api/v1/region/compliance", params={"format": "xlsx"}, headers=login("hebei"))
    assert answer.status_code == 200, answer.text
    assert_text_only(answer.content, "设施")


def test_green_evaluation_workbook_writes_evidence_as_text(client: TestClient, login: Login, world: World) -> None:
    body = document()
    body["items"][0]["evidence"] = HYPERLINK
    evaluation = created(client, login, world, body)
    answer = client.get(f"/api/v1/green-evaluations/{evaluation['id']}/report.xlsx?lang=en", headers=login("steel"))
    assert answer.status_code == 200, answer.text
    assert_text_only(answer.content, "Indicators")


def test_equipment_register_refuses_formula_identifiers(client: TestClient, login: Login, world: World) -> None:
    template = client.get("/api/v1/diagnosis/equipment-template.csv?lang=en", headers=login("steel")).content
    lines = template.decode("utf-8-sig").splitlines()
    rows = list(csv.reader(lines))
    rows[1][1] = "@SUM(A1)"  # code
    rows[2][2] = HYPERLINK  # name
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    answer = client.post(f"/api/v1/enterprises/{world.org('steel')}/equipment/import", headers=login("steel"),
                         files={"file": ("register.csv", out.getvalue().encode("utf-8"), "text/csv")})
    assert answer.status_code == 422, answer.text
    details = [d for d in answer.json()["error"]["details"] if d["code"] == "diagnosis.input.formula_text"]
    assert {(d["row"], d["column"]) for d in details} == {(2, rows[0][1]), (3, rows[0][2])}
    assert all("formula" in d["message"] and "公式" in d["message_zh"] and d["fix"] and d["fix_zh"] for d in details)
