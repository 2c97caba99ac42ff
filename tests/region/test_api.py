"""The regional view: what each regulator sees, and figures equal to sums of committed results.

Results are created the way enterprises create them (upload + commit through the API); the
expected figures are summed here, independently, from each enterprise's results as the results
API returns them.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from greenmfg.db.session import Database
from tests.factories import ACTIVITY_HEADER, Login, World, commit, signed_in

REGION_ROUTES = ("/api/v1/region/summary", "/api/v1/region/enterprises", "/api/v1/region/top-emitters",
                 "/api/v1/region/rising-intensities")

STEEL = ("E-STEEL", "唐山示例钢铁有限公司", "钢铁", "E-STEEL-F1")
GLASS = ("E-GLASS", "邢台示例玻璃有限公司", "平板玻璃", "E-GLASS-F1")


def activity_csv(who: tuple[str, str, str, str], region: str,
                 rows: list[tuple[str, str, float, str, str]]) -> bytes:
    """An activity file of one facility: rows of (period, item, quantity, unit, flow)."""
    code, name, industry, facility = who
    lines = [",".join(ACTIVITY_HEADER)]
    lines += [f"{code},{name},{industry},{region},{facility},{period},{item},{quantity},{unit},{flow}"
              for period, item, quantity, unit, flow in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def steel_rows(period: str, coke: float, output: float = 5000.0) -> list[tuple[str, str, float, str, str]]:
    return [(period, "焦炭", coke, "吨", "consumed"), (period, "电力", 120.0, "万千瓦时", "purchased"),
            (period, "粗钢", output, "吨", "produced")]


def glass_rows(period: str, gas: float, output: float = 40000.0) -> list[tuple[str, str, float, str, str]]:
    return [(period, "天然气", gas, "万立方米", "consumed"), (period, "电力", 80.0, "万千瓦时", "purchased"),
            (period, "平板玻璃", output, "重量箱", "produced")]


@pytest.fixture
def region(client: TestClient, login: Login, world: World) -> World:
    """Steel: 2023-01…03 and 2024-01…02 (more coke per tonne in 2024); glass: 2023-01 and 2024-01…02."""
    commit(client, login("steel"), world.org("steel"), activity_csv(STEEL, "130000", [
        *steel_rows("2023-01", 1000), *steel_rows("2023-02", 1000), *steel_rows("2023-03", 1000),
        *steel_rows("2024-01", 1200), *steel_rows("2024-02", 1150, output=4800)]))
    commit(client, login("glass"), world.org("glass"), activity_csv(GLASS, "130000", [
        *glass_rows("2023-01", 50), *glass_rows("2024-01", 48), *glass_rows("2024-02", 52)]))
    return world


def results_of(client: TestClient, login: Login, enterprise_id: int) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/enterprises/{enterprise_id}/results", headers=login("admin"))
    assert answer.status_code == 200
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def sums(results: list[dict[str, Any]], periods: set[str] | None = None, year: str | None = None) -> dict[str, float]:
    chosen = [r for r in results if (periods is None or r["period"] in periods)
              and (year is None or r["period"].startswith(year))]
    return {"energy": sum(r["energy_tce"] for r in chosen),
            "total": sum(r["emissions_tco2e"]["total"] for r in chosen),
            "scope1": sum(r["emissions_tco2e"]["scope1"] for r in chosen),
            "scope2": sum(r["emissions_tco2e"]["scope2"] for r in chosen),
            "n": len(chosen)}


def pooled(results: list[dict[str, Any]], product: str, periods: set[str], key: str = "energy_intensity") -> float:
    """Output-weighted intensity of ``product`` over ``periods``, from the results' products."""
    pairs = [(p[key], p["quantity"]) for r in results if r["period"] in periods for p in r["products"]
             if p["product"] == product]
    return sum(i * q for i, q in pairs) / sum(q for _i, q in pairs)


# ------------------------------------------------------------------------------ access


