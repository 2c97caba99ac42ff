"""Stored benchmark results (both backends): equal to the engine's computation, never stale after
an import, flagged after a reference-data change until ``recalc``, limited to the caller's region.

The plants (``plants.py``) are seeded once per backend; their hand-checked numbers are in ``test_api.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.accounting.models import DataVersion
from greenmfg.accounting.store import account_records, recalculate
from greenmfg.auth.models import User
from greenmfg.benchmarking import BenchmarkOptions, BenchmarkRun, ProductBenchmark, benchmark
from greenmfg.compliance import service
from greenmfg.compliance.stored import StoredBenchmark
from greenmfg.db.session import Database
from greenmfg.orgs.access import Principal, load_principal
from tests.factories import Login, World, commit, installed_refdata, refdata_with, signed_in

from .plants import STEEL, activity_csv, seed_plants


def _principal(database: Database, username: str) -> Principal:
    with database.session() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        return load_principal(session, user)


def _key(r: ProductBenchmark) -> tuple[str, str, str, str]:
    return r.enterprise_id, r.facility_id, r.period, r.product


def _fresh(database: Database, edition: str | None) -> list[ProductBenchmark]:
    """What the views computed on read before results were stored: every counted data version of
    the region accounted as one file and benchmarked."""
    return _fresh_run(database, edition).results


def _fresh_run(database: Database, edition: str | None) -> BenchmarkRun:
    with database.session() as session:
        counted = service._counted_versions(DataVersion.enterprise_id.is_not(None))
        ids = list(session.execute(select(DataVersion.id).where(counted).order_by(DataVersion.id)).scalars())
        return benchmark(account_records(session, ids), BenchmarkOptions(edition=edition))


@pytest.fixture
def database(shared_database: Database) -> Database:
    """Every test reads the plants seeded once per backend (what a test writes is rolled back)."""
    return shared_database


@pytest.fixture
def world(module_world: World) -> World:
    return module_world


@pytest.fixture(scope="module")
def plants(module_client: TestClient, module_world: World) -> World:
    return seed_plants(module_client, module_world)


def test_view_after_an_import_is_never_stale(client: TestClient, login: Login, plants: World) -> None:
    steel, url = plants.org("steel"), "/api/v1/region/compliance"
    before = client.get(url, headers=login("hebei")).json()
    assert {(p["enterprise_code"], p["class"]) for p in before["plants"]} == {("E-STEEL", "between"),
                                                                               ("E-GLASS", "below_baseline")}
    # February again, with 200 万kWh: 2 000 000 × 0.1229 / 5000 = 49.16 kgce/t → benchmark class
    february = [(*r[:7], 200, *r[8:]) if r[6] == "电力" else r for r in STEEL[3:]]
    commit(client, login("steel"), steel, activity_csv(february))
    items = client.get(f"/api/v1/enterprises/{steel}/benchmark", params={"period": "2024-02"},
                       headers=login("steel")).json()["items"]
    assert [(i["benchmark"]["class"], i["benchmark"]["value"]) for i in items] == [("benchmark", pytest.approx(49.16))]
    after = client.get(url, headers=login("hebei")).json()
    assert after["stored_results_current"] is True
    pooled = {p["enterprise_code"]: p for p in after["plants"]}["E-STEEL"]
    # (73.74 + 49.16) × 5000 / 10 000 = 61.45: still between, nearer the benchmark level
    assert pooled["value"] == pytest.approx(61.45) and pooled["class"] == "between"
    assert pooled["savings_to_benchmark_tce"] == pytest.approx((61.45 - 61) * 10)
    trend = {g["period"]: g for g in after["trend"]}
    assert trend["2024-02"]["counts"]["benchmark"] == 1 and trend["2024-02"]["counts"]["between"] == 0
    # an annual version of 2024 supersedes the months: one period, its own class
    annual = [(*r[:5], "2024", *r[6:]) for r in STEEL[:3]]
    commit(client, login("steel"), steel, activity_csv(annual))
    year = {p["enterprise_code"]: p for p in client.get(url, headers=login("hebei")).json()["plants"]}["E-STEEL"]
    assert year["periods"] == ["2024"] and year["value"] == pytest.approx(73.74) and year["class"] == "below_baseline"
    body = client.get(f"/api/v1/enterprises/{steel}/benchmark", headers=login("steel")).json()
    assert [i["period"] for i in body["items"]] == ["2024"]


def test_reference_data_change_is_flagged_until_recalc(client: TestClient, login: Login, plants: World,
                                                       tmp_path: Path) -> None:
    steel = plants.org("steel")
    url = f"/api/v1/enterprises/{steel}/benchmark"
    january = {"period": "2024-01"}
    before = client.get(url, params=january, headers=login("steel")).json()
    assert before["items"][0]["benchmark"]["class"] == "below_baseline"  # 73.74 > 72
    with plants.database.session() as session:
        assert recalculate(session, actor="test") == []  # nothing changed: nothing to do
    installed = service.reference_key()
    # the EAF baseline level becomes 75 kgce/t (73.74 is then between the levels)
    with installed_refdata(refdata_with(tmp_path, "benchmarks/ndrc-2021-r2.csv", "eaf_ge50t", "baseline_level", "75")):
        assert service.reference_key() != installed
        stale = client.get(url, params=january, headers=login("steel")).json()
        assert stale["stored_results_current"] is False  # the accounting fingerprint alone would not see it
        assert stale["items"] == before["items"]  # the stored numbers, flagged
        region = client.get("/api/v1/region/compliance", headers=login("hebei")).json()
        assert region["stored_results_current"] is False
        assert {g["period"]: g for g in region["trend"]}["2024-01"]["counts"]["below_baseline"] == 2
        regulator = signed_in(client, "hebei", locale="zh-CN")
        page = regulator.get("/region/compliance")
        assert page.status_code == 200 and "管理员运行重算（greenmfg recalc）后即更新" in page.text
        steel_page = signed_in(client, "steel", locale="en").get("/benchmark")
        assert "other reference data than installed" in steel_page.text
        with plants.database.session() as session:
            runs = recalculate(session, actor="test")
        assert {r.enterprise_id for r in runs} == {steel, plants.org("glass"), plants.org("cement")}
        assert all(r.changes == [] for r in runs)  # the accounting is unchanged, the classes are not
        after = client.get(url, params=january, headers=login("steel")).json()
        assert after["stored_results_current"] is True
        item = after["items"][0]["benchmark"]
        assert item["class"] == "between" and item["baseline_level"] == 75.0
        assert item["value"] == pytest.approx(73.74)
        region = client.get("/api/v1/region/compliance", headers=login("hebei")).json()
        assert region["stored_results_current"] is True
        assert {g["period"]: g for g in region["trend"]}["2024-01"]["counts"]["below_baseline"] == 1
        assert "greenmfg recalc" not in regulator.get("/region/compliance").text
        with plants.database.session() as session:  # earlier rows are kept, not current
            assert session.scalar(select(func.count()).select_from(StoredBenchmark).where(
                StoredBenchmark.enterprise_id == steel, StoredBenchmark.current.is_(False))) > 0
    assert service.reference_key() == installed


def test_migrated_data_without_stored_benchmarks_is_flagged_until_recalc(
        client: TestClient, login: Login, plants: World) -> None:
    """Data committed before benchmark results were stored (the migration adds empty tables)."""
    from sqlalchemy import delete

    from greenmfg.compliance.stored import BenchmarkRunRecord, StoredPlantYear

    glass = plants.org("glass")
    with plants.database.session() as session:
        for model in (StoredBenchmark, StoredPlantYear, BenchmarkRunRecord):
            session.execute(delete(model).where(model.enterprise_id == glass))
    url = f"/api/v1/enterprises/{glass}/benchmark"
    empty = client.get(url, headers=login("glass")).json()
    assert empty["stored_results_current"] is False and empty["items"] == []
    with plants.database.session() as session:
        runs = recalculate(session, actor="test")
    assert [r.enterprise_id for r in runs] == [glass]
    body = client.get(url, headers=login("glass")).json()
    assert body["stored_results_current"] is True
    assert [i["benchmark"]["class"] for i in body["items"]] == ["below_baseline"]


def test_provenance_names_the_runs_and_datasets(client: TestClient, login: Login, plants: World) -> None:
    steel = plants.org("steel")
    commit(client, login("steel"), steel, activity_csv(STEEL[3:]))  # February again: a second run
    body = client.get(f"/api/v1/enterprises/{steel}/benchmark", headers=login("steel")).json()
    provenance = body["provenance"]
    assert len(provenance["calculation_runs"]) == 2 and provenance["accounted_separately"] is True
    assert {d["id"] for d in provenance["benchmarking"]["datasets"]} >= {"benchmarks/ndrc-2021-r2"}
    assert provenance["datasets"] and provenance["inputs"][0]["file"] == "activity.csv"
    # the region's provenance has a constant size: the newest run's, the run count and the keys
    region = client.get("/api/v1/region/compliance", headers=login("hebei")).json()["provenance"]
    assert region["reference_keys"] == [service.reference_key()]
    assert region["calculation_run_count"] == 2  # steel's plant-years were recomputed by its second import
    assert region["newest_calculation_run"] == provenance["calculation_runs"][-1]
    assert region["deadlines"]["dataset"] == service.DEADLINES_DATASET
