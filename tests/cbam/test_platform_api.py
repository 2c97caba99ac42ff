"""The exporters' CBAM data through ``/api/v1/cbam`` on SQLite and PostgreSQL (issue #17 part 5): goods and EU
customers, a calculation on the stored activity (the same figures as ``greenmfg cbam`` on the same rows), the
communication generated for a customer (stored with its SHA-256, draft → sent, verified with the verifier's report),
a supplier's template received and used as precursor values, product footprints with their reports, and sharing:
a regulator covering the enterprise, an evaluator and another enterprise see nothing until a record is shared with
their organisation, then that record only, until the share is revoked. Bad and hostile input: located 4xx, nothing
stored."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from greenmfg.audit.models import AuditEvent
from greenmfg.cbam import account_cbam
from greenmfg.cbam.platform_models import (
    CbamCalculation,
    CbamCommunication,
    CbamCustomer,
    CbamProduct,
    CbamShare,
)
from greenmfg.db.session import Database
from tests.factories import Login, World, commit, steel_csv

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
GOODS = b"facility_id,period,cn_code,quantity,unit\nE-STEEL-F1,2024,7207 11,10000,t\n"


def _count(database: Database, model: Any) -> int:
    with database.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _base(world: World) -> str:
    return f"/api/v1/cbam/enterprises/{world.org('steel')}"


def _calculate(client: TestClient, headers: dict[str, str], base: str, goods: bytes = GOODS, period: str = "2024",
               precursors: bytes | None = None, name: str = "goods.csv") -> Any:
    files: dict[str, Any] = {"goods": (name, goods, "text/csv")}
    if precursors is not None:
        files["precursors"] = ("precursors.csv", precursors, "text/csv")
    return client.post(f"{base}/calculations", headers=headers, data={"period": period}, files=files)


def _grantee(client: TestClient, login: Login, base: str, name: str) -> int:
    choices = client.get(base, headers=login("steel")).json()["may_share_with"]
    return next(c["id"] for c in choices if c["name"] == name)


def test_calculation_communication_and_sharing(client: TestClient, login: Login, world: World, database: Database,
                                               tmp_path: Path, subtests: pytest.Subtests) -> None:
    steel, base = login("steel"), _base(world)
    commit(client, steel, world.org("steel"), steel_csv())

    with subtests.test("goods and customers: located errors, nothing stored; then stored"):
        bad = client.post(f"{base}/goods", headers=steel, json={"cn_code": "9999", "name": "x", "facility": "NOPE"})
        assert bad.status_code == 422
        columns = {d["column"] for d in bad.json()["error"]["details"]}
        assert columns == {"cn_code", "facility"}, bad.text
        assert all(d["message_zh"] for d in bad.json()["error"]["details"])
        not_eu = client.post(f"{base}/customers", headers=steel, json={"name": "Acme", "country": "US",
                                                                        "eori": "x" * 40})
        assert not_eu.status_code == 422
        assert {d["column"] for d in not_eu.json()["error"]["details"]} == {"country", "eori"}
        assert (_count(database, CbamProduct), _count(database, CbamCustomer)) == (0, 0)
        good = client.post(f"{base}/goods", headers=steel, json={"cn_code": "720711", "name": "板坯",
                                                                  "facility": "E-STEEL-F1"})
        assert good.status_code == 201 and good.json()["cn_code"] == "7207 11"
        customer = client.post(f"{base}/customers", headers=steel, json={"name": "Stahlhandel GmbH", "country": "de",
                                                                          "eori": "DE1234567890123"})
        assert customer.status_code == 201 and customer.json()["country"] == "DE"

    with subtests.test("the calculation on the stored rows equals greenmfg cbam on the same file"):
        answer = _calculate(client, steel, base)
        assert answer.status_code == 201, answer.text
        calc = answer.json()
        (tmp_path / "activity.csv").write_bytes(steel_csv())
        (tmp_path / "goods.csv").write_bytes(GOODS)
        cli = account_cbam(tmp_path / "activity.csv", tmp_path / "goods.csv")
        assert calc["embedded_tco2e"] == pytest.approx(cli.embedded_t, rel=1e-9)
        assert calc["document"]["goods"][0]["see_direct"] == pytest.approx(cli.goods[0].see_direct, rel=1e-9)
        # the two months of 2024 are what was accounted, each named with its data version
        assert sorted(v["period"] for v in calc["data_versions"]) == ["2024-01", "2024-02"]
        detail = client.get(f"{base}/calculations/{calc['id']}", headers=steel).json()
        assert detail["current"] is True and len(detail["reference_fingerprint"]) == 64
        assert sorted(f["kind"] for f in detail["files"]) == ["result", "template"]
        result = client.get(next(f["href"] for f in detail["files"] if f["kind"] == "result"), headers=steel)
        assert result.status_code == 200
        book = load_workbook(io.BytesIO(result.content))
        assert book.sheetnames[0] == "货物" and book["货物"].max_row == 2

    with subtests.test("the same goods sent as JSON rows give the same result; bad rows are located"):
        rows = client.post(f"{base}/calculations/rows", headers=steel, json={"period": "2024", "goods": [
            {"facility_id": "E-STEEL-F1", "period": "2024", "cn_code": "7207 11", "quantity": 10000, "unit": "t"}]})
        assert rows.status_code == 201, rows.text
        assert rows.json()["embedded_tco2e"] == pytest.approx(calc["embedded_tco2e"], rel=1e-12)
        for body in ({"period": "2024", "goods": "DROP TABLE"}, {"period": "2024", "goods": [[1, 2]]},
                     {"period": "2024", "goods": [{"facility_id": {"$gt": ""}}]},
                     {"period": "2024", "goods": [{"facility_id": "E-STEEL-F1"}] * 2001}):
            refused = client.post(f"{base}/calculations/rows", headers=steel, json=body)
            assert refused.status_code == 422 and refused.json()["error"]["details"][0]["column"] == "goods"
        negative = client.post(f"{base}/calculations/rows", headers=steel, json={"period": "2024", "goods": [
            {"facility_id": "E-STEEL-F1", "period": "2024", "cn_code": "7207 11", "quantity": -1, "unit": "t"}]})
        issue = negative.json()["error"]["details"][0]
        assert (issue["file"], issue["row"], issue["column"]) == ("goods (entered).csv", 2, "quantity")
        assert client.post(f"{base}/calculations/rows", headers=login("tangshan"),
                           json={"goods": "x"}).status_code == 404
        assert _count(database, CbamCalculation) == 2

    calculation_id = calc["id"]
    calc_url = f"{base}/calculations/{calculation_id}"
    with subtests.test("viewers read, may change nothing"):
        viewer = login("steelviewer")
        assert client.get(calc_url, headers=viewer).status_code == 200
        assert _calculate(client, viewer, base).status_code == 403
        assert client.post(f"{base}/goods", headers=viewer, json={}).status_code == 403
        assert _count(database, CbamCalculation) == 2

    with subtests.test("a regulator covering the enterprise, an evaluator, another enterprise: 404, no data"):
        for username in ("tangshan", "hebei", "evaluator", "cement"):
            for url in (base, calc_url, f"{calc_url}/files/1"):
                answer = client.get(url, headers=login(username))
                assert answer.status_code == 404, (username, url, answer.text)
                assert "唐山示例钢铁" not in answer.text and "E-STEEL" not in answer.text
            assert client.get("/api/v1/cbam/shared", headers=login(username)).json() == {"items": []}

    with subtests.test("shared with the city regulator: it reads that calculation and its files, nothing else"):
        tangshan_id = _grantee(client, login, base, "唐山市工信局（钢铁）")
        shared = client.post(f"{base}/shares", headers=steel, json={"subject_type": "calculation",
                                                                     "subject_id": calculation_id,
                                                                     "grantee_id": tangshan_id})
        assert shared.status_code == 201, shared.text
        again = client.post(f"{base}/shares", headers=steel, json={"subject_type": "calculation",
                                                                    "subject_id": calculation_id,
                                                                    "grantee_id": tangshan_id})
        assert again.status_code == 409
        tangshan = login("tangshan")
        seen = client.get(calc_url, headers=tangshan)
        assert seen.status_code == 200 and seen.json()["embedded_tco2e"] == pytest.approx(calc["embedded_tco2e"])
        template = next(f for f in seen.json()["files"] if f["kind"] == "template")
        download = client.get(template["href"], headers=tangshan)
        assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == template["sha256"]
        assert client.get(base, headers=tangshan).status_code == 404
        items = client.get("/api/v1/cbam/shared", headers=tangshan).json()["items"]
        assert [(i["subject_type"], i["subject_id"]) for i in items] == [("calculation", calculation_id)]
        # the province regulator was not shared with, and a viewer may not share
        assert client.get(calc_url, headers=login("hebei")).status_code == 404
        assert client.post(f"{base}/shares", headers=login("steelviewer"), json={
            "subject_type": "calculation", "subject_id": calculation_id, "grantee_id": tangshan_id}).status_code == 403
        # a regulator that does not cover the enterprise is no choice
        outside = client.post(f"{base}/shares", headers=steel, json={"subject_type": "calculation",
                                                                      "subject_id": calculation_id,
                                                                      "grantee_id": world.org("cement")})
        assert outside.status_code == 422

    with subtests.test("the communication: generated for the customer, sent once, verified with a PDF report"):
        made = client.post(f"{base}/communications", headers=steel, json={"calculation_id": calculation_id,
                                                                            "customer_id": customer.json()["id"]})
        assert made.status_code == 201 and made.json()["status"] == "draft"
        communication = made.json()
        url = f"{base}/communications/{communication['id']}"
        files = client.get(url, headers=steel).json()["files"]
        content = client.get(files[0]["href"], headers=steel).content
        assert hashlib.sha256(content).hexdigest() == communication["sha256"] == files[0]["sha256"]
        assert "Summary_Communication" in load_workbook(io.BytesIO(content)).sheetnames
        assert client.post(f"{url}/sent", headers=steel).json()["status"] == "sent"
        assert client.post(f"{url}/sent", headers=steel).status_code == 409
        png = client.post(f"{url}/verification", headers=steel, data={"verifier": "TÜV 核查员"},
                          files={"report": ("report.png", b"\x89PNG\r\n\x1a\nxxxx", "image/png")})
        assert png.status_code == 422
        nameless = client.post(f"{url}/verification", headers=steel, data={"verifier": ""},
                               files={"report": ("report.pdf", PDF, "application/pdf")})
        assert nameless.status_code == 422 and nameless.json()["error"]["details"][0]["column"] == "verifier"
        # the verifier: nothing until the communication is shared with it; then it records the verification
        report = {"report": ("核查报告.pdf", PDF, "application/pdf")}
        evaluator = login("evaluator")
        assert client.post(f"{url}/verification", headers=evaluator, data={"verifier": "x"},
                           files=report).status_code == 404
        for grantee in ("评价机构", "唐山市工信局（钢铁）"):
            assert client.post(f"{base}/shares", headers=steel, json={
                "subject_type": "communication", "subject_id": communication["id"],
                "grantee_id": _grantee(client, login, base, grantee)}).status_code == 201
        assert client.get(url, headers=evaluator).status_code == 200
        assert client.post(f"{url}/verification", headers=login("tangshan"), data={"verifier": "x"},
                           files=report).status_code == 403
        verified = client.post(f"{url}/verification", headers=evaluator, data={"verifier": "评价机构 张工"},
                               files=report)
        assert verified.status_code == 200, verified.text
        assert (verified.json()["verification"], verified.json()["verified_by"]) == ("verified", "评价机构 张工")
        assert client.post(f"{url}/verification", headers=steel, data={"verifier": "x"},
                           files=report).status_code == 409
        kinds = sorted(f["kind"] for f in client.get(url, headers=steel).json()["files"])
        assert kinds == ["template", "verifier_report"]
        assert client.get(url, headers=login("hebei")).status_code == 404

    with subtests.test("revoked: the regulator no longer sees the calculation; every step audited"):
        share_id = shared.json()["id"]
        assert client.post(f"{base}/shares/{share_id}/revoke", headers=steel).status_code == 200
        assert client.post(f"{base}/shares/{share_id}/revoke", headers=steel).status_code == 409
        assert client.get(calc_url, headers=login("tangshan")).status_code == 404
        assert client.get(f"{calc_url}/files/1", headers=login("tangshan")).status_code == 404
        with database.session() as s:
            actions = set(s.execute(select(AuditEvent.action).where(AuditEvent.action.like("cbam.%"))).scalars())
            assert {"cbam.calculate", "cbam.share", "cbam.share.revoke", "cbam.communication.create",
                    "cbam.communication.sent", "cbam.communication.verified"} <= actions
            assert s.execute(select(CbamShare.revoked_at).where(
                CbamShare.subject_type == "calculation")).scalar_one() is not None

    with subtests.test("admins see the enterprise's CBAM data"):
        overview = client.get(base, headers=login("admin")).json()
        assert [c["id"] for c in overview["calculations"]][-1] == calculation_id
        assert overview["communications_sent"][0]["verification"] == "verified"


def test_supplier_template_gives_the_precursor_values(client: TestClient, login: Login, world: World,
                                                      database: Database) -> None:
    steel, base = login("steel"), _base(world)
    commit(client, steel, world.org("steel"), steel_csv())
    slabs = _calculate(client, steel, base).json()
    calc = client.get(f"{base}/calculations/{slabs['id']}", headers=steel).json()
    template = client.get(next(f["href"] for f in calc["files"] if f["kind"] == "template"), headers=steel).content
    nameless = client.post(f"{base}/communications/received", headers=steel, data={"supplier": "", "period": "2024"},
                           files={"file": ("slab_supplier.xlsx", template, "application/octet-stream")})
    assert nameless.status_code == 422 and nameless.json()["error"]["details"][0]["column"] == "supplier"
    received = client.post(f"{base}/communications/received", headers=steel,
                           data={"supplier": "板坯供应商", "period": "2024"},
                           files={"file": ("slab_supplier.xlsx", template, "application/octet-stream")})
    assert received.status_code == 201, received.text
    records = received.json()["records"]
    assert [r["cn"] for r in records] == ["720711"]
    slab_see = slabs["document"]["goods"][0]["see_direct"]
    assert records[0]["see_direct"] == pytest.approx(slab_see, rel=1e-6)
    # hot-rolled plate made from 10 500 t of the supplier's slabs, named by the template's file
    goods = b"facility_id,period,cn_code,quantity,unit\nE-STEEL-F1,2024,7208 51,10000,t\n"
    precursors = b"facility_id,period,precursor_cn_code,quantity,unit,supplier\nE-STEEL-F1,2024,7207 11,10500,t,slab_supplier\n"
    answer = _calculate(client, steel, base, goods=goods, precursors=precursors)
    assert answer.status_code == 201, answer.text
    good = answer.json()["document"]["goods"][0]
    own = slabs["document"]["processes"][0]["attributed_direct_t"]
    assert good["see_direct"] == pytest.approx((own + 10_500 * records[0]["see_direct"]) / 10_000, rel=1e-6)
    with database.session() as s:
        assert s.execute(select(CbamCommunication.status).where(
            CbamCommunication.direction == "received")).scalar_one() == "used"


def test_bad_and_hostile_uploads_are_located_and_change_nothing(client: TestClient, login: Login, world: World,
                                                                database: Database,
                                                                subtests: pytest.Subtests) -> None:
    steel, base = login("steel"), _base(world)
    commit(client, steel, world.org("steel"), steel_csv())
    with subtests.test("a bad CN code on row 3: file, row, column, both languages"):
        goods = GOODS + b"E-STEEL-F1,2024,abc,5,t\n"
        answer = _calculate(client, steel, base, goods=goods, name="出口产品.csv")
        assert answer.status_code == 422
        issue = answer.json()["error"]["details"][0]
        assert (issue["file"], issue["row"], issue["column"]) == ("出口产品.csv", 3, "cn_code")
        assert issue["message_zh"] and issue["fix_zh"]
    with subtests.test("a bad period; a period without stored activity; a good outside the period"):
        assert _calculate(client, steel, base, period="2024-13").json()["error"]["details"][0]["column"] == "period"
        none = _calculate(client, steel, base, period="2023").json()["error"]["details"]
        assert none[0]["code"] == "cbam.input.no_activity"
        outside = _calculate(client, steel, base, period="2024-01")
        assert outside.status_code == 422 and outside.json()["error"]["details"][0]["row"] == 2
    with subtests.test("hostile files: binary, a zip that is no workbook, a huge name, a foreign template"):
        assert _calculate(client, steel, base, goods=b"\x00\x01\x02" * 100, name="g.csv").status_code in (400, 422)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("evil.txt", "x" * 1000)
        assert _calculate(client, steel, base, goods=buffer.getvalue(), name="g.xlsx").status_code in (400, 422)
        assert _calculate(client, steel, base, name="g" * 300 + ".csv").status_code == 400
        foreign = client.post(f"{base}/communications/received", headers=steel,
                              data={"supplier": "x", "period": "2024"},
                              files={"file": ("t.xlsx", buffer.getvalue(), "application/octet-stream")})
        assert foreign.status_code in (400, 422)
        assert client.post(f"{base}/shares", headers=steel, json={"subject_type": "'; drop table x",
                                                                   "subject_id": "x", "grantee_id": -1}).status_code == 422
    assert (_count(database, CbamCalculation), _count(database, CbamCommunication)) == (0, 0)


def test_footprints_from_the_stored_activity(client: TestClient, login: Login, world: World, database: Database,
                                             subtests: pytest.Subtests) -> None:
    steel, base = login("steel"), _base(world)
    commit(client, steel, world.org("steel"), steel_csv())
    products = "facility_id,period,product,quantity,unit,route\nE-STEEL-F1,2024,粗钢,10000,t,bf_bof\n".encode()
    with subtests.test("a bad products file: located, nothing stored"):
        bad = client.post(f"{base}/footprints", headers=steel, data={"period": "2024"},
                          files={"products": ("p.csv", "facility_id,period,product,quantity,unit\n"
                                                        "E-STEEL-F1,2024,粗钢,abc,t\n".encode(), "text/csv")})
        assert bad.status_code == 422
        issue = bad.json()["error"]["details"][0]
        assert (issue["file"], issue["row"], issue["cell"]) == ("p.csv", 2, "D2")
        assert client.get(base, headers=steel).json()["footprints"] == []
    with subtests.test("stored with its workbook and PDF report; not seen by the regulator"):
        answer = client.post(f"{base}/footprints", headers=steel, data={"period": "2024"},
                             files={"products": ("products.csv", products, "text/csv")})
        assert answer.status_code == 201, answer.text
        footprint = answer.json()
        results = footprint["document"]["results"]
        assert [(r["facility_id"], r["period"]) for r in results] == [("E-STEEL-F1", "2024")]
        # the whole burden of the boundary on its one product: footprint × quantity = burden, and the direct
        # stage is the accounting's direct emissions of the two months (as the CBAM calculation attributes them)
        boundary = footprint["document"]["boundaries"][0]
        assert results[0]["footprint_kgco2e_per_unit"] * 10_000 / 1000 == pytest.approx(boundary["total_tco2e"],
                                                                                         rel=1e-6)
        calc = _calculate(client, steel, base).json()
        assert boundary["burden_tco2e"]["direct"] == pytest.approx(calc["document"]["processes"][0]["direct_t"],
                                                                   rel=1e-6)
        detail = client.get(f"{base}/footprints/{footprint['id']}", headers=steel).json()
        kinds = {f["kind"]: f for f in detail["files"]}
        assert set(kinds) == {"workbook", "report"}
        pdf = client.get(kinds["report"]["href"], headers=steel)
        assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
        assert client.get(f"{base}/footprints/{footprint['id']}", headers=login("tangshan")).status_code == 404