def test_each_endpoint_shows_only_the_jurisdiction(client: TestClient, login: Login, region: World,
                                                   subtests: pytest.Subtests) -> None:
    # cement (Jiangsu) has no results: listed for the admin only, as not reporting
    industries = {"E-STEEL": "steel", "E-GLASS": "flat_glass"}
    for username, visible in (("hebei", {"E-STEEL", "E-GLASS"}), ("tangshan", {"E-STEEL"}),
                              ("admin", {"E-STEEL", "E-GLASS", "E-CEMENT"})):
        with subtests.test(user=username):
            headers = login(username)
            table = client.get("/api/v1/region/enterprises?year=2024", headers=headers).json()
            assert {e["code"] for e in table["items"]} == visible and table["total"] == len(visible)
            reporting = visible - {"E-CEMENT"}
            top = client.get("/api/v1/region/top-emitters?year=2024", headers=headers).json()
            assert {e["code"] for e in top["items"]} == reporting
            summary = client.get("/api/v1/region/summary?year=2024", headers=headers).json()
            assert summary["enterprises_visible"] == len(visible)
            assert summary["totals"]["enterprises_reporting"] == len(reporting)
            assert {g["industry"] for g in summary["by_industry"]} == {industries[c] for c in reporting}
            rising = client.get("/api/v1/region/rising-intensities?year=2024&limit=100", headers=headers).json()
            assert {i["enterprise_code"] for i in rising["items"]} <= visible
            everything = " ".join(client.get(r, headers=headers).text for r in REGION_ROUTES)
            for code, name in (("E-STEEL", "唐山示例钢铁"), ("E-GLASS", "邢台示例玻璃"), ("E-CEMENT", "苏州示例水泥")):
                assert (code in everything) == (code in visible)
                assert (name in everything) == (code in visible)
    for username in ("steel", "steelviewer", "cement", "glass", "evaluator"):
        with subtests.test(user=username):
            for route in REGION_ROUTES:
                answer = client.get(route, headers=login(username))
                assert answer.status_code == 403, route
                assert answer.json()["error"]["code"] == "forbidden"
                assert "E-STEEL" not in answer.text and "E-GLASS" not in answer.text


def test_region_needs_credentials(client: TestClient, world: World) -> None:
    for route in REGION_ROUTES:
        assert client.get(route).status_code == 401


def test_bad_parameters_are_422(client: TestClient, login: Login, world: World) -> None:
    headers = login("hebei")
    for url in ("/api/v1/region/enterprises?sort=password", "/api/v1/region/summary?year=1800",
                "/api/v1/region/rising-intensities?metric=carbon", "/api/v1/region/top-emitters?limit=0",
                "/api/v1/region/enterprises?page_size=501"):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 422, url
        assert set(answer.json()["error"]) == {"status", "code", "message", "message_zh", "details"}


# ---------------------------------------------------------------------------- figures


def test_summary_equals_the_sums_of_committed_results(client: TestClient, login: Login, region: World) -> None:
    steel = results_of(client, login, region.org("steel"))
    glass = results_of(client, login, region.org("glass"))
    summary = client.get("/api/v1/region/summary", headers=login("hebei")).json()
    assert summary["year"] == 2024 and summary["years"] == [2024, 2023]  # latest year by default

    expected = {k: sums(steel, year="2024")[k] + sums(glass, year="2024")[k] for k in ("energy", "total", "scope1",
                                                                                      "scope2")}
    totals = summary["totals"]
    assert totals["energy_tce"] == pytest.approx(expected["energy"], rel=1e-9)
    assert totals["emissions_tco2e"]["total"] == pytest.approx(expected["total"], rel=1e-9)
    assert totals["emissions_tco2e"]["scope1"] == pytest.approx(expected["scope1"], rel=1e-9)
    assert totals["emissions_tco2e"]["scope2"] == pytest.approx(expected["scope2"], rel=1e-9)

    # like for like: steel's Jan+Feb 2023 (not March) and glass's Jan 2023 (glass has no Feb 2023)
    previous = {k: sums(steel, {"2023-01", "2023-02"})[k] + sums(glass, {"2023-01"})[k] for k in ("energy", "total")}
    assert summary["previous"]["energy_tce"] == pytest.approx(previous["energy"], rel=1e-9)
    assert summary["change"]["energy"] == pytest.approx(expected["energy"] / previous["energy"] - 1, rel=1e-9)
    assert summary["change"]["emissions"] == pytest.approx(expected["total"] / previous["total"] - 1, rel=1e-9)

    by_period = {p["period"]: p for p in summary["by_period"]}
    assert sorted(by_period) == ["2023-01", "2023-02", "2023-03", "2024-01", "2024-02"]
    for period, figures in by_period.items():
        assert figures["energy_tce"] == pytest.approx(sums(steel, {period})["energy"] + sums(glass, {period})["energy"])
    assert by_period["2023-03"]["enterprises_reporting"] == 1
    by_year = {p["period"]: p["energy_tce"] for p in summary["by_year"]}
    assert by_year["2023"] == pytest.approx(sums(steel, year="2023")["energy"] + sums(glass, year="2023")["energy"])

    industries = {g["industry"]: g for g in summary["by_industry"]}
    assert industries["steel"]["energy_tce"] == pytest.approx(sums(steel, year="2024")["energy"])
    assert industries["steel"]["name"] == {"zh": "钢铁", "en": "iron and steel"}
    cities = {g["city"]: g for g in summary["by_city"]}
    assert set(cities) == {"唐山", "邢台"}
    assert cities["邢台"]["emissions_tco2e"]["total"] == pytest.approx(sums(glass, year="2024")["total"])
    assert cities["唐山"]["name"] == {"zh": "唐山市", "en": "Tangshan"}
    assert cities["唐山"]["change"]["emissions"] == pytest.approx(
        sums(steel, year="2024")["total"] / sums(steel, {"2023-01", "2023-02"})["total"] - 1)

    # a second steel plant in 唐山 (created by an admin, city given as 唐山市): the city adds both up
    created = client.post("/api/v1/admin/organisations", headers=login("admin"), json={
        "kind": "enterprise", "name": "唐山第二钢铁有限公司", "code": "E-STEEL-2", "industry": "steel",
        "province": "130000", "city": "唐山市"})
    assert created.status_code == 201 and created.json()["city"] == "唐山"  # stored as enterprises store it
    second = created.json()["id"]
    commit(client, login("admin"), second, activity_csv(("E-STEEL-2", "唐山第二钢铁有限公司", "钢铁", "F1"), "130000",
                                                        steel_rows("2024-01", 900)))
    expected = sums(steel, year="2024")["energy"] + sums(results_of(client, login, second), year="2024")["energy"]
    cities = {g["city"]: g for g in client.get("/api/v1/region/summary?year=2024",
                                               headers=login("tangshan")).json()["by_city"]}
    assert cities["唐山"]["energy_tce"] == pytest.approx(expected)
    assert cities["唐山"]["enterprises_reporting"] == 2


