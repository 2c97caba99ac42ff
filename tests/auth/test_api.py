"""Password login, bearer tokens (hashed, scoped, revocable), throttling, sessions (production secrets:
tests/test_settings.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from greenmfg.auth.models import ApiToken, User
from greenmfg.db.session import Database
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.factories import PASSWORD, Login, World, steel_csv, upload


def test_token_endpoint_returns_bearer_token(client: TestClient, world: World) -> None:
    answer = client.post("/api/v1/auth/token", json={"username": "steel", "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("gm_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "steel"


def test_wrong_password_is_401_with_envelope(client: TestClient, world: World) -> None:
    answer = client.post("/api/v1/auth/token", json={"username": "steel", "password": "wrong"})
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["code"] == "bad_credentials" and error["message_zh"]


def test_no_credentials_is_401_everywhere(client: TestClient, world: World) -> None:
    for path in ("/api/v1/enterprises", f"/api/v1/enterprises/{world.org('steel')}/results", "/api/v1/me",
                 "/api/v1/refdata"):
        answer = client.get(path)
        assert answer.status_code == 401, path
        assert answer.json()["error"]["status"] == 401
        assert answer.headers["www-authenticate"] == "Bearer"


def test_malformed_and_unknown_tokens_are_401(client: TestClient, world: World) -> None:
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer gm_nonsense"}).status_code == 401


def test_login_is_throttled_after_repeated_failures(client: TestClient, world: World) -> None:
    # three free failures per (account, client address), then growing delays (tests/auth/test_signin.py)
    for _ in range(3):
        assert client.post("/api/v1/auth/token", json={"username": "cement", "password": "x"}).status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"username": "cement", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    # another user is not affected
    assert client.post("/api/v1/auth/token", json={"username": "steel", "password": PASSWORD}).status_code == 200


def test_tokens_are_hashed_scoped_and_revocable(client: TestClient, login: Login, database: Database,
                                                world: World) -> None:
    created = client.post("/api/v1/auth/tokens", headers=login("steel"),
                          json={"name": "meter gateway", "scopes": ["read"]})
    assert created.status_code == 201
    token = created.json()["token"]
    with database.session() as session:
        stored = session.execute(select(ApiToken).where(ApiToken.name == "meter gateway")).scalar_one()
        assert token not in (stored.token_digest, stored.prefix) and len(stored.token_digest) == 64
        user = session.execute(select(User).where(User.username == "steel")).scalar_one()
        assert user.password_hash.startswith("$argon2")
    read_only = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/enterprises/{world.org('steel')}", headers=read_only).status_code == 200
    refused = upload(client, read_only, world.org("steel"), steel_csv())
    assert refused.status_code == 403
    listed = client.get("/api/v1/auth/tokens", headers=login("steel")).json()["items"]
    assert any(t["name"] == "meter gateway" and "token" not in t for t in listed)
    revoked = client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers=login("steel"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/me", headers=read_only).status_code == 401


def test_token_cannot_exceed_creator_scopes_or_use_unknown_scopes(client: TestClient, login: Login) -> None:
    answer = client.post("/api/v1/auth/tokens", headers=login("steel"), json={"name": "x", "scopes": ["root"]})
    assert answer.status_code == 422
    assert answer.json()["error"]["message_zh"]


def test_another_users_token_cannot_be_revoked(client: TestClient, login: Login) -> None:
    created = client.post("/api/v1/auth/tokens", headers=login("steel"), json={"name": "mine", "scopes": ["read"]})
    answer = client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers=login("cement"))
    assert answer.status_code == 404


def test_principal_cache_ttl(database: Database, world: World) -> None:
    """A token revoked by another process stops working within the cache lifetime (0: at once)."""
    from sqlalchemy import update

    from greenmfg.auth.models import ApiToken

    for ttl, still_accepted in ((0.0, False), (60.0, True)):
        app = create_app(Settings(database_url="sqlite:///unused.db", principal_cache_seconds=ttl),
                         database=database)
        with TestClient(app) as c:
            token = c.post("/api/v1/auth/token", json={"username": "glass", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            assert c.get("/api/v1/me", headers=headers).status_code == 200
            with database.session() as s:  # as another worker would: straight in the database
                s.execute(update(ApiToken).values(revoked_at=ApiToken.created_at))
            assert (c.get("/api/v1/me", headers=headers).status_code == 200) is still_accepted
            app.state.principal_cache.clear()
            assert c.get("/api/v1/me", headers=headers).status_code == 401
