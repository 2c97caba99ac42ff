"""Allocation special cases declared per line, and the steel intensity from process-level figures.

Cement 2025 (the 2024-2025 allocation plan as quoted, secondary): a line producing only white
Portland clinker is allocated its verified emissions; the general line verified emissions × (1 + α)
with α from its intensity against the balance value. A line new in the year is outside the
allocation (no allowances, no obligation). Steel 2025: A = the enterprise's verified emissions ×
(1 + α), the intensity = the process-level emissions (CETS—AG—03.01 formula (2): the unit's net fuel,
without oxidation rate, table A.1) of the ironmaking and sintering units per tonne of pig iron.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from greenmfg.audit.models import AuditEvent
from greenmfg.db.session import Database
from tests.factories import ACTIVITY_HEADER, Login, Pages, World, commit, page_text

C = 44 / 12
COKE = 28.435 * 0.02942 * C       # CETS—AG—03.01 table A.1: coke, tCO2/t without oxidation rate
BFG = 33.000 * 0.07080 * C        # blast-furnace gas, tCO2 per 10^4 Nm3
CLINKER_EF = 0.535                # CETS—AG—02.01 clinker process factor (secondary)
MONTHS = ("2025-01", "2025-02")


@pytest.fixture
def database(shared_database: Database) -> Database:
    return shared_database


@pytest.fixture
def world(module_world: World) -> World:
    return module_world


def _csv(rows: list[list[str]]) -> bytes:
    return ("\n".join([",".join(ACTIVITY_HEADER), *(",".join(r) for r in rows)]) + "\n").encode("utf-8")


def _cement_rows() -> list[list[str]]:
    rows = []
    for period in MONTHS:
        base = ["E-CEMENT", "苏州示例水泥有限公司", "水泥", "320000"]
        rows += [[*base, "KILN-1", period, "熟料", "50000", "吨", "produced"],
                 [*base, "KILN-2", period, "熟料", "10000", "吨", "produced"],
                 [*base, "KILN-3", period, "熟料", "5000", "吨", "produced"]]
    return rows


def _steel_rows() -> list[list[str]]:
    rows = []
    for period in MONTHS:
        base = ["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000"]
        rows += [[*base, "SINTER", period, "焦炭", "100", "吨", "consumed"],
                 [*base, "SINTER", period, "烧结矿", "5000", "吨", "produced"],
                 [*base, "BF", period, "焦炭", "1000", "吨", "consumed"],
                 [*base, "BF", period, "高炉煤气", "200", "万立方米", "exported"],
                 [*base, "BF", period, "生铁", "2000", "吨", "produced"],
                 [*base, "BOF", period, "生铁", "2000", "吨", "process"],
                 [*base, "BOF", period, "粗钢", "2100", "吨", "produced"],
                 [*base, "CPP", period, "高炉煤气", "200", "万立方米", "consumed"],
                 [*base, "CPP", period, "电力", "1000", "MWh", "exported"]]
    return rows


@pytest.fixture(scope="module")
def seeded(module_client: TestClient, module_world: World) -> dict[str, int]:
    login = Login(module_client)
    commit(module_client, login("cement"), module_world.org("cement"), _csv(_cement_rows()))
    commit(module_client, login("steel"), module_world.org("steel"), _csv(_steel_rows()))
    return {"cement": module_world.org("cement"), "steel": module_world.org("steel")}


def _declare(client: TestClient, headers: dict[str, str], enterprise: int, **body: Any) -> Any:
    return client.put(f"/api/v1/ets/allowances/enterprises/{enterprise}/declarations", headers=headers, json=body)


def _alpha(intensity: float, bp: float) -> float:
    x = (bp - intensity) / bp
    return 0.15 * x if abs(x) <= 0.20 else math.copysign(0.03, x)


def test_a_declared_white_clinker_line_is_allocated_its_verified_emissions(
        client: TestClient, login: Login, seeded: dict[str, int], database: Database) -> None:
    cement = seeded["cement"]
    answer = _declare(client, login("cement"), cement, year=2025, facility="KILN-2", case="white_clinker",
                      evidence="白色硅酸盐水泥熟料产品检验报告 2025-031")
    assert answer.status_code == 200, answer.text
    assert answer.json()["declared"]["rule"]["key"] == "2025.cement.white_clinker"
    listed = client.get(f"/api/v1/ets/allowances/enterprises/{cement}/declarations?year=2025",
                        headers=login("cement")).json()
    assert [(d["facility"], d["case"]) for d in listed["items"]] == [("KILN-2", "white_clinker")]
    assert {c["case"] for c in listed["cases"]} >= {"white_clinker", "carbide_slag", "gypsum_acid", "new_line"}
    data = client.get(f"/api/v1/ets/allowances/enterprises/{cement}?year=2025&balance_value=0.5",
                      headers=login("cement")).json()
    lines = {x["line"]: x for x in data["allocation_so_far"]["lines"]}
    # KILN-2: two months of 10 000 t clinker × 0.535, allocated as emitted
    assert lines["KILN-2"]["rule"] == "2025.cement.white_clinker"
    assert lines["KILN-2"]["allowances_tco2e"] == pytest.approx(2 * 10000 * CLINKER_EF)
    # KILN-1: the general rule, intensity 0.535 against an assumed balance value of 0.5 (X = −0.07)
    e1 = 2 * 50000 * CLINKER_EF
    assert lines["KILN-1"]["rule"] == "2025.cement.general"
    assert lines["KILN-1"]["allowances_tco2e"] == pytest.approx(math.floor(e1 * (1 + _alpha(CLINKER_EF, 0.5))))
    assert math.floor(e1 * (1 + _alpha(CLINKER_EF, 0.5))) == 52938  # ⌊53 500 × (1 − 0.15 × 0.07)⌋
    assert "ets.allowances.declared_case" in {w["code"] for w in data["warnings"]}
    with database.session() as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.action == "ets.declaration.set")).scalars().all()
        assert any(e.details["case"] == "white_clinker" and e.details["facility"] == "KILN-2" for e in events)
    # withdrawn: the general rule again
    assert _declare(client, login("cement"), cement, year=2025, facility="KILN-2", case="general").json() == {
        "declared": None}
    data = client.get(f"/api/v1/ets/allowances/enterprises/{cement}?year=2025&balance_value=0.5",
                      headers=login("cement")).json()
    assert {x["line"]: x["rule"] for x in data["allocation_so_far"]["lines"]}["KILN-2"] == "2025.cement.general"


def test_a_new_line_has_no_allowances_and_no_obligation(client: TestClient, login: Login,
                                                        seeded: dict[str, int]) -> None:
    cement = seeded["cement"]
    before = client.get(f"/api/v1/ets/allowances/enterprises/{cement}?year=2025", headers=login("cement")).json()
    assert _declare(client, login("cement"), cement, year=2025, facility="KILN-3", case="new_line",
                    evidence="排污许可证 2025-04 投产").status_code == 200
    after = client.get(f"/api/v1/ets/allowances/enterprises/{cement}?year=2025", headers=login("cement")).json()
    line = {x["line"]: x for x in after["allocation_so_far"]["lines"]}["KILN-3"]
    assert (line["method"], line["allowances_tco2e"]) == ("excluded", 0.0)
    # its emissions (2 × 5 000 t × 0.535) leave the year's obligation
    assert after["emissions"]["to_date_tco2e"] == pytest.approx(
        before["emissions"]["to_date_tco2e"] - 2 * 5000 * CLINKER_EF)
    _declare(client, login("cement"), cement, year=2025, facility="KILN-3", case="general")


@pytest.mark.parametrize(("body", "column"), [
    ({"year": 2025, "facility": "KILN-9", "case": "white_clinker", "evidence": "x"}, "facility"),
    ({"year": 2025, "facility": "KILN-2", "case": "scrap_furnace", "evidence": "x"}, "case"),
    ({"year": 2025, "facility": "KILN-2", "case": "white_clinker", "evidence": " "}, "evidence"),
    ({"year": 1999, "facility": "KILN-2", "case": "white_clinker", "evidence": "x"}, "year"),
])
def test_bad_declarations_are_located_and_change_nothing(client: TestClient, login: Login, seeded: dict[str, int],
                                                         body: dict[str, Any], column: str) -> None:
    cement = seeded["cement"]
    answer = _declare(client, login("cement"), cement, **body)
    assert answer.status_code == 422, answer.text
    assert column in {i["column"] for i in answer.json()["error"]["details"]}
    listed = client.get(f"/api/v1/ets/allowances/enterprises/{cement}/declarations?year=2025",
                        headers=login("cement")).json()
    assert listed["items"] == []


def test_only_the_enterprises_managers_declare(client: TestClient, login: Login, seeded: dict[str, int]) -> None:
    steel = seeded["steel"]
    body = {"year": 2025, "facility": "BF", "case": "new_line", "evidence": "x"}
    assert _declare(client, login("steelviewer"), steel, **body).status_code == 403
    assert _declare(client, login("tangshan"), steel, **body).status_code == 403
    assert _declare(client, login("cement"), steel, **body).status_code == 404
    # a regulator reads the declarations
    assert client.get(f"/api/v1/ets/allowances/enterprises/{steel}/declarations?year=2025",
                      headers=login("tangshan")).status_code == 200


def test_steel_intensity_is_ironmaking_and_sintering_per_tonne_of_pig_iron(
        client: TestClient, login: Login, seeded: dict[str, int]) -> None:
    steel = seeded["steel"]
    data = client.get(f"/api/v1/ets/allowances/enterprises/{steel}?year=2025&balance_value=1.5",
                      headers=login("steel")).json()
    # formula (2): sintering 100 t coke; ironmaking 1 000 t coke − 200 × 10^4 Nm3 BFG passed on
    sintering, ironmaking = 100 * COKE, 1000 * COKE - 200 * BFG
    intensity = (sintering + ironmaking) / 2000
    assert intensity == pytest.approx(0.83038, abs=1e-5)
    (line,) = data["allocation_so_far"]["lines"]
    assert data["line_intensities_tco2_per_t"] == {line["line"]: pytest.approx(intensity, rel=1e-9)}
    # the enterprise's verified (covered) emissions: purchased coke of the works; the gas and the pig iron cancel
    emissions = data["emissions"]["to_date_tco2e"]
    assert line["emissions_tco2e"] == pytest.approx(emissions)
    assert line["output_t"] == pytest.approx(2 * 2000)
    assert line["allowances_tco2e"] == pytest.approx(math.floor(emissions * (1 + _alpha(intensity, 1.5))))
    assert "ets.allowances.intensity_basis_missing" not in {w["code"] for w in data["warnings"]}


def test_the_page_shows_and_saves_a_declaration(pages: Pages, seeded: dict[str, int]) -> None:
    cement = seeded["cement"]
    session = pages("cement")
    page = session.get(f"/enterprises/{cement}/ets/allowances?year=2025")
    assert page.status_code == 200 and 'data-testid="declaration-form"' in page.text
    text = page_text(page)
    assert "生产线特殊情形" in text and "仅生产白色硅酸盐水泥熟料的生产线" in text
    bad = session.post(f"/enterprises/{cement}/ets/allowances/declarations",
                       data={"year": "2025", "facility": "KILN-2", "case": "white_clinker", "evidence": ""})
    assert bad.status_code == 422 and "必须填写证明材料" in page_text(bad)
    saved = session.post(f"/enterprises/{cement}/ets/allowances/declarations",
                         data={"year": "2025", "facility": "KILN-2", "case": "white_clinker", "evidence": "检验报告 031"})
    assert saved.status_code in (200, 303)
    shown = session.get(f"/enterprises/{cement}/ets/allowances?year=2025")
    assert "检验报告 031" in page_text(shown)
    # a viewer reads without the form
    assert 'data-testid="declaration-form"' not in pages("steelviewer").get(
        f"/enterprises/{seeded['steel']}/ets/allowances?year=2025").text
    session.post(f"/enterprises/{cement}/ets/allowances/declarations",
                 data={"year": "2025", "facility": "KILN-2", "case": "general", "evidence": ""})
