"""The carbon market's monthly filing through ``/api/v1/ets`` on SQLite and PostgreSQL (issue #16 item 3):
evidence stored with its SHA-256 (hostile files refused with nothing stored), a month filed and locked
(imports and the month editor refused until an amendment is opened with a reason), the amendment filed
as version 2 with version 1 kept, audit and notifications, the regulators' overview of their area, the
covered status set by a covering regulator only, and 404 for everybody who may not see the enterprise.
One seeded enterprise per backend; each check a subtest."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from greenmfg.accounting import InputFile
from greenmfg.attachments.models import Attachment
from greenmfg.audit.models import AuditEvent
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.ets import account_ets
from greenmfg.ets.filing_models import EtsFiling
from greenmfg.ets.filings import china_today
from greenmfg.ets.models import EtsFigures
from greenmfg.notifications.models import Notification
from tests.factories import Login, World, commit, steel_csv, upload

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
#: coke per month [t]: two months of 2024 reach the coverage threshold (26 000 tCO2e) on their own
COKE = 10_000.0


def previous_month() -> str:
    today = china_today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def xlsx_bytes() -> bytes:
    book = Workbook()
    book.active.append(["表计", "读数"])
    book.active.append(["M1", 123.4])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def seed(client: TestClient, login: Login, world: World) -> tuple[int, str]:
    """The steel enterprise with 2024-01, 2024-02 and last month committed, assessed covered in 2024."""
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv(periods=("2024-01", "2024-02", previous_month()), coke=COKE))
    assessed = client.post("/api/v1/ets/region/assess", headers=login("hebei"), json={"year": 2024})
    assert assessed.status_code == 200, assessed.text
    assert [(i["enterprise_id"], i["covered"]) for i in assessed.json()["items"]] == [(steel, True)]
    return steel, previous_month()


def _attach(client: TestClient, headers: dict[str, str], url: str, content: bytes, *, kind: str = "lab_report",
            name: str = "化验报告.pdf", content_type: str = "application/pdf") -> Any:
    return client.post(f"{url}/evidence", headers=headers, data={"kind": kind},
                       files={"file": (name, content, content_type)})


def _count(database: Database, model: Any) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _by_the_guidelines(period: str) -> EtsFigures:
    """The month's figures of the ETS engine run on the committed file itself (a second way)."""
    content = steel_csv(periods=("2024-01", "2024-02", previous_month()), coke=COKE)
    result = account_ets(InputFile("activity.csv", content))
    return next(m.figures for m in result.company.months if m.period == period)


