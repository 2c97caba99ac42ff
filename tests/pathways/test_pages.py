"""The pathway pages, downloads and API (issue #18 part 5), on both backends.

Steel (唐山) and glass (邢台) have counted results of 2023 and 2024 (tests/pathways/test_decomposition.py):
the pages show what the services compute, to whom the access policy lets see it.
"""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from greenmfg.db.session import Database
from greenmfg.pathways.decomposition import Scope, decompose_stored
from tests.factories import Login, PageSession, World, page_text


def test_the_api_answers_the_enterprises_decomposition(client: TestClient, login: Login, seeded: World,
                                                       database: Database) -> None:
    steel_id = seeded.org("steel")
    answer = client.get(f"/api/v1/pathways/enterprises/{steel_id}/decomposition", headers=login("steel"))
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert (document["base_year"], document["target_year"]) == (2023, 2024)
    expected = decompose_stored(database, Scope("enterprise", enterprise_id=steel_id), base=2023, target=2024)
    emissions = next(a for a in document["aggregates"] if a["name"] == "emissions")
    assert emissions["change"] == pytest.approx(expected.aggregate("emissions").change)
    assert sum(e["additive"] for e in emissions["effects"]) == pytest.approx(emissions["change"])
    # another enterprise and an evaluator of another see nothing
    for who in ("cement", "glass", "evaluator"):
        hidden = client.get(f"/api/v1/pathways/enterprises/{steel_id}/decomposition", headers=login(who))
        assert hidden.status_code == 404 and "唐山示例钢铁" not in hidden.text


def test_the_enterprise_page_draws_the_waterfall_and_the_cost_curve(client: TestClient, seeded: World) -> None:
    page = PageSession(client, "steel")
    answer = page.get(f"/enterprises/{seeded.org('steel')}/pathways")
    assert answer.status_code == 200, answer.text
    text = page_text(answer)
    assert "碳达峰路径" in text and "活动水平效应" in text
    assert 'id="pw-waterfall"' in answer.text and 'id="pw-macc"' in answer.text
    assert '"renderItem": "macc"' in answer.text.replace("&#34;", '"').replace("&quot;", '"')
    # the portfolio table lists the library's steel measures counted on 66 000 t of crude steel
    assert 'data-testid="portfolio"' in answer.text
    # another enterprise's user gets the 404 page
    assert PageSession(client, "cement").get(f"/enterprises/{seeded.org('steel')}/pathways").status_code == 404


def test_the_example_scenario_shows_bands_and_peak_probability(client: TestClient, seeded: World) -> None:
    page = PageSession(client, "steel")
    answer = page.get(f"/enterprises/{seeded.org('steel')}/pathways?scenario=example")
    assert answer.status_code == 200
    assert 'id="pw-bands"' in answer.text and 'id="pw-peak"' in answer.text
    assert "基准情景" in page_text(answer) and "政策情景" in page_text(answer)


def test_a_bad_scenario_upload_is_a_located_422_and_changes_nothing(client: TestClient, seeded: World) -> None:
    page = PageSession(client, "steel")
    bad = b"title: x\nbase_year: 2020\nend_year: 2060\nsectors:\n  - key: steel\n    name: s\n    unit: t\n    output: {base: -5}\n"
    answer = page.post(f"/enterprises/{seeded.org('steel')}/pathways/scenario", data={"format": "page"},
                       files={"file": ("bad.yaml", bad, "application/yaml")})
    assert answer.status_code == 422
    errors = re.search(r'data-testid="scenario-errors".*?</div>', answer.text, re.S)
    assert errors is not None and "bad.yaml" in errors.group(0)
    # hostile: not UTF-8
    answer = page.post(f"/enterprises/{seeded.org('steel')}/pathways/scenario", data={"format": "page"},
                       files={"file": ("x.yaml", b"\xff\xfe\x00bad", "application/yaml")})
    assert answer.status_code == 422 and "UTF-8" in answer.text


def test_an_uploaded_scenario_downloads_as_a_workbook(client: TestClient, seeded: World) -> None:
    from greenmfg.pathways.service import example_text

    page = PageSession(client, "steel")
    answer = page.post(f"/enterprises/{seeded.org('steel')}/pathways/scenario", data={"format": "xlsx"},
                       files={"file": ("province.yaml", example_text(), "application/yaml")})
    assert answer.status_code == 200, answer.text[:500]
    book = load_workbook(io.BytesIO(answer.content))
    assert len(book.sheetnames) >= 2


def test_the_decomposition_and_macc_workbooks(client: TestClient, seeded: World) -> None:
    page = PageSession(client, "steel")
    answer = page.get(f"/enterprises/{seeded.org('steel')}/pathways/decomposition.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert sheet["A1"].value == "分解对象"
    answer = page.get(f"/enterprises/{seeded.org('steel')}/pathways/macc.xlsx")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"


def test_the_regulator_sees_its_regions_industries_side_by_side(client: TestClient, login: Login,
                                                                 seeded: World) -> None:
    page = PageSession(client, "hebei")
    answer = page.get("/pathways/region")
    assert answer.status_code == 200, answer.text
    text = page_text(answer)
    assert "钢铁" in text and "平板玻璃" in text and 'data-testid="side-by-side"' in answer.text
    api = client.get("/api/v1/pathways/regions/130000/industries", headers=login("hebei"))
    assert api.status_code == 200
    industries = {i["industry"]: i for i in api.json()["industries"]}
    assert set(industries) == {"steel", "flat_glass"}
    # the region's change is the sum of its industries' (no other industry in Hebei)
    total = next(a for a in api.json()["total"]["aggregates"] if a["name"] == "emissions")["change"]
    parts = sum(next(a for a in i["decomposition"]["aggregates"] if a["name"] == "emissions")["change"]
                for i in industries.values())
    assert total == pytest.approx(parts)
    # another province, a regulator limited to one industry, an enterprise: refused
    assert client.get("/api/v1/pathways/regions/320000/industries", headers=login("hebei")).status_code == 403
    assert client.get("/api/v1/pathways/regions/130000/industries", headers=login("tangshan")).status_code == 403
    assert client.get("/api/v1/pathways/regions/130000/industries", headers=login("steel")).status_code == 403
    assert PageSession(client, "hebei").get("/pathways/region?area=320000/").status_code == 403


def test_the_entry_opens_the_callers_page(client: TestClient, seeded: World) -> None:
    assert PageSession(client, "steel").get("/pathways", follow_redirects=False).headers["location"] == \
        f"/enterprises/{seeded.org('steel')}/pathways"
    assert PageSession(client, "hebei").get("/pathways", follow_redirects=False).headers["location"] == "/pathways/region"


def test_the_example_api_caps_the_draws(client: TestClient, login: Login, world: World) -> None:
    answer = client.get("/api/v1/pathways/scenarios/example?draws=200&seed=7", headers=login("steel"))
    assert answer.status_code == 200
    assert answer.json()["scenarios"][0]["uncertainty"]["draws"] == 200
    assert client.get("/api/v1/pathways/scenarios/example?draws=5000", headers=login("steel")).status_code == 422


def test_the_pdf_report(client: TestClient, seeded: World) -> None:
    answer = PageSession(client, "steel").get(f"/enterprises/{seeded.org('steel')}/pathways/report.pdf")
    assert answer.status_code == 200 and answer.content[:5] == b"%PDF-"
    answer = PageSession(client, "hebei").get("/pathways/region.pdf")
    assert answer.status_code == 200 and answer.content[:5] == b"%PDF-"
