"""The enterprise dashboard: its figures cross-checked against the stored results, on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from greenmfg.accounting.dashboard import enterprise_dashboard, product_intensities
from greenmfg.db.session import Database
from greenmfg.orgs.models import Organisation
from tests.factories import Login, World, commit, steel_csv


@pytest.fixture
def two_years(client: TestClient, login: Login, world: World) -> int:
    """Steel: 2023-01..03 with 1000 t coke a month, 2024-01..02 with 900 t (2024-03 not yet reported)."""
    steel = world.org("steel")
    # one file for both years (each upload is accounted twice: preview and commit)
    later = steel_csv(periods=("2024-01", "2024-02"), coke=900.0).split(b"\n", 1)[1]
    commit(client, login("steel"), steel, steel_csv(periods=("2023-01", "2023-02", "2023-03"), coke=1000.0) + later)
    return steel


def _results(client: TestClient, headers: dict[str, str], enterprise_id: int, period: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/enterprises/{enterprise_id}/results?period={period}", headers=headers)
    assert answer.status_code == 200
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def test_dashboard_sums_equal_the_stored_results(client: TestClient, login: Login, two_years: int) -> None:
    headers = login("steel")
    data = client.get(f"/api/v1/enterprises/{two_years}/dashboard", headers=headers).json()
    assert data["year"] == 2024 and data["years"] == [2023, 2024]  # the latest year by default
    assert data["periods"] == ["2024-01", "2024-02"]
    # cross-check: the same figures summed from the results endpoint, one row at a time
    rows = _results(client, headers, two_years, "2024")
    kpis = data["kpis"]
    assert kpis["energy_tce"] == pytest.approx(sum(r["energy_tce"] for r in rows), rel=1e-12)
    for scope in ("total", "scope1", "scope2"):
        assert kpis["emissions_tco2e"][scope] == pytest.approx(sum(r["emissions_tco2e"][scope] for r in rows), rel=1e-12)
    assert kpis["results"] == 2 and kpis["facilities"] == 1
    assert kpis["warnings"] == sum(len(r["warnings"]) for r in rows) > 0
    monthly = data["monthly"]
    assert monthly["energy_tce"] == pytest.approx([r["energy_tce"] for r in rows])
    for category in ("combustion", "process", "purchased_electricity", "purchased_heat", "exported"):
        assert monthly["category"][category] == pytest.approx([r["emissions_tco2e"][category] for r in rows])
    # scope 1 + scope 2 + exported = total, month by month
    for index in range(2):
        assert (monthly["scope"]["scope1"][index] + monthly["scope"]["scope2"][index]
                + monthly["category"]["exported"][index]) == pytest.approx(monthly["total_tco2e"][index])
    [facility] = data["facilities"]
    assert facility["code"] == "E-STEEL-F1" and facility["latest_period"] == "2024-02"
    assert facility["energy_tce"] == pytest.approx(kpis["energy_tce"])


def test_year_over_year_compares_the_same_months(client: TestClient, login: Login, two_years: int) -> None:
    headers = login("steel")
    data = client.get(f"/api/v1/enterprises/{two_years}/dashboard?year=2024", headers=headers).json()
    compared = data["kpis"]["compared"]
    # 2024 has January and February: 2023's March is left out of the comparison
    assert compared["year"] == 2023 and compared["periods"] == ["2023-01", "2023-02"]
    before = sum(r["energy_tce"] for r in _results(client, headers, two_years, "2023") if r["period"] < "2023-03")
    now = sum(r["energy_tce"] for r in _results(client, headers, two_years, "2024"))
    assert compared["previous"]["energy_tce"] == pytest.approx(before)
    assert data["kpis"]["change"]["energy_tce"] == pytest.approx(now / before - 1)
    # less coke, same electricity: energy and scope 1 fell, scope 2 did not change
    assert data["kpis"]["change"]["energy_tce"] < 0 and data["kpis"]["change"]["scope1_tco2e"] < 0
    assert data["kpis"]["change"]["scope2_tco2e"] == pytest.approx(0.0, abs=1e-12)
    first = client.get(f"/api/v1/enterprises/{two_years}/dashboard?year=2023", headers=headers).json()
    assert first["kpis"]["compared"] is None and set(first["kpis"]["change"].values()) == {None}
    assert first["periods"] == ["2023-01", "2023-02", "2023-03"]


def test_product_intensity_over_time(client: TestClient, login: Login, two_years: int) -> None:
    data = client.get(f"/api/v1/enterprises/{two_years}/dashboard?year=2024", headers=login("steel")).json()
    [product] = data["products"]
    assert product["product"] == "crude_steel" and product["name_zh"] == "粗钢"
    assert product["energy_intensity_unit"] == "kgce/t" and product["emission_intensity_unit"] == "tCO2e/t"
    for point, energy, total in zip(product["series"], data["monthly"]["energy_tce"], data["monthly"]["total_tco2e"],
                                    strict=True):
        # one facility, 5000 t a month: kgce/t = 1000 × tce / t
        assert point["quantity"] == pytest.approx(5000.0)
        assert point["energy_intensity"] == pytest.approx(1000 * energy / 5000)
        assert point["emission_intensity"] == pytest.approx(total / 5000)


def test_product_intensities_are_output_weighted_across_facilities() -> None:
    rows = [
        ("2024-01", [{"product": "cement", "unit": "t", "quantity": 1000.0, "energy_intensity": 100.0,
                      "emission_intensity": 0.8}]),
        ("2024-01", [{"product": "cement", "unit": "t", "quantity": 3000.0, "energy_intensity": 80.0,
                      "emission_intensity": 0.6}]),
        ("2024-02", [{"product": "cement", "unit": "t", "quantity": 0.0, "energy_intensity": None,
                      "emission_intensity": None}]),
    ]
    [cement] = product_intensities(rows)
    january, february = cement["series"]
    # (1000 × 100 + 3000 × 80) / 4000: the energy of both plants over their combined output
    assert january == {"period": "2024-01", "quantity": 4000.0, "energy_intensity": 85.0,
                       "emission_intensity": pytest.approx(0.65)}
    assert february["quantity"] == 0.0 and february["energy_intensity"] is None


def test_current_versions_only(client: TestClient, login: Login, two_years: int) -> None:
    headers = login("steel")
    before = client.get(f"/api/v1/enterprises/{two_years}/dashboard", headers=headers).json()
    commit(client, headers, two_years, steel_csv(periods=("2024-02",), coke=2000.0))
    after = client.get(f"/api/v1/enterprises/{two_years}/dashboard", headers=headers).json()
    assert after["kpis"]["results"] == before["kpis"]["results"] == 2
    assert after["monthly"]["energy_tce"][0] == pytest.approx(before["monthly"]["energy_tce"][0])
    # 1100 t more coke at 0.9714 tce/t (GB/T 2589-2020) in February
    assert after["monthly"]["energy_tce"][1] - before["monthly"]["energy_tce"][1] == pytest.approx(1100 * 0.9714)


def test_a_year_without_data_and_an_enterprise_without_results(client: TestClient, login: Login, world: World,
                                                               two_years: int) -> None:
    empty = client.get(f"/api/v1/enterprises/{two_years}/dashboard?year=2021", headers=login("steel")).json()
    assert empty["year"] == 2021 and empty["years"] == [2023, 2024]
    assert empty["kpis"]["energy_tce"] == 0 and empty["monthly"]["periods"] == [] and empty["facilities"] == []
    nothing = client.get(f"/api/v1/enterprises/{world.org('cement')}/dashboard", headers=login("cement")).json()
    assert nothing["year"] is None and nothing["years"] == [] and nothing["products"] == []
    assert client.get(f"/api/v1/enterprises/{two_years}/dashboard?year=20245",
                      headers=login("steel")).status_code == 422


def test_regulators_see_the_dashboard_outsiders_do_not(client: TestClient, login: Login, two_years: int) -> None:
    url = f"/api/v1/enterprises/{two_years}/dashboard"
    assert client.get(url, headers=login("hebei")).json()["kpis"]["results"] == 2
    for outsider in ("cement", "glass", "evaluator"):
        answer = client.get(url, headers=login(outsider))
        assert answer.status_code == 404 and "E-STEEL" not in answer.text


def test_the_dashboard_is_four_queries(database: Database, two_years: int) -> None:
    """Load test material: whatever the data, the dashboard reads with a fixed, small number of queries."""
    statements: list[str] = []
    with database.session() as session:
        enterprise = session.get(Organisation, two_years)
        assert enterprise is not None
        connection = session.connection()

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(connection, "before_cursor_execute", count)
        try:
            data = enterprise_dashboard(session, enterprise, year=2024)
        finally:
            event.remove(connection, "before_cursor_execute", count)
    assert data["kpis"]["results"] == 2
    assert len(statements) == 4, statements
    # each reads the current rows of one enterprise (the (enterprise_id, current, period) index)
    assert all("facility_results.enterprise_id" in s and "facility_results.current" in s for s in statements)
