"""Stored data that is not one valid file and a cache in front of the views (both backends): each
test commits its own data into a fresh world. The plants are those of ``plants.py``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from greenmfg.accounting.store import recalculate
from tests.factories import Login, World, commit

from .plants import STEEL, activity_csv


def test_enterprise_benchmark_cached_in_redis_until_a_commit(redis_client: TestClient,
                                                             world: World) -> None:
    from greenmfg.cache import RedisCache
    from greenmfg.compliance.service import reference_key

    login = Login(redis_client)
    steel, headers = world.org("steel"), login("steel")
    cache: RedisCache = redis_client.app.state.results_cache  # type: ignore[attr-defined]
    commit(redis_client, headers, steel, activity_csv(STEEL[:3]))
    version = cache.version(steel)
    first = redis_client.get(f"/api/v1/enterprises/{steel}/benchmark", headers=headers)
    assert first.status_code == 200
    assert cache.get(f"benchmark:{steel}:all:newest:{version}:{reference_key()}") == first.content
    # an outsider is still refused although the answer is cached
    assert redis_client.get(f"/api/v1/enterprises/{steel}/benchmark", headers=login("cement")).status_code == 404
    commit(redis_client, headers, steel, activity_csv(STEEL[3:]))
    assert cache.version(steel) > version
    second = redis_client.get(f"/api/v1/enterprises/{steel}/benchmark", headers=headers).json()
    assert {i["period"] for i in second["items"]} == {"2024-01", "2024-02"}


def test_annual_one_year_monthly_the_next(client: TestClient, login: Login, world: World) -> None:
    """One file may not mix YYYY and YYYY-MM for a facility; stored data may: each year is accounted alone."""
    annual = [(*r[:5], "2023", *r[6:]) for r in STEEL[:3]]
    commit(client, login("steel"), world.org("steel"), activity_csv(annual))
    commit(client, login("steel"), world.org("steel"), activity_csv(STEEL))
    body = client.get(f"/api/v1/enterprises/{world.org('steel')}/benchmark", headers=login("steel")).json()
    assert [(i["period"], i["benchmark"]["class"]) for i in body["items"]] == [
        ("2023", "below_baseline"), ("2024-01", "below_baseline"), ("2024-02", "between")]
    assert body["provenance"]["accounted_separately"] is True


def test_recalculation_of_annual_one_year_and_monthly_the_next(client: TestClient, login: Login,
                                                               world: World) -> None:
    """Stored rows that are not one valid file (a facility annual in 2023, monthly in 2024) are
    re-accounted per year, as the views did on read."""
    steel = world.org("steel")
    commit(client, login("steel"), steel, activity_csv([(*r[:5], "2023", *r[6:]) for r in STEEL[:3]]))
    commit(client, login("steel"), steel, activity_csv(STEEL))
    url = f"/api/v1/enterprises/{steel}/benchmark"
    before = client.get(url, headers=login("steel")).json()
    with world.database.session() as session:
        runs = recalculate(session, actor="test", only_if_changed=False)
    assert [r.enterprise_id for r in runs] == [steel] and runs[0].changes == []
    after = client.get(url, headers=login("steel")).json()
    assert [(i["period"], i["benchmark"]["class"]) for i in after["items"]] == [
        ("2023", "below_baseline"), ("2024-01", "below_baseline"), ("2024-02", "between")]
    assert [i["benchmark"] for i in after["items"]] == [i["benchmark"] for i in before["items"]]
    assert after["provenance"]["calculation_runs"] == [runs[0].id]
    years = client.get("/api/v1/region/compliance", params={"year": "2023"}, headers=login("hebei")).json()
    assert [(p["year"], p["class"]) for p in years["plants"]] == [("2023", "below_baseline")]
