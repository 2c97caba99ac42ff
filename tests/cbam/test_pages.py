"""The exporter's pages (出口与CBAM) on SQLite and PostgreSQL: the enterprise lists a good and a customer, enters
the quantity made and calculates (the page shows the SEE against the China default, the derivation and the
findings in Chinese), generates a communication and marks it sent; a bad form comes back located (422) with
nothing stored; the city regulator sees the 404 page until the calculation is shared with it through the page,
finds it on its shared list, and loses it when the share is revoked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.cbam.platform_models import CbamCalculation, CbamCommunication, CbamProduct, CbamShare
from greenmfg.db.session import Database
from tests.factories import Login, Pages, World, commit, page_text, steel_csv


def _count(database: Database, model: Any) -> int:
    with database.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _id(database: Database, model: Any) -> int:
    with database.session() as s:
        return int(s.scalar(select(func.max(model.id))) or 0)


def test_the_exporter_pages(client: TestClient, login: Login, world: World, pages: Pages, database: Database,
                            subtests: pytest.Subtests) -> None:
    steel = world.org("steel")
    commit(client, login("steel"), steel, steel_csv())
    manager, tangshan, outsider = pages("steel"), pages("tangshan"), pages("cement")
    home = f"/cbam/enterprises/{steel}"

    with subtests.test("the entry page opens the enterprise; the page is in Chinese"):
        assert manager.get("/cbam", follow_redirects=False).headers["location"] == home
        assert tangshan.get("/cbam", follow_redirects=False).headers["location"] == "/cbam/shared"
        text = page_text(manager.get(home))
        assert "出口与CBAM" in text and "出口货物" in text and "欧盟客户" in text and "产品碳足迹" in text

    with subtests.test("a bad good comes back located, nothing stored; a good and a customer are added"):
        bad = manager.post(f"{home}/goods", data={"cn_code": "12", "name": "", "facility": "E-STEEL-F1"})
        assert bad.status_code == 422
        text = page_text(bad)
        assert "不是CN编码" in text and "必须填写" in text
        assert _count(database, CbamProduct) == 0
        assert manager.post(f"{home}/goods", data={"cn_code": "7207 11", "name": "连铸板坯",
                                                   "facility": "E-STEEL-F1"}).status_code == 303
        assert manager.post(f"{home}/customers", data={"name": "Stahlhandel GmbH", "country": "DE",
                                                       "eori": "", "contact": ""}).status_code == 303
        text = page_text(manager.get(home))
        assert "7207 11" in text and "连铸板坯" in text and "Stahlhandel GmbH" in text

    product = _id(database, CbamProduct)
    with subtests.test("the quantity entered: a bad period is located; then calculated and shown"):
        bad = manager.post(f"{home}/calculations", data={"period": "2024-13", f"quantity_{product}": "10000"})
        assert bad.status_code == 422 and "不是有效期间" in page_text(bad)
        negative = manager.post(f"{home}/calculations", data={"period": "2024", f"quantity_{product}": "-5"})
        assert negative.status_code == 422 and "goods (entered).csv" in page_text(negative)
        precursor = manager.post(f"{home}/calculations", data={
            "period": "2024", f"quantity_{product}": "10000", "p0_facility": "E-STEEL-F1", "p0_cn": "7201 10",
            "p0_quantity": "abc"})
        assert precursor.status_code == 422 and "precursors (entered).csv" in page_text(precursor)
        assert _count(database, CbamCalculation) == 0
        done = manager.post(f"{home}/calculations", data={"period": "2024", f"quantity_{product}": "10000"})
        assert done.status_code == 303
        calc_url = done.headers["location"]
        assert calc_url == f"{home}/calculations/{_id(database, CbamCalculation)}"
        text = page_text(manager.get(calc_url))
        assert "2024 的计算" in text and "隐含排放量" in text and "计算过程" in text and "7207 11" in text
        assert "5,569.3" in text  # the embedded emissions of the two months, tCO2e
        overview = page_text(manager.get(home))
        assert "货物与中国缺省值对比" in overview and "连铸板坯" in overview

    with subtests.test("a communication generated and sent; its template downloads"):
        customer_page = manager.get(home).text
        customer = re.search(r'name="customer_id"><option value="(\d+)"', customer_page)
        assert customer is not None
        made = manager.post(f"{home}/communications", data={"calculation_id": str(_id(database, CbamCalculation)),
                                                            "customer_id": customer.group(1)})
        assert made.status_code == 303
        url = made.headers["location"]
        page = manager.get(url)
        assert "草稿，未发送" in page_text(page) and "发给 Stahlhandel GmbH 的通报" in page_text(page)
        download = re.search(r'href="(/cbam/enterprises/\d+/communications/\d+/files/\d+)"', page.text)
        assert download is not None
        assert manager.get(download.group(1)).content.startswith(b"PK")
        # one file route for the three kinds of record: a file is found only under its own record
        calculation = f"{home}/calculations/{_id(database, CbamCalculation)}"
        own = re.search(rf'href="({calculation}/files/\d+)"', manager.get(calculation).text)
        assert own is not None
        workbook = manager.get(own.group(1))
        assert workbook.content.startswith(b"PK") and "filename*=UTF-8''" in workbook.headers["content-disposition"]
        assert manager.get(f"{calculation}/files/{download.group(1).rsplit('/', 1)[1]}").status_code == 404
        assert manager.get(download.group(1).replace("/communications/", "/footprints/")).status_code == 404
        assert manager.post(f"{url}/sent").status_code == 303
        assert "已发送" in page_text(manager.get(url))
        with database.session() as s:
            assert s.execute(select(CbamCommunication.status)).scalar_one() == "sent"

    calc_url = f"{home}/calculations/{_id(database, CbamCalculation)}"
    with subtests.test("the regulator and another enterprise: 404 pages until shared"):
        for browser in (tangshan, outsider):
            for path in (home, calc_url, f"{calc_url}/files/1"):
                answer = browser.get(path)
                assert answer.status_code == 404 and "唐山示例钢铁" not in answer.text
        assert outsider.post(f"{home}/goods", data={"cn_code": "7207 11", "name": "x",
                                                    "facility": "E-STEEL-F1"}).status_code == 404
        assert "尚无企业与贵机构共享" in page_text(tangshan.get("/cbam/shared"))

    with subtests.test("shared through the page: the regulator sees it and lists it; revoked: 404 again"):
        page = manager.get(calc_url).text
        grantee = re.search(r'<option value="(\d+)">唐山市工信局（钢铁）', page)
        assert grantee is not None
        shared = manager.post(f"{home}/shares", data={"subject_type": "calculation",
                                                      "subject_id": calc_url.rsplit("/", 1)[1],
                                                      "grantee_id": grantee.group(1)})
        assert shared.status_code == 303 and shared.headers["location"] == calc_url
        assert tangshan.get(calc_url).status_code == 200
        listed = page_text(tangshan.get("/cbam/shared"))
        assert "唐山示例钢铁有限公司" in listed and "CBAM计算" in listed
        assert tangshan.get(home).status_code == 404
        share_id = _id(database, CbamShare)
        revoked = manager.post(f"{home}/shares/{share_id}/revoke", data={"subject_type": "calculation",
                                                                        "subject_id": calc_url.rsplit("/", 1)[1]})
        assert revoked.status_code == 303
        assert tangshan.get(calc_url).status_code == 404

    with subtests.test("admins: every exporter is listed and its page opens"):
        admin = pages("admin")
        assert admin.get("/cbam", follow_redirects=False).headers["location"] == "/cbam/shared"
        listed = admin.get("/cbam/shared")
        assert f'href="{home}"' in listed.text and "有CBAM数据的企业" in page_text(listed)
        assert admin.get(home).status_code == 200