def test_file_lock_amend_and_the_regulators_view(client: TestClient, login: Login, world: World, database: Database,
                                                  subtests: pytest.Subtests) -> None:
    steel, month = seed(client, login, world)
    manager = login("steel")
    url = f"/api/v1/ets/enterprises/{steel}/months/{month}"
    year = int(month[:4])

    with subtests.test("what is due: last month due by its date, 2024 months overdue"):
        data = client.get(f"/api/v1/ets/enterprises/{steel}/months?year={year}", headers=manager).json()
        assert data["covered"] is True and data["coverage"]["from_year"] <= year
        row = next(m for m in data["months"] if m["period"] == month)
        assert row["status"] == "due" and row["version"] == 0
        old = client.get(f"/api/v1/ets/enterprises/{steel}/months?year=2024", headers=manager).json()
        assert [m["status"] for m in old["months"][:2]] == ["overdue", "overdue"]
        # 2024 allocates the verified emissions: the covered emissions of the months recorded (allowances module)
        assert old["allocated"] is True
        assert old["allowances_tco2e"] == pytest.approx(sum(_by_the_guidelines(p).covered_tco2e
                                                            for p in ("2024-01", "2024-02")), rel=1e-9)
        assert old["deadline_rule"]["days"] == 40 and old["deadline_rule"]["verification_status"] == "secondary"

    with subtests.test("hostile or wrong evidence is refused with nothing stored"):
        assert _attach(client, manager, url, b"MZ\x90\x00 not a pdf").status_code == 422
        assert _attach(client, manager, url, b"").status_code == 422
        assert _attach(client, manager, url, b"PK\x03\x04 a zip that is no workbook", name="x.xlsx").status_code == 422
        assert _attach(client, manager, url, PDF, kind="contract").status_code == 422
        assert _attach(client, manager, url, b"%PDF-" + bytes(200_001)).status_code == 413
        assert _attach(client, manager, url.replace(month, "2024-13"), PDF).status_code == 422
        assert _attach(client, manager, url.replace(month, "2999-01"), PDF).status_code == 422
        assert _attach(client, login("steelviewer"), url, PDF).status_code == 403
        assert _attach(client, login("hebei"), url, PDF).status_code == 403
        assert _attach(client, login("cement"), url, PDF).status_code == 404
        assert _count(database, Attachment) == 0

    with subtests.test("evidence stored with its SHA-256: a PDF and an xlsx of meter totals"):
        pdf = _attach(client, manager, url, PDF)
        assert pdf.status_code == 201, pdf.text
        assert pdf.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
        table = xlsx_bytes()
        sheet = _attach(client, manager, url, table, kind="meter_totals", name="读数.xlsx",
                        content_type="application/octet-stream")
        assert sheet.status_code == 201, sheet.text
        assert sheet.json()["media_type"].endswith("spreadsheetml.sheet")
        download = client.get(f"{url}/evidence/{pdf.json()['id']}", headers=login("hebei"))
        assert download.status_code == 200 and download.content == PDF
        assert client.get(f"{url}/evidence/{pdf.json()['id']}", headers=login("cement")).status_code == 404
    evidence_ids = [pdf.json()["id"], sheet.json()["id"]]

    with subtests.test("filing needs the confirmation and evidence of this month"):
        refused = client.post(f"{url}/file", headers=manager, json={"evidence_ids": evidence_ids})
        assert refused.status_code == 422 and refused.json()["error"]["details"][0]["column"] == "confirm"
        none = client.post(f"{url}/file", headers=manager, json={"evidence_ids": [], "confirm": True})
        assert none.status_code == 422 and "evidence_ids" in none.text
        other = client.post(f"{url}/file", headers=manager, json={"evidence_ids": [999_999], "confirm": True})
        assert other.status_code == 422
        assert client.post(f"{url}/file", headers=login("hebei"),
                           json={"evidence_ids": evidence_ids, "confirm": True}).status_code == 403
        assert _count(database, EtsFiling) == 0

    with subtests.test("filed: on time, covered emissions as the results have them, hashes frozen"):
        filed = client.post(f"{url}/file", headers=manager, json={"evidence_ids": evidence_ids, "confirm": True})
        assert filed.status_code == 201, filed.text
        body = filed.json()
        assert body["version"] == 1 and body["on_time"] is True and body["reason"] is None
        figures = _by_the_guidelines(month)
        assert body["covered_tco2e"] == pytest.approx(figures.covered_tco2e, rel=1e-9)
        assert body["by_source"]["combustion"] == pytest.approx(figures.combustion_tco2, rel=1e-9)
        assert body["by_source"]["pfc"] == 0.0  # steel: no PFC
        assert body["covered_tco2e"] == pytest.approx(body["by_source"]["combustion"] + body["by_source"]["process"])
        assert body["methodology"] == "methodologies/ets-2026.1"
        assert body["information_only"]["purchased_electricity"] > 0  # shown, not covered
        assert [e["sha256"] for e in body["evidence"]] == [hashlib.sha256(PDF).hexdigest(),
                                                          hashlib.sha256(table).hexdigest()]
        assert len(body["data_versions"]) == 1 and len(body["data_versions"][0]["sha256"]) == 64

    with subtests.test("a filed month is locked: import, month editor, evidence and a second filing refused"):
        versions = client.get(f"/api/v1/enterprises/{steel}/versions", headers=manager).json()
        again = upload(client, manager, steel, steel_csv(periods=(month,), coke=COKE + 1))
        assert again.status_code == 201
        locked = client.post(f"/api/v1/imports/{again.json()['id']}/commit", headers=manager)
        assert locked.status_code == 409 and locked.json()["error"]["code"] == "ets.month_locked"
        assert "月度信息化存证" in locked.json()["error"]["message_zh"]
        assert client.get(f"/api/v1/enterprises/{steel}/versions", headers=manager).json() == versions
        grid = client.get(f"/api/v1/enterprises/{steel}/activity/E-STEEL-F1/{month}", headers=manager).json()
        edit = client.put(f"/api/v1/enterprises/{steel}/activity/E-STEEL-F1/{month}", headers=manager,
                          json={"rows": grid["rows"], "reason": "更正", "version": grid["version"]})
        assert edit.status_code == 409 and edit.json()["error"]["code"] == "ets.month_locked"
        assert _attach(client, manager, url, PDF).status_code == 409
        assert client.post(f"{url}/file", headers=manager,
                           json={"evidence_ids": evidence_ids, "confirm": True}).status_code == 409
        # other months stay open
        assert client.post(f"/api/v1/imports/{upload(client, manager, steel, steel_csv(periods=('2024-03',))).json()['id']}"
                           "/commit", headers=manager).status_code == 200

    with subtests.test("amendment: a reason first, then the data may change, filed as version 2"):
        assert client.post(f"{url}/amend", headers=manager, json={"reason": "  "}).status_code == 422
        assert client.post(f"{url}/amend", headers=login("hebei"), json={"reason": "x"}).status_code == 403
        opened = client.post(f"{url}/amend", headers=manager, json={"reason": "焦炭化验报告更正"})
        assert opened.status_code == 200 and opened.json()["amending"] is True
        assert client.post(f"{url}/amend", headers=manager, json={"reason": "again"}).status_code == 409
        changed = upload(client, manager, steel, steel_csv(periods=(month,), coke=COKE * 1.2))
        assert client.post(f"/api/v1/imports/{changed.json()['id']}/commit", headers=manager).status_code == 200
        amended = client.post(f"{url}/file", headers=manager, json={"evidence_ids": evidence_ids[:1], "confirm": "true"})
        assert amended.status_code == 201, amended.text
        assert amended.json()["version"] == 2 and amended.json()["reason"] == "焦炭化验报告更正"
        assert amended.json()["covered_tco2e"] > body["covered_tco2e"] * 1.1
        detail = client.get(url, headers=login("hebei")).json()
        assert [(f["version"], f["current"]) for f in detail["filings"]] == [(1, False), (2, True)]
        assert detail["filings"][0]["covered_tco2e"] == pytest.approx(body["covered_tco2e"])
        assert detail["locked"] is True and detail["status"] == "filed_on_time"

    with subtests.test("audited and told: the regulators of each step, the enterprise of the amendment"):
        with database.session() as s:
            actions = [a for (a,) in s.execute(select(AuditEvent.action).where(
                AuditEvent.action.like("ets.%")).order_by(AuditEvent.id))]
            told = {(u, e) for u, e in s.execute(select(User.username, Notification.event).join(
                Notification, Notification.user_id == User.id).where(Notification.event.like("ets.%")))}
        assert actions == ["ets.coverage.assess", "ets.file", "ets.amendment.open", "ets.amend"]
        assert {("hebei", "ets.file"), ("tangshan", "ets.file"), ("hebei", "ets.amend"),
                ("steelviewer", "ets.amend")} <= told
        assert not {u for u, _e in told} & {"cement", "glass", "steel"}

    with subtests.test("the regulators' overview: their area only, filed on time, the rest missing"):
        area = client.get(f"/api/v1/ets/region?year={year}", headers=login("hebei")).json()
        (company,) = area["companies"]
        assert company["enterprise_id"] == steel and company["allocated"] is False
        row = next(m for m in company["months"] if m["period"] == month)
        assert row["status"] == "filed_on_time" and row["amended"] is True
        assert company["filed_covered_tco2e"] == pytest.approx(amended.json()["covered_tco2e"])
        old = client.get("/api/v1/ets/region?year=2024", headers=login("tangshan")).json()
        assert old["companies"][0]["counts"]["overdue"] == 12
        for outsider in ("steel", "cement", "evaluator"):
            assert client.get(f"/api/v1/ets/region?year={year}", headers=login(outsider)).status_code == 403


