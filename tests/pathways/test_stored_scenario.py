"""Scenarios written from the stored data (issue #18 part 2): base year, benchmark gaps, diagnosis
measures, a region's industries, access, and the YAML's round trip through the upload, on both backends.

Steel (唐山, crude steel) and glass (邢台, flat glass) have counted results of 2023 and 2024
(tests/pathways/test_decomposition.py). What the generated scenario should hold is read here from the
stored rows themselves (results, products, benchmark plant-years) and from the diagnosis API, not from
the generator.
"""

from __future__ import annotations

import io
import re

import pytest
import yaml
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from greenmfg.accounting.models import FacilityResult
from greenmfg.compliance.stored import StoredPlantYear
from greenmfg.db.session import Database
from greenmfg.pathways import service
from greenmfg.pathways.scenarios import INDEX_UNIT
from greenmfg.pathways.stored_scenario import OTHER, POLICY_KEY, ROUTE_KEY, attainment_year
from tests.factories import (
    ACTIVITY_HEADER,
    Login,
    PageSession,
    World,
    commit,
    page_text,
    sheet_records,
)
from tests.pathways.test_decomposition import STEEL, activity_csv

#: the diagnosis's worked motor (tests/diagnosis/test_api.py): 4 poles 7.5 kW at 88.0 %, 6000 h × 0.75
MOTOR = {"kind": "电动机", "code": "M-1", "name": "1号循环水泵电机", "rated_power_kw": 7.5, "poles": 4,
         "efficiency_pct": 88.0, "hours_per_year": 6000, "load_factor": 0.75}



def stored(database: Database, enterprise_ids: list[int], year: int) -> dict[str, float]:
    """Output of each product, energy and emissions of the counted results, summed here."""
    out: dict[str, float] = {"energy": 0.0, "total": 0.0, "process": 0.0, "electricity": 0.0}
    with database.session() as session:
        for r in session.scalars(select(FacilityResult).where(FacilityResult.enterprise_id.in_(enterprise_ids),
                                                              FacilityResult.counted.is_(True),
                                                              FacilityResult.year == year)):
            out["energy"] += r.energy_tce
            out["total"] += r.total_tco2e
            out["process"] += r.process_tco2e
            out["electricity"] += r.purchased_electricity_tco2e
            for p in r.products:
                out[p["product"]] = out.get(p["product"], 0.0) + p["quantity"]
    return out


def baseline(document: dict) -> dict:
    return next(s for s in document["scenarios"] if s["key"] == "baseline")


def policy(document: dict) -> dict:
    return next(s for s in document["scenarios"] if s["key"] == POLICY_KEY)


@pytest.mark.parametrize(("who", "product", "year"), [("glass", "flat_glass", 2023), ("steel", "crude_steel", 2024)])
def test_the_generated_scenario_reproduces_the_stored_base_year(client: TestClient, login: Login, seeded: World,
                                                                database: Database, who: str, product: str,
                                                                year: int) -> None:
    answer = client.get(f"/api/v1/pathways/enterprises/{seeded.org(who)}/scenario?year={year}", headers=login(who))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    run = body["run"]
    expected = stored(database, [seeded.org(who)], year)
    assert expected[product] > 0 and expected["energy"] > 0 and expected["total"] != 0
    base = baseline(run)
    assert run["base_year"] == year and base["years"][0] == year
    sector = next(x for x in base["sectors"] if x["key"] == product)
    assert sector["output"][0] == pytest.approx(expected[product], rel=1e-12)
    assert base["energy_tce"][0] == pytest.approx(expected["energy"], rel=1e-9)
    assert base["total_tco2"][0] == pytest.approx(expected["total"], rel=1e-9)
    # purchased electricity and process emissions as stored (steel: the carbon fixed in crude steel, negative)
    assert base["emissions_tco2"]["electricity"][0] == pytest.approx(expected["electricity"], rel=1e-9)
    assert base["emissions_tco2"]["process"][0] == pytest.approx(expected["process"], abs=1e-6)
    if who == "steel":
        assert expected["process"] < 0
    # the baseline holds the base year: the same in 2060
    assert base["total_tco2"][-1] == pytest.approx(base["total_tco2"][0], rel=1e-12)
    # no warning that the model's base year differs from the stored one
    assert not [w for w in run["warnings"] if w["code"].endswith("base_year_mismatch")]
    # each value says where it came from: the output names the results it was read from
    derivation = run["provenance"]["derivation"]
    output = next(d for d in derivation if d["key"] == "output" and d["sector"] == product)
    with database.session() as session:
        ids = session.scalars(select(FacilityResult.id).where(FacilityResult.enterprise_id == seeded.org(who),
                                                              FacilityResult.counted.is_(True),
                                                              FacilityResult.year == year)).all()
    assert output["ref"] == "facility_results:" + ", ".join(str(i) for i in sorted(ids))
    assert output["value"] == pytest.approx(expected[product])