def test_enterprises_top_emitters_and_rising_intensities(client: TestClient, login: Login, region: World,
                                                        subtests: pytest.Subtests) -> None:
    with subtests.test("a row: figures, change against the same months, main product"):
        steel = results_of(client, login, region.org("steel"))
        table = client.get("/api/v1/region/enterprises?year=2024", headers=login("tangshan")).json()
        assert table["page"] == 1 and table["page_size"] == 50 and table["total"] == 1
        row = table["items"][0]
        now, before = sums(steel, year="2024"), sums(steel, {"2023-01", "2023-02"})
        assert row["energy_tce"] == pytest.approx(now["energy"])
        assert row["emissions_tco2e"]["scope1"] == pytest.approx(now["scope1"])
        assert row["emissions_tco2e"]["scope2"] == pytest.approx(now["scope2"])
        assert row["previous"]["energy_tce"] == pytest.approx(before["energy"])
        assert row["change"]["energy"] == pytest.approx(now["energy"] / before["energy"] - 1)
        assert row["periods"] == 2 and row["reporting"] is True
        assert row["industry_name"]["zh"] == "钢铁" and row["city_name"] == {"zh": "唐山市", "en": "Tangshan"}
        assert row["emissions_share"] == pytest.approx(1.0)
        product = row["main_product"]
        assert product["product"] == "crude_steel" and product["quantity"] == pytest.approx(9800)
        assert product["energy_intensity"] == pytest.approx(pooled(steel, "crude_steel", {"2024-01", "2024-02"}))
        assert product["emission_intensity"] == pytest.approx(
            pooled(steel, "crude_steel", {"2024-01", "2024-02"}, "emission_intensity"))
    with subtests.test("server-side filters, sorting and pages"):
        headers = login("hebei")

        def codes(query: str) -> list[str]:
            answer = client.get(f"/api/v1/region/enterprises?year=2024&{query}", headers=headers)
            assert answer.status_code == 200, answer.text
            return [e["code"] for e in answer.json()["items"]]

        by_energy = sorted(client.get("/api/v1/region/enterprises?year=2024", headers=headers).json()["items"],
                           key=lambda e: -e["energy_tce"])
        assert codes("sort=-energy") == [e["code"] for e in by_energy]
        assert codes("sort=energy") == [e["code"] for e in reversed(by_energy)]
        assert codes("industry=flat_glass") == ["E-GLASS"]
        assert codes("city=唐山") == ["E-STEEL"]
        assert codes("q=玻璃") == ["E-GLASS"] and codes("q=e-steel") == ["E-STEEL"]
        assert codes("industry=cement") == []  # cement exists, but outside Hebei
        first = client.get("/api/v1/region/enterprises?year=2024&sort=name&page_size=1", headers=headers).json()
        second = client.get("/api/v1/region/enterprises?year=2024&sort=name&page_size=1&page=2", headers=headers).json()
        assert first["total"] == second["total"] == 2
        assert {first["items"][0]["code"], second["items"][0]["code"]} == {"E-STEEL", "E-GLASS"}
    with subtests.test("top emitters with their share"):
        top = client.get("/api/v1/region/top-emitters?year=2024&limit=1", headers=login("hebei")).json()
        steel = sums(results_of(client, login, region.org("steel")), year="2024")["total"]
        glass = sums(results_of(client, login, region.org("glass")), year="2024")["total"]
        assert top["total_emissions_tco2e"] == pytest.approx(steel + glass)
        assert len(top["items"]) == 1
        leader = top["items"][0]
        assert leader["code"] == ("E-STEEL" if steel > glass else "E-GLASS")
        assert leader["emissions_share"] == pytest.approx(max(steel, glass) / (steel + glass))
    with subtests.test("rising intensities: the latest months against the same months a year earlier"):
        answer = client.get("/api/v1/region/rising-intensities?year=2024", headers=login("hebei")).json()
        # 2024 has only January and February: monthly basis, the same months of 2023
        assert answer["basis"] == "latest_3_months"
        assert answer["current_periods"] == ["2024-01", "2024-02"]
        assert answer["previous_periods"] == ["2023-01", "2023-02"]
        assert "same months a year earlier" in answer["note"] and "上年同期" in answer["note_zh"]
        steel = results_of(client, login, region.org("steel"))
        items = {(i["enterprise_code"], i["product"]): i for i in answer["items"]}
        rise = items[("E-STEEL", "crude_steel")]
        now = pooled(steel, "crude_steel", {"2024-01", "2024-02"})
        before = pooled(steel, "crude_steel", {"2023-01", "2023-02"})
        assert now > before  # more coke per tonne in 2024
        assert rise["current"] == pytest.approx(now) and rise["previous"] == pytest.approx(before)
        assert rise["change"] == pytest.approx(now / before - 1)
        assert rise["unit"] == "kgce/t" and rise["product_name"]["zh"] == "粗钢"
        changes = [i["change"] for i in answer["items"]]
        assert changes == sorted(changes, reverse=True) and all(c > 0 for c in changes)
        emission = client.get("/api/v1/region/rising-intensities?year=2024&metric=emission",
                              headers=login("hebei")).json()
        assert all(i["metric"] == "emission" and i["unit"] == "tCO2e/t" for i in emission["items"]
                   if i["product"] == "crude_steel")
    with subtests.test("a year without data"):
        headers = login("hebei")
        summary = client.get("/api/v1/region/summary?year=2019", headers=headers).json()
        assert summary["totals"]["energy_tce"] == 0 and summary["totals"]["enterprises_reporting"] == 0
        assert summary["previous"] is None and summary["change"] == {"energy": None, "emissions": None}
        rising = client.get("/api/v1/region/rising-intensities?year=2019", headers=headers).json()
        assert rising["items"] == []
        assert client.get("/api/v1/region/top-emitters?year=2019", headers=headers).json()["items"] == []


