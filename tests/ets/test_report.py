"""The annual emission report and the verification pack (:mod:`greenmfg.ets.report`, issue #16 part 5) through
``/api/v1/ets/enterprises/{id}/report`` and ``/verification-pack`` on SQLite and PostgreSQL.

Worked case (a steel works reported process by process, ``tests/ets/cases.steel_rows``, two months of 2025),
computed by hand from CETS—AG—03.01—V01—2024 formula (1) (enterprise level, carbon mass balance, no
oxidation rate) and its default tables A.1 and A.2 (status verified in ``fuel_parameters/cets-ag-03.01-v01-2024``
and ``process_factors``):

* washed coal bought and consumed: 1 000 t × NCV 26.344 GJ/t × CC 0.02541 tC/GJ × 44/12 = 2 454.470 48 tCO2;
* limestone: 100 t × 0.440 tCO2/t = 44 tCO2;
* crude steel, the carbon-bearing product: − 2 100 t × 0.037 tCO2/t = − 77.7 tCO2;
* coke, coke-oven gas, blast-furnace gas and pig iron pass from one unit to the next and cancel.

A month: 2 420.770 48 tCO2; the year (two months): 4 841.540 96 tCO2; per tonne of crude steel (C.3,
单位粗钢碳排放量): 4 841.540 96 / 4 200 = 1.152 748 tCO2/t. Purchased electricity is information only. Process level (C.4): ironmaking by formula (2) = coke in
(750 t × 28.435 GJ/t × 0.02942 tC/GJ × 44/12) − blast-furnace gas out (200 × 10⁴ Nm³ × 33.0 × 0.0708 × 44/12)
= 587.174 tCO2; the processes, the co-firing power unit (3) and the rest (4) add up to the month.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from greenmfg.accounting import InputFile
from greenmfg.db.session import Database
from greenmfg.ets import account_ets
from greenmfg.ets import report as ets_report
from greenmfg.ets.filing_models import EtsFigure, EtsFiling
from greenmfg.exports import keyed_cells
from greenmfg.reports import cjk_font_available
from tests.conftest import HEADER
from tests.ets.cases import steel_rows
from tests.ets.test_figures import MONTHS as ALUMINIUM_MONTHS
from tests.ets.test_figures import _by_hand as by_hand
from tests.ets.test_figures import _csv as aluminium_csv
from tests.ets.test_figures import aluminium  # noqa: F401  (the fixture)
from tests.factories import Login, Pages, World, commit

C = 44 / 12
MONTH = 1000 * 26.344 * 0.02541 * C + 100 * 0.440 - 2100 * 0.037
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PERIODS = ("2025-03", "2025-04")


def _csv() -> bytes:
    lines = [",".join(HEADER)]
    for period in PERIODS:
        for row in steel_rows():
            full = {**row, "enterprise_id": "E-STEEL", "enterprise_name": "唐山示例钢铁有限公司", "period": period}
            lines.append(",".join(full.get(h, "") for h in HEADER))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode("utf-8")


def _records(sheet) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """The rows of a sheet by column key (the defined names ``greenmfg.<key>`` of the header)."""
    keys = {column: key for key, (_row, column) in keyed_cells(sheet).items()}
    return [{keys[i]: cell for i, cell in enumerate(row, start=1) if i in keys}
            for row in sheet.iter_rows(min_row=2, values_only=True)]


def _sheet(book, title: str):  # type: ignore[no-untyped-def]
    return book[next(name for name in book.sheetnames if name.startswith(title))]


@pytest.fixture
def filed(client: TestClient, login: Login, world: World) -> int:
    """The steel enterprise with the worked case stored, covered in 2025 (set by its regulator), March filed
    with a lab report and amended once (version 2, with its reason)."""
    steel = world.org("steel")
    manager = login("steel")
    commit(client, manager, steel, _csv())
    covered = client.put(f"/api/v1/ets/enterprises/{steel}/coverage/2025", headers=login("hebei"),
                         json={"covered": True, "reason": "列入 2025 年重点排放单位名录"})
    assert covered.status_code == 200, covered.text
    url = f"/api/v1/ets/enterprises/{steel}/months/2025-03"
    evidence = client.post(f"{url}/evidence", headers=manager, data={"kind": "lab_report"},
                           files={"file": ("化验报告.pdf", PDF, "application/pdf")})
    assert evidence.status_code == 201, evidence.text
    body = {"evidence_ids": [evidence.json()["id"]], "confirm": True}
    assert client.post(f"{url}/file", headers=manager, json=body).status_code == 201
    assert client.post(f"{url}/amend", headers=manager, json={"reason": "补充化验报告编号"}).status_code == 200
    assert client.post(f"{url}/file", headers=manager, json=body).status_code == 201
    return steel


def test_report_and_pack(client: TestClient, login: Login, filed: int, database: Database, pages: Pages,
                         monkeypatch: pytest.MonkeyPatch, subtests: pytest.Subtests) -> None:
    steel, manager = filed, login("steel")
    base = f"/api/v1/ets/enterprises/{steel}"

    with subtests.test("the report's numbers: the worked case by hand = the stored figures = the engine"):
        answer = client.get(f"{base}/report?year=2025&format=xlsx&lang=zh-CN", headers=manager)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].endswith("spreadsheetml.sheet")
        book = load_workbook(io.BytesIO(answer.content))
        rows = {r["period"]: r for r in _records(_sheet(book, "C.5"))}
        assert rows["2025-03"]["covered_tco2e"] == pytest.approx(MONTH, rel=1e-9)
        assert rows["2025-04"]["covered_tco2e"] == pytest.approx(MONTH, rel=1e-9)
        assert rows["2025-05"]["covered_tco2e"] == 0
        total = next(r for r in rows.values() if r["period"] == "全年合计")
        assert total["covered_tco2e"] == pytest.approx(2 * MONTH, rel=1e-9)
        with database.session() as s:
            stored = s.scalar(select(func.sum(EtsFigure.covered_tco2e)).where(EtsFigure.enterprise_id == steel,
                                                                              EtsFigure.year == 2025))
        engine = sum(m.figures.covered_tco2e for m in account_ets(InputFile("activity.csv", _csv())).company.months)
        assert total["covered_tco2e"] == pytest.approx(stored, rel=1e-12) and stored == pytest.approx(engine, rel=1e-9)
        assert rows["2025-03"]["filing_status"] == "逾期存证" and rows["2025-03"]["version"] == 2
        products = {r["product"]: r for r in _records(_sheet(book, "产品"))}
        assert products["粗钢"]["total"] == pytest.approx(4200.0)
        assert products["粗钢"]["intensity"] == pytest.approx(2 * MONTH / 4200, rel=1e-9)
        assert products["粗钢"]["intensity"] == pytest.approx(1.152748, abs=1e-6)

    with subtests.test("C.4 the process level: formula (2) by hand for ironmaking; (2) + (3) + (4) = (1)"):
        processes = {r["process"]: r for r in _records(_sheet(book, "C.4"))}
        ironmaking = 750 * 28.435 * 0.02942 * C - 200 * 33.0 * 0.0708 * C  # coke in, blast-furnace gas out (A.1)
        assert processes["炼铁"]["m03"] == pytest.approx(ironmaking, rel=1e-9) and processes["炼铁"]["formula"] == "(2)"
        assert next(r for name, r in processes.items() if name.endswith("CPP"))["formula"] == "(3)"
        assert sum(r["m03"] for r in processes.values()) == pytest.approx(MONTH, rel=1e-9)
        assert sum(r["total"] for r in processes.values()) == pytest.approx(2 * MONTH, rel=1e-9)

    with subtests.test("activity data with their source: measured coke-oven gas NCV, defaults with their rows"):
        activity = _records(_sheet(book, "C.3"))
        coal = next(r for r in activity if r["item"] == "洗精煤" and r["figure"] == "数量")
        assert coal["m03"] == pytest.approx(1000.0) and coal["total"] == pytest.approx(2000.0)
        assert coal["how"] == "缺省值" and "fuel_parameters/cets-ag-03.01-v01-2024:washed_coal.ncv" in coal["parameters"]
        gas = next(r for r in activity if r["item"] == "焦炉煤气" and r["flow"] == "消耗" and r["figure"] == "数量")
        assert "实测" in gas["how"]

    with subtests.test("headers and cells are words, not codes; keys kept as defined names"):
        for sheet in book.worksheets:
            header = [c.value for c in sheet[1]] if sheet.max_column > 2 else []
            for value in header:
                assert isinstance(value, str) and "_" not in value, (sheet.title, value)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in sheet.title), sheet.title
        info = _sheet(book, "C.1")
        assert keyed_cells(info)["enterprise_code"] == (2, 2) and info.cell(2, 2).value == "E-STEEL"
        english = load_workbook(io.BytesIO(client.get(f"{base}/report?year=2025&format=xlsx&lang=en",
                                                      headers=manager).content))
        assert "C.5 Summary by month" in english.sheetnames

    with subtests.test("the pack traces every month to its filings, snapshots and evidence"):
        answer = client.get(f"{base}/verification-pack?year=2025&format=xlsx", headers=login("hebei"))
        assert answer.status_code == 200, answer.text
        book = load_workbook(io.BytesIO(answer.content))
        trace = _records(book["逐月存证"])
        assert sorted({t["period"] for t in trace}) == [f"2025-{m:02d}" for m in range(1, 13)]
        march = [t for t in trace if t["period"] == "2025-03"]
        assert [t["version"] for t in march] == [1, 2]
        assert march[1]["reason"] == "补充化验报告编号" and march[1]["current"] == "是" and march[0]["current"] == "否"
        with database.session() as s:
            versions = s.execute(select(EtsFiling).where(EtsFiling.enterprise_id == steel)
                                 .order_by(EtsFiling.version)).scalars().all()
            digests = [hashlib.sha256(json.dumps(v.snapshot, sort_keys=True, ensure_ascii=False, default=str)
                                      .encode()).hexdigest() for v in versions]
        assert [t["snapshot_sha256"] for t in march] == digests
        assert march[1]["filed_tco2e"] == pytest.approx(MONTH) and march[1]["matches"] == "是"
        assert march[1]["filed_by"] and march[1]["on_time"] == "否"
        april = next(t for t in trace if t["period"] == "2025-04")
        assert april["version"] is None and april["stored_tco2e"] == pytest.approx(MONTH)
        evidence = _records(book["证明材料"])
        assert [(e["period"], e["version"], e["sha256"]) for e in evidence] == [
            ("2025-03", 1, hashlib.sha256(PDF).hexdigest()), ("2025-03", 2, hashlib.sha256(PDF).hexdigest())]
        sources = _records(book["参数来源"])
        ncv = next(p for p in sources if p["ref"] == "fuel_parameters/cets-ag-03.01-v01-2024:washed_coal.ncv")
        assert ncv["value"] == pytest.approx(26.344) and ncv["verification_status"] == "已核验"
        assert any(p["how"] == "实测值" and p["value"] == pytest.approx(173.854) for p in sources)
        lines = _records(book["计算明细"])
        assert sum(d["co2e_t"] for d in lines if d["covered"] == "是") == pytest.approx(2 * MONTH, rel=1e-9)

    with subtests.test("the verification guide's check items answered from the stored data"):
        checks = {c["clause"] + " " + c["check_item"][:4]: c for c in _records(book["核查要点"])}
        by_item = {c["check_item"]: c for c in _records(book["核查要点"])}
        assert len(checks) == 11
        evidence_check = next(c for c in by_item.values() if c["clause"] == "3.5")
        assert evidence_check["result"] == "需核查关注" and "逾期存证：2025-03" in evidence_check["details"]
        assert "2025-04" in evidence_check["details"]  # overdue, not filed
        amended = next(c for c in by_item.values() if c["clause"] == "4.2.2")
        assert "补充化验报告编号" in amended["details"]
        factors = next(c for c in by_item.values() if c["clause"] == "3.4.1.2" and "缺省值" in c["details"])
        assert factors["result"] == "需核查关注" and "高炉煤气" in factors["details"]
        emissions = next(c for c in by_item.values() if c["clause"] == "3.4.1.3")
        assert emissions["result"] == "未发现问题"

    with subtests.test("the zip bundles the report, the pack and the evidence files"):
        answer = client.get(f"{base}/verification-pack?year=2025&format=zip", headers=manager)
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
        names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
        assert any(n.endswith(".pdf") and "annual-report" in n for n in names)
        assert any(n.endswith(".xlsx") for n in names)
        packed = [n for n in names if "/evidence/" in n]
        assert len(packed) == 1 and zipfile.ZipFile(io.BytesIO(answer.content)).read(packed[0]) == PDF
        monkeypatch.setattr(ets_report, "MAX_ZIP_EVIDENCE_BYTES", len(PDF) - 1)  # past the bound: listed, not packed
        bounded = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/verification-pack?year=2025&format=zip",
                                                        headers=manager).content))
        assert not [n for n in bounded.namelist() if "/evidence/" in n]
        listed = next(n for n in bounded.namelist() if n.endswith("evidence-not-packed.txt"))
        assert hashlib.sha256(PDF).hexdigest() in bounded.read(listed).decode()

    with subtests.test("who may read: members, its regulators, admins; another enterprise or an unassigned evaluator 404"):
        for who in ("steel", "steelviewer", "hebei", "admin"):
            assert client.get(f"{base}/report?year=2025&format=xlsx", headers=login(who)).status_code == 200, who
        for who in ("cement", "glass", "evaluator"):
            for path in ("report?year=2025", "verification-pack?year=2025"):
                answer = client.get(f"{base}/{path}", headers=login(who))
                assert answer.status_code == 404 and "E-STEEL" not in answer.text, (who, path)
        assert client.get(f"{base}/report?year=2024", headers=manager).status_code == 404
        assert client.get(f"{base}/report?year=abc", headers=manager).status_code == 422
        assert client.get(f"{base}/report?year=2025&format=docx", headers=manager).status_code == 422

    with subtests.test("the company page links the report and the pack of a year with figures (the browser's session)"):
        browser = pages("steel")
        page = browser.get(f"/ets/enterprises/{steel}?year=2025")
        links = dict(re.findall(r'href="([^"]+)" data-testid="(annual-report-pdf|annual-report-xlsx|verification-pack)"',
                                page.text))
        assert sorted(links.values()) == ["annual-report-pdf", "annual-report-xlsx", "verification-pack"]
        xlsx = next(href for href, testid in links.items() if testid == "annual-report-xlsx")
        answer = browser.get(xlsx.replace("&amp;", "&"))
        assert answer.status_code == 200 and answer.headers["content-type"].endswith("spreadsheetml.sheet")
        assert 'data-testid="annual-report-pdf"' not in browser.get(f"/ets/enterprises/{steel}?year=2024").text

    with subtests.test("the PDFs render with their sections in Chinese and in English"):
        if shutil.which("pdftotext") is None or not cjk_font_available():
            pytest.skip("pdftotext or the Noto CJK fonts (make system-deps) are missing: PDF text not checked")
        text = _pdf_text(client.get(f"{base}/report?year=2025&format=pdf&lang=zh-CN", headers=manager).content)
        for words in ("年度温室气体排放报告", "企业基本信息", "企业层级活动数据", "排放量月度汇总", "声明", "洗精煤",
                      "附录C"):
            assert words in text, words
        english = _pdf_text(client.get(f"{base}/report?year=2025&format=pdf&lang=en", headers=manager).content)
        assert "Annual GHG emission report" in english and "Declaration" in english
        pack = _pdf_text(client.get(f"{base}/verification-pack?year=2025&format=pdf", headers=manager).content)
        assert "核查要点" in pack and hashlib.sha256(PDF).hexdigest()[:32] in pack.replace("\n", "").replace(" ", "")



def test_aluminium_report_closest_structure_and_pfcs(client: TestClient, login: Login, database: Database,
                                                      aluminium: int) -> None:  # noqa: F811
    """Aluminium (CETS—AG—04.01, hand computation of ``tests/ets/test_figures``: anode CO2, CF4 and C2F6 from
    the secondary defaults, natural gas): the report's months and year are the hand values, the PFCs have a
    column of their own, the values not verified are listed, and the report says its structure is the closest
    documented one (the aluminium guideline's template was not found)."""
    commit(client, login("alu"), aluminium, aluminium_csv(ALUMINIUM_MONTHS))
    answer = client.get(f"/api/v1/ets/enterprises/{aluminium}/report?year=2025&format=xlsx&lang=zh-CN",
                        headers=login("alu"))
    assert answer.status_code == 200, answer.text
    book = load_workbook(io.BytesIO(answer.content))
    rows = {r["period"]: r for r in _records(_sheet(book, "C.5"))}
    for period, (aluminium_t, anode_t, gas, _electricity) in ALUMINIUM_MONTHS.items():
        hand = by_hand(aluminium_t, anode_t, gas)
        assert rows[period]["pfc_tco2e"] == pytest.approx(hand["cf4"] + hand["c2f6"], rel=1e-9)
        assert rows[period]["covered_tco2e"] == pytest.approx(hand["covered"], rel=1e-9)
        assert rows[period]["purchased_electricity_mwh"] == pytest.approx(_electricity)
    total = sum(by_hand(a, n, g)["covered"] for a, n, g, _e in ALUMINIUM_MONTHS.values())
    assert rows["全年合计"]["covered_tco2e"] == pytest.approx(total, rel=1e-9)
    products = {r["product"]: r for r in _records(_sheet(book, "产品"))}
    assert products["电解铝"]["intensity"] == pytest.approx(total / 19000, rel=1e-9)
    info = _sheet(book, "C.1")
    row, column = keyed_cells(info)["structure"]
    assert "最接近的已知格式" in info.cell(row, column).value
    findings = " ".join(str(r["message"]) for r in _records(_sheet(book, "提示")))
    assert "未经原文核验的取值" in findings and "二手来源" in findings
    activity = _records(_sheet(book, "C.3"))
    assert any(r["source"] == "阳极效应全氟化碳" and r["figure"] == "排放量" for r in activity)