def test_the_benchmark_gap_is_the_attainment_level(client: TestClient, login: Login, seeded: World,
                                                   database: Database) -> None:
    glass = seeded.org("glass")
    with database.session() as session:
        plant = session.scalars(select(StoredPlantYear).where(
            StoredPlantYear.enterprise_id == glass, StoredPlantYear.year == 2023, StoredPlantYear.option == "newest",
            StoredPlantYear.by_period.is_(False))).one()
        gap, level, value = plant.gap_to_benchmark, plant.benchmark_level, plant.value
    assert gap is not None and gap > 0 and plant.cls == "below_baseline"
    answer = client.get(f"/api/v1/pathways/enterprises/{glass}/scenario.yaml?year=2023", headers=login("glass"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/yaml")
    document = yaml.safe_load(answer.text)
    intensity = document["sectors"][0]["routes"][0]["energy_intensity"]
    assert intensity == pytest.approx(value)        # the facility's whole energy per weight box, as benchmarked
    change = document["policies"][0]["changes"]["sectors"][0]["routes"][0]
    assert change["key"] == ROUTE_KEY
    assert change["benchmark"]["year"] == attainment_year(2023) == 2030
    assert intensity - change["benchmark"]["level"] == pytest.approx(gap, rel=1e-12)
    assert change["benchmark"]["level"] == pytest.approx(level)
    # the run follows: the policy reaches the level in 2030, the baseline stays
    run = client.get(f"/api/v1/pathways/enterprises/{glass}/scenario?year=2023", headers=login("glass")).json()["run"]
    reached = policy(run)["sectors"][0]["routes"][0]["energy_intensity_kgce_per_unit"]
    years = policy(run)["years"]
    assert reached[years.index(2030)] == pytest.approx(level) and reached[0] == pytest.approx(value)
    assert baseline(run)["sectors"][0]["routes"][0]["energy_intensity_kgce_per_unit"][years.index(2030)] == \
        pytest.approx(value)
    entry = next(d for d in run["provenance"]["derivation"] if d["key"] == "benchmark_class")
    assert entry["value"] == pytest.approx(gap) and entry["ref"] == f"benchmark_plant_years:{plant.id}"


def test_a_diagnosis_measure_appears_with_its_savings(client: TestClient, login: Login, seeded: World) -> None:
    steel = seeded.org("steel")
    assert client.post(f"/api/v1/enterprises/{steel}/equipment", headers=login("steel"), json=MOTOR).status_code == 201
    check = client.get(f"/api/v1/enterprises/{steel}/equipment/check?year=2024", headers=login("steel")).json()
    tce = next(i for i in check["items"] if i["code"] == "M-1")["measure"]["tce"]
    assert tce == pytest.approx(1905.19 * 0.1229 / 1000, abs=1e-5)     # the diagnosis's worked figure
    body = client.get(f"/api/v1/pathways/enterprises/{steel}/scenario?year=2024", headers=login("steel")).json()
    document = yaml.safe_load(body["yaml"])
    measures = document["policies"][0]["changes"]["sectors"][0]["routes"][0]["measures"]
    assert [m["name"] for m in measures] == ["M-1 1号循环水泵电机"]
    base_energy = baseline(body["run"])["energy_tce"][0]
    assert measures[0]["savings_pct"] == pytest.approx(tce / base_energy * 100, rel=1e-9)
    assert measures[0]["start_year"] == 2025
    # steel has no benchmark class: the policy's energy is the baseline's less the measure's saving
    run = body["run"]
    years = run["scenarios"][0]["years"]
    saved = baseline(run)["energy_tce"][years.index(2025)] - policy(run)["energy_tce"][years.index(2025)]
    assert saved == pytest.approx(tce, rel=1e-9)
    assert policy(run)["energy_tce"][0] == pytest.approx(base_energy)     # not before it starts
    entry = next(d for d in run["provenance"]["derivation"] if d["key"] == "measure")
    assert entry["ref"].startswith("diagnosis_equipment:") and "M-1" in entry["what"]


def test_a_region_run_lists_each_industry(client: TestClient, login: Login, seeded: World,
                                          database: Database) -> None:
    answer = client.get("/api/v1/pathways/regions/130000/scenario?year=2024", headers=login("hebei"))
    assert answer.status_code == 200, answer.text
    run = answer.json()["run"]
    industries = {i["key"]: i for i in baseline(run)["industries"]}
    assert set(industries) == {"steel", "flat_glass"}
    for key, who in (("steel", "steel"), ("flat_glass", "glass")):
        assert industries[key]["total_tco2"][0] == pytest.approx(stored(database, [seeded.org(who)], 2024)["total"],
                                                                 rel=1e-9)
    both = stored(database, [seeded.org("steel"), seeded.org("glass")], 2024)
    assert baseline(run)["total_tco2"][0] == pytest.approx(both["total"], rel=1e-9)
    # glass reaches its benchmark in the policy (lower in 2030), steel has nothing to do
    policy_industries = {i["key"]: i for i in policy(run)["industries"]}
    years = run["scenarios"][0]["years"]
    assert policy_industries["flat_glass"]["total_tco2"][years.index(2030)] < \
        industries["flat_glass"]["total_tco2"][years.index(2030)]
    assert policy_industries["steel"]["total_tco2"][years.index(2030)] == \
        pytest.approx(industries["steel"]["total_tco2"][years.index(2030)])
    # one industry of the region
    one = client.get("/api/v1/pathways/regions/130000/scenario?industry=steel&year=2024", headers=login("hebei"))
    assert one.status_code == 200
    assert [i["key"] for i in baseline(one.json()["run"])["industries"]] == ["steel"]
    # the page: the industries side by side, in words
    page = PageSession(client, "hebei")
    shown = page.get("/pathways/region?scenario=data&scenario_year=2024")
    assert shown.status_code == 200, shown.text[:2000]
    table = re.search(r'data-testid="industry-pathways".*?</table>', shown.text, re.S)
    assert table is not None and "钢铁" in table.group(0) and "平板玻璃" in table.group(0)
    assert 'data-testid="derivation"' in shown.text and 'id="pw-bands"' in shown.text
    from tests.platform.test_zh_text import problems, visible

    assert not problems("the region's scenario", visible(shown.text).texts)
    # the workbook: a row per industry and scenario, with the peak deadline
    book = load_workbook(io.BytesIO(page.get("/pathways/region.xlsx").content))
    sheet = next(ws for ws in book.worksheets if ws.title == "各行业对比")
    rows = sheet_records(sheet)
    assert {(r["scenario"], r["industry"]) for r in rows} == {(s, i) for s in ("基准情景", "标杆达标与设备更新")
                                                             for i in ("钢铁", "平板玻璃")}
    steel_row = next(r for r in rows if r["industry"] == "钢铁" and r["scenario"] == "基准情景")
    assert steel_row["base_tco2"] == pytest.approx(stored(database, [seeded.org("steel")], 2024)["total"], rel=1e-9)
    assert steel_row["deadline_year"] == 2030 and steel_row["deadline_met"] == "是"
    assert any(ws.title == "各行业排放变化效应" for ws in book.worksheets)
    # in English (a sheet name with a character Excel refuses in one, ':', was a 500)
    page.language("en")
    english = page.get("/pathways/region.xlsx")
    assert english.status_code == 200, english.text[:500]
    titles = [ws.title for ws in load_workbook(io.BytesIO(english.content)).worksheets]
    assert "Industries side by side" in titles and "Industries  effects on emission" in titles, titles  # cut to 31 characters


def test_access_is_the_pathways_routes_access(client: TestClient, login: Login, seeded: World) -> None:
    steel = seeded.org("steel")
    for who in ("cement", "glass", "evaluator"):
        for tail in ("scenario", "scenario.yaml"):
            hidden = client.get(f"/api/v1/pathways/enterprises/{steel}/{tail}", headers=login(who))
            assert hidden.status_code == 404 and "唐山示例钢铁" not in hidden.text and "E-STEEL" not in hidden.text
    outsider = PageSession(client, "cement")
    assert outsider.get(f"/enterprises/{steel}/pathways?scenario=data").status_code == 404
    assert outsider.get(f"/enterprises/{steel}/pathways/scenario.yaml").status_code == 404
    assert outsider.get(f"/enterprises/{steel}/pathways/scenario.xlsx").status_code == 404
    # a region: the whole area's regulators and admins only
    for who in ("tangshan", "steel", "cement"):
        assert client.get("/api/v1/pathways/regions/130000/scenario", headers=login(who)).status_code == 403
    assert client.get("/api/v1/pathways/regions/320000/scenario.yaml", headers=login("hebei")).status_code == 403
    assert PageSession(client, "steel").get("/pathways/region?scenario=data").status_code == 403
    assert PageSession(client, "tangshan").get("/pathways/region/scenario.yaml?area=130000/").status_code == 403
    assert client.get("/api/v1/pathways/regions/130000/scenario", headers=login("admin")).status_code == 200


def test_a_year_without_results_is_a_located_422(client: TestClient, login: Login, seeded: World) -> None:
    answer = client.get(f"/api/v1/pathways/enterprises/{seeded.org('steel')}/scenario?year=2019",
                        headers=login("steel"))
    assert answer.status_code == 422
    assert "2023, 2024" in answer.text
    page = PageSession(client, "steel").get(f"/enterprises/{seeded.org('steel')}/pathways?scenario=data&scenario_year=2019")
    assert page.status_code == 422 and 'data-testid="scenario-errors"' in page.text


def test_the_yaml_round_trips_through_the_upload(client: TestClient, login: Login, seeded: World) -> None:
    glass = seeded.org("glass")
    body = client.get(f"/api/v1/pathways/enterprises/{glass}/scenario?year=2024", headers=login("glass")).json()
    text = client.get(f"/api/v1/pathways/enterprises/{glass}/scenario.yaml?year=2024", headers=login("glass")).text
    assert text == body["yaml"]
    uploaded = service.uploaded_scenario(body["file"], text.encode("utf-8")).to_document()
    assert [s["total_tco2"] for s in uploaded["scenarios"]] == [s["total_tco2"] for s in body["run"]["scenarios"]]
    assert [s["energy_tce"] for s in uploaded["scenarios"]] == [s["energy_tce"] for s in body["run"]["scenarios"]]
    assert [s["peak"] for s in uploaded["scenarios"]] == [s["peak"] for s in body["run"]["scenarios"]]
    # through the page's upload form: the same peak, and the file is the user's to edit
    page = PageSession(client, "glass")
    answer = page.post(f"/enterprises/{glass}/pathways/scenario", data={"format": "page"},
                       files={"file": (body["file"], text.encode("utf-8"), "application/yaml")})
    assert answer.status_code == 200, answer.text[:2000]
    assert "标杆达标与设备更新" in page_text(answer)
    edited = text.replace("growth_pct: 0", "growth_pct: 2")
    assert edited != text
    grown = service.uploaded_scenario("edited.yaml", edited.encode("utf-8")).to_document()
    years = grown["scenarios"][0]["years"]
    assert grown["scenarios"][0]["total_tco2"][years.index(2030)] == pytest.approx(
        body["run"]["scenarios"][0]["total_tco2"][0] * 1.02 ** (2030 - 2024), rel=1e-9)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_enterprise_page_runs_the_scenario_from_my_data(client: TestClient, seeded: World, locale: str) -> None:
    page = PageSession(client, "glass")
    if locale == "en":
        page.language("en")
    answer = page.get(f"/enterprises/{seeded.org('glass')}/pathways")
    assert 'data-testid="stored-run"' in answer.text
    answer = page.get(f"/enterprises/{seeded.org('glass')}/pathways?scenario=data")
    assert answer.status_code == 200, answer.text[:2000]
    text = page_text(answer)
    derivation = re.search(r'data-testid="derivation".*?</details>', answer.text, re.S)
    assert derivation is not None and 'id="pw-bands"' in answer.text
    if locale == "zh-CN":
        assert "用我的数据生成情景" in text and "取值来源" in text and "平板玻璃" in derivation.group(0)
        assert "天然气" in derivation.group(0) and "natural_gas" not in derivation.group(0)
        # words, not codes (the check of tests/platform/test_zh_text.py)
        from tests.platform.test_zh_text import problems, visible

        assert not problems("the enterprise's scenario", visible(answer.text).texts)
    else:
        assert "Scenario from my data" in text and "Where the values come from" in text
        assert "Natural gas" in derivation.group(0) or "natural gas" in derivation.group(0)
    assert f"/enterprises/{seeded.org('glass')}/pathways/scenario.yaml?year=2024" in answer.text
    # its downloads: the file, the workbook (with where the values come from), the report
    assert yaml.safe_load(page.get(f"/enterprises/{seeded.org('glass')}/pathways/scenario.yaml?year=2024").text)[
        "base_year"] == 2024
    book = load_workbook(io.BytesIO(page.get(f"/enterprises/{seeded.org('glass')}/pathways/scenario.xlsx").content))
    assert ("取值来源" if locale == "zh-CN" else "Where the values come from") in book.sheetnames
    assert page.get(f"/enterprises/{seeded.org('glass')}/pathways/scenario.pdf").content[:5] == b"%PDF-"


def test_energy_use_without_product_output_is_an_activity_index(client: TestClient, login: Login, world: World,
                                                                 database: Database) -> None:
    """An enterprise that reports energy only (no produced line): its whole stored year in a sector ``other``."""
    rows = [",".join(ACTIVITY_HEADER)] + [
        f"E-CEMENT,苏州示例水泥有限公司,水泥,320000,E-CEMENT-F1,2024,{item},{quantity},{unit},{flow}"
        for item, quantity, unit, flow in (("烟煤", 3000, "吨", "consumed"), ("电力", 500, "万千瓦时", "purchased"))]
    commit(client, login("cement"), world.org("cement"), ("\n".join(rows) + "\n").encode("utf-8"))
    body = client.get(f"/api/v1/pathways/enterprises/{world.org('cement')}/scenario", headers=login("cement")).json()
    expected = stored(database, [world.org("cement")], 2024)
    assert expected["total"] > 0
    sector = baseline(body["run"])["sectors"][0]
    assert (sector["key"], sector["unit"], sector["output"][0]) == (OTHER, INDEX_UNIT, 1.0)
    assert sector["total_tco2"][0] == pytest.approx(expected["total"], rel=1e-9)
    assert sector["energy_tce"][0] == pytest.approx(expected["energy"], rel=1e-9)
    # the index grows with its growth rate (the file is the user's to edit)
    text = body["yaml"].replace("growth_pct: 0", "growth_pct: -3")
    shrunk = service.uploaded_scenario("c.yaml", text.encode("utf-8")).to_document()
    assert shrunk["scenarios"][0]["total_tco2"][1] == pytest.approx(expected["total"] * 0.97, rel=1e-9)


def test_a_facility_supplying_more_energy_than_it_uses_has_a_negative_intensity(client: TestClient, login: Login,
                                                                                 world: World,
                                                                                 database: Database) -> None:
    """A works that supplies more energy than it takes in (here: 2 000 MWh of electricity out, 100 t of coke in):
    its net energy is negative, so is the generated intensity, and the base year is still the stored one."""
    commit(client, login("steel"), world.org("steel"), activity_csv(STEEL, [
        ("2024", "焦炭", 100.0, "吨", "consumed"), ("2024", "电力", 200.0, "万千瓦时", "exported"),
        ("2024", "粗钢", 10000.0, "吨", "produced")]))
    expected = stored(database, [world.org("steel")], 2024)
    assert expected["energy"] < 0
    body = client.get(f"/api/v1/pathways/enterprises/{world.org('steel')}/scenario", headers=login("steel")).json()
    route = yaml.safe_load(body["yaml"])["sectors"][0]["routes"][0]
    assert route["energy_intensity"] < 0
    assert route["energy_intensity"] == pytest.approx(expected["energy"] / 10000 * 1000, rel=1e-12)
    assert route["fuel_mix"] == {"electricity": 1.0}     # what it supplies
    base = baseline(body["run"])
    assert base["energy_tce"][0] == pytest.approx(expected["energy"], rel=1e-9)
    assert base["total_tco2"][0] == pytest.approx(expected["total"], rel=1e-9)


def test_a_regions_measures_are_one_per_sector(client: TestClient, login: Login, seeded: World) -> None:
    """Two equipment measures of the steel company: two measures in its own file, one in the region's (savings
    multiply, as the model applies measures: 1 − (1 − s₁)(1 − s₂))."""
    steel = seeded.org("steel")
    transformer = {"kind": "变压器", "code": "T-1", "name": "1号配电变压器", "capacity_kva": 1000,
                   "no_load_loss_w": 1150, "load_loss_w": 10300, "hours_per_year": 8760, "load_factor": 0.5}
    for body in (MOTOR, transformer):
        assert client.post(f"/api/v1/enterprises/{steel}/equipment", headers=login("steel"), json=body).status_code == 201
    own = yaml.safe_load(client.get(f"/api/v1/pathways/enterprises/{steel}/scenario.yaml?year=2024",
                                    headers=login("steel")).text)
    pcts = [m["savings_pct"] for m in own["policies"][0]["changes"]["sectors"][0]["routes"][0]["measures"]]
    assert len(pcts) == 2 and all(p > 0 for p in pcts)
    region = yaml.safe_load(client.get("/api/v1/pathways/regions/130000/scenario.yaml?year=2024",
                                       headers=login("hebei")).text)
    sector = next(x for x in region["policies"][0]["changes"]["sectors"] if x["key"] == "steel.crude_steel")
    [measure] = sector["routes"][0]["measures"]
    assert measure["savings_pct"] == pytest.approx(100 * (1 - (1 - pcts[0] / 100) * (1 - pcts[1] / 100)), rel=1e-12)
    assert "2" in measure["name"]