def test_year_over_year_basis_and_annual_results_counted_once(client: TestClient, login: Login,
                                                              world: World) -> None:
    commit(client, login("steel"), world.org("steel"), activity_csv(STEEL, "130000", [
        *steel_rows("2021", 12000, output=60000), *steel_rows("2022", 13000, output=60000)]))
    # a month of a year that already has an annual result: the annual one counts, not both
    commit(client, login("steel"), world.org("steel"), activity_csv(STEEL, "130000", steel_rows("2022-05", 1000)))
    steel = results_of(client, login, world.org("steel"))
    assert {r["period"] for r in steel} == {"2021", "2022", "2022-05"}
    summary = client.get("/api/v1/region/summary?year=2022", headers=login("hebei")).json()
    assert summary["totals"]["energy_tce"] == pytest.approx(sums(steel, {"2022"})["energy"])
    assert summary["change"]["energy"] == pytest.approx(sums(steel, {"2022"})["energy"] /
                                                        sums(steel, {"2021"})["energy"] - 1)

    answer = client.get("/api/v1/region/rising-intensities?year=2022", headers=login("tangshan")).json()
    assert answer["basis"] == "year_over_year"
    assert answer["current_periods"] == ["2022"] and answer["previous_periods"] == ["2021"]
    rise = next(i for i in answer["items"] if i["product"] == "crude_steel")
    assert rise["change"] == pytest.approx(pooled(steel, "crude_steel", {"2022"}) /
                                           pooled(steel, "crude_steel", {"2021"}) - 1)