def test_covered_status_and_isolation(client: TestClient, login: Login, world: World, database: Database,
                                      subtests: pytest.Subtests) -> None:
    steel, month = seed(client, login, world)
    url = f"/api/v1/ets/enterprises/{steel}/coverage/2024"

    with subtests.test("only a covering regulator sets the status, with a reason"):
        assert client.put(url, headers=login("steel"), json={"covered": False, "reason": "x"}).status_code == 403
        assert client.put(url, headers=login("cement"), json={"covered": False, "reason": "x"}).status_code == 404
        missing = client.put(url, headers=login("hebei"), json={"covered": "maybe"})
        assert missing.status_code == 422
        assert {d["column"] for d in missing.json()["error"]["details"]} == {"covered", "reason"}
        assert client.put(f"/api/v1/ets/enterprises/{steel}/coverage/1800", headers=login("hebei"),
                          json={"covered": True, "reason": "x"}).status_code == 422
        done = client.put(url, headers=login("hebei"), json={"covered": False, "reason": "关停，退出名录"})
        assert done.status_code == 200 and done.json()["basis"] == "regulator" and done.json()["covered"] is False

    with subtests.test("not covered: nothing to file; a regulator's status survives a new assessment"):
        headers = login("steel")
        pdf = _attach(client, headers, f"/api/v1/ets/enterprises/{steel}/months/2024-01", PDF)
        assert pdf.status_code == 201
        refused = client.post(f"/api/v1/ets/enterprises/{steel}/months/2024-01/file", headers=headers,
                              json={"evidence_ids": [pdf.json()["id"]], "confirm": True})
        assert refused.status_code == 409 and "不是碳市场重点排放单位" in refused.json()["error"]["message_zh"]
        again = client.post("/api/v1/ets/region/assess", headers=login("hebei"), json={"year": 2024})
        assert again.status_code == 200 and again.json()["items"] == []
        assert client.post("/api/v1/ets/region/assess", headers=login("steel"), json={"year": 2024}).status_code == 403
        assert client.post("/api/v1/ets/region/assess", headers=login("hebei"), json={"year": "x"}).status_code == 422

    with subtests.test("another enterprise and an evaluator of another get 404 and no data on every route"):
        base = f"/api/v1/ets/enterprises/{steel}"
        for who in ("cement", "glass", "evaluator"):
            for method, path, kwargs in (
                    ("GET", f"{base}/months?year=2024", {}), ("GET", f"{base}/months/{month}", {}),
                    ("POST", f"{base}/months/{month}/file", {"json": {"evidence_ids": [], "confirm": True}}),
                    ("POST", f"{base}/months/{month}/amend", {"json": {"reason": "x"}}),
                    ("GET", f"{base}/months/2024-01/evidence/{pdf.json()['id']}", {}),
                    ("PUT", url, {"json": {"covered": True, "reason": "x"}})):
                answer = client.request(method, path, headers=login(who), **kwargs)
                assert answer.status_code == 404, (who, method, path, answer.text)
                assert "唐山示例钢铁" not in answer.text and "E-STEEL" not in answer.text
        region = client.get("/api/v1/ets/region?year=2024", headers=login("hebei")).json()
        assert [c["enterprise_id"] for c in region["not_covered"]] == [steel]
