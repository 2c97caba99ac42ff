"""Dashboards cached in the real Redis: served from the cache, invalidated by committed imports only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from greenmfg.cache import RedisCache
from greenmfg.db.session import Database
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.factories import Login, World, steel_csv, upload


def test_dashboard_is_cached_and_invalidated_by_commit(redis_client: TestClient, world: World,
                                                       database: Database) -> None:
    from tests.factories import Login as _Login

    login: Login = _Login(redis_client)
    steel, headers = world.org("steel"), login("steel")
    cache: RedisCache = redis_client.app.state.results_cache  # type: ignore[attr-defined]
    preview = upload(redis_client, headers, steel, steel_csv(periods=("2024-01",))).json()
    redis_client.post(f"/api/v1/imports/{preview['id']}/commit", headers=headers)
    version = cache.version(steel)
    first = redis_client.get(f"/api/v1/enterprises/{steel}/dashboard", headers=headers)
    assert first.status_code == 200
    assert cache.get(f"dashboard:{steel}:latest:{version}") == first.content
    # a preview that is not committed changes nothing
    pending = upload(redis_client, headers, steel, steel_csv(periods=("2024-02",))).json()
    assert cache.version(steel) == version
    assert redis_client.get(f"/api/v1/enterprises/{steel}/dashboard", headers=headers).content == first.content
    # the commit bumps the version after it is durable: the next answer includes February
    redis_client.post(f"/api/v1/imports/{pending['id']}/commit", headers=headers)
    assert cache.version(steel) == version + 1
    after = redis_client.get(f"/api/v1/enterprises/{steel}/dashboard", headers=headers).json()
    assert after["monthly"]["periods"] == ["2024-01", "2024-02"]
    # access is still checked on every request: another enterprise gets 404, not the cached body
    assert redis_client.get(f"/api/v1/enterprises/{steel}/dashboard", headers=login("cement")).status_code == 404


def test_unreachable_redis_means_no_cache_not_errors(database: Database, world: World) -> None:
    app = create_app(Settings(database_url="sqlite:///unused.db", redis_url="redis://127.0.0.1:1/0"),
                     database=database)
    client = TestClient(app)
    headers = Login(client)("steel")
    assert client.get(f"/api/v1/enterprises/{world.org('steel')}/dashboard", headers=headers).status_code == 200