def test_region_before_and_after_the_first_import(client: TestClient, login: Login, world: World) -> None:
    summary = client.get("/api/v1/region/summary", headers=login("hebei")).json()
    assert summary["year"] is None and summary["years"] == [] and summary["enterprises_visible"] == 2
    table = client.get("/api/v1/region/enterprises", headers=login("hebei")).json()
    assert table["total"] == 2 and all(not e["reporting"] for e in table["items"])
    rising = client.get("/api/v1/region/rising-intensities", headers=login("hebei")).json()
    assert rising["basis"] is None and rising["items"] == []

    # one enterprise reports: the other is listed after it, without figures
    commit(client, login("steel"), world.org("steel"), activity_csv(STEEL, "130000", steel_rows("2024-01", 1000)))
    table = client.get("/api/v1/region/enterprises?sort=energy", headers=login("hebei")).json()
    assert [e["code"] for e in table["items"]] == ["E-STEEL", "E-GLASS"]
    glass = table["items"][1]
    assert glass["reporting"] is False and glass["energy_tce"] is None and glass["main_product"] is None
    missing = client.get("/api/v1/region/enterprises?reporting=false", headers=login("hebei")).json()
    assert [e["code"] for e in missing["items"]] == ["E-GLASS"]


# ------------------------------------------------------------------------------- page


def test_region_page(client: TestClient, region: World, subtests: pytest.Subtests) -> None:
    for locale, title, city, industry in (("zh-CN", "区域监管总览", "唐山市", "钢铁"),
                                          ("en", "Regional overview", "Tangshan", "Iron and steel")):
        with subtests.test("renders", locale=locale):
            page = signed_in(client, "hebei", locale=locale).get("/region")
            assert page.status_code == 200 and page.headers["content-language"] == locale
            html = page.text
            assert title in html and city in html and industry in html
            assert "唐山示例钢铁有限公司" in html and "邢台示例玻璃有限公司" in html
            assert "苏州示例水泥" not in html and "E-CEMENT" not in html
            assert f'href="/enterprises/{region.org("steel")}"' in html
            for chart in ("chart-trend", "chart-industry", "chart-city"):
                assert f'id="{chart}"' in html
            assert 'data-testid="region-rising"' in html and 'data-basis="latest_3_months"' in html
    with subtests.test("filters on the server"):
        browser = signed_in(client, "hebei")
        html = browser.get("/region?industry=flat_glass").text
        table = html[html.index('data-testid="region-enterprises"'):]
        table = table[:table.index("</table>")]
        assert "邢台示例玻璃有限公司" in table and "唐山示例钢铁有限公司" not in table
        assert "没有符合筛选条件的企业" in browser.get("/region?q=nothing-like-this").text
        assert browser.get("/region?sort=password").status_code == 422
    with subtests.test("an admin sees every enterprise"):
        html = signed_in(client, "admin", locale="en").get("/region").text
        assert "All enterprises on the platform" in html
        assert "苏州示例水泥有限公司" in html and "No data" in html  # cement has no results yet
    with subtests.test("a city regulator sees its city"):
        html = signed_in(client, "tangshan").get("/region").text
        assert "唐山示例钢铁有限公司" in html and "邢台示例玻璃有限公司" not in html
    for username in ("steel", "cement", "evaluator"):
        with subtests.test("others are refused", user=username):
            page = signed_in(client, username).get("/region")
            assert page.status_code == 403
            assert "唐山示例钢铁有限公司" not in page.text and "邢台示例玻璃有限公司" not in page.text


def test_region_page_needs_sign_in(client: TestClient, world: World) -> None:
    answer = client.get("/region", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_region_page_reads_the_results_of_a_year_once(client: TestClient, region: World,
                                                      database: Database) -> None:
    """The page shows the summary, the groups by industry and city, the table and the top emitters:
    all derive from one grouped read of each enterprise's results of the year (and one of the
    comparable previous periods), not one read per view (issue #11: it read the year 6-8 times)."""
    browser = signed_in(client, "hebei")
    assert browser.get("/region").status_code == 200
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        assert browser.get("/region").status_code == 200
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    per_enterprise = [s for s in statements if "FROM facility_results" in s
                      and "GROUP BY facility_results.enterprise_id" in s]
    # the year's sums and the comparable previous periods' sums, each once; the products of the
    # enterprises listed (one page, the top emitters) and the rising intensities group by product
    plain = [s for s in per_enterprise if "facility_result_products" not in s]
    assert len(plain) == 2, "\n".join(plain)
    assert sum(1 for s in statements if "FROM organisations" in s and "facility_results" not in s
               and "organisations.city" in s and "GROUP BY" not in s) <= 2
