"""Sign-in that cannot be used to lock people out (issue #13 item 7).

Throttling per (account, client address) with growing delays and a per-address cap, the client
address behind trusted proxies, password rules, changing one's own password and admin resets.
Time never passes in these tests: earlier failures are written with past timestamps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import Request

from greenmfg.auth import service as auth
from greenmfg.auth.models import ApiToken, LoginAttempt, User
from greenmfg.auth.passwords import WeakPassword, check_password, common_passwords
from greenmfg.db.base import utcnow
from greenmfg.db.session import Database
from greenmfg.settings import ConfigurationError, Settings
from greenmfg.web.app import create_app
from greenmfg.web.deps import client_address
from tests.factories import PASSWORD, Login, World, csrf_of, signed_in

ATTACKER = ("203.0.113.66", 40000)
OWNER = ("198.51.100.7", 40001)


def _client(database: Database, address: tuple[str, int], **settings: Any) -> TestClient:
    app = create_app(Settings(database_url="sqlite:///unused.db", **settings), database=database)
    return TestClient(app, raise_server_exceptions=False, client=address)


def _token(client: TestClient, username: str, password: str = PASSWORD, **headers: str) -> Any:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password}, headers=headers)


def _failures(database: Database, username: str, client: str, count: int, *, seconds_ago: float) -> None:
    """``count`` failed attempts of the pair, the newest ``seconds_ago`` seconds ago (one a second before)."""
    newest = utcnow() - dt.timedelta(seconds=seconds_ago)
    with database.session() as session:
        for index in range(count):
            session.add(LoginAttempt(username=username, client=client, success=False,
                                     at=newest - dt.timedelta(seconds=count - 1 - index)))


def test_guessing_from_one_address_does_not_lock_the_owner_out(database: Database, world: World) -> None:
    attacker, owner = _client(database, ATTACKER), _client(database, OWNER)
    answers = [_token(attacker, "cement", f"guess {n}").status_code for n in range(8)]
    assert answers[:3] == [401, 401, 401] and set(answers[3:]) == {429}
    blocked = _token(attacker, "cement")   # even the right password waits, from the guessing address
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    assert blocked.json()["error"]["code"] == "too_many_requests" and blocked.json()["error"]["message_zh"]
    assert _token(owner, "cement").status_code == 200   # the owner, elsewhere, signs in


def test_delays_grow_with_each_failure_and_are_capped() -> None:
    settings = Settings()
    assert [auth._pair_delay(settings, n) for n in range(9)] == [0, 0, 0, 1, 2, 4, 8, 16, 32]
    assert auth._pair_delay(settings, 40) == settings.login_max_delay_seconds == 900


def test_a_pair_is_free_again_after_its_delay_and_a_success_resets_it(database: Database, world: World) -> None:
    client = _client(database, ATTACKER)
    host = ATTACKER[0]
    _failures(database, "glass", host, 5, seconds_ago=1)        # 5 failures: 4 s after the last one
    answer = _token(client, "glass")                             # (3 s left: room for a slow machine)
    assert answer.status_code == 429 and 1 <= int(answer.headers["retry-after"]) <= 3
    _failures(database, "steel", host, 5, seconds_ago=5)        # waited long enough
    assert _token(client, "steel").status_code == 200
    # the success reset the pair: a new wrong password is a plain 401, not a 429
    assert _token(client, "steel", "wrong again").status_code == 401


def test_many_failures_from_one_address_throttle_that_address_only(database: Database, world: World) -> None:
    host = ATTACKER[0]
    _failures(database, "steel", host, 20, seconds_ago=60)   # 20 failures on the owner's account, one address
    attacker, owner = _client(database, ATTACKER), _client(database, OWNER)
    for username in ("steel", "glass"):                      # every account, from that address
        answer = _token(attacker, username)
        assert answer.status_code == 429
        # free when enough failures leave the 15-minute window: about 14 minutes from now
        assert 800 <= int(answer.headers["retry-after"]) <= 900
    assert _token(owner, "steel").status_code == 200         # the owner from another address
    assert _token(owner, "glass").status_code == 200


def test_the_per_address_cap_spans_accounts(database: Database, world: World) -> None:
    attacker = _client(database, ATTACKER, login_max_failures_per_client=4)
    for name in ("a1", "a2", "a3", "a4"):
        assert _token(attacker, name, "nope").status_code == 401
    assert _token(attacker, "hebei").status_code == 429
    assert _token(_client(database, OWNER, login_max_failures_per_client=4), "hebei").status_code == 200


def _request(peer: str, forwarded: list[str], proxies: str = "") -> Request:
    settings = Settings.from_env({"GREENMFG_TRUSTED_PROXIES": proxies})
    app = type("App", (), {"state": type("State", (), {"settings": settings})()})()
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "client": (peer, 1),
                    "app": app, "query_string": b""})


def test_client_address_behind_trusted_proxies() -> None:
    # no trusted proxy: the header is anybody's word
    assert client_address(_request("10.0.0.5", ["198.51.100.1"])) == "10.0.0.5"
    # from a trusted proxy: the right-most address it did not add itself
    assert client_address(_request("10.0.0.5", ["198.51.100.1"], "10.0.0.0/8")) == "198.51.100.1"
    assert client_address(_request("10.0.0.5", ["6.6.6.6, 198.51.100.1"], "10.0.0.0/8")) == "198.51.100.1"
    assert client_address(_request("10.0.0.5", ["198.51.100.1, 10.0.0.9"], "10.0.0.0/8, ::1")) == "198.51.100.1"
    assert client_address(_request("10.0.0.5", ["6.6.6.6", "198.51.100.1"], "10.0.0.0/8")) == "198.51.100.1"
    # a peer that is not a trusted proxy: its header is ignored
    assert client_address(_request("192.0.2.1", ["198.51.100.1"], "10.0.0.0/8")) == "192.0.2.1"
    # garbage: the last address believed
    assert client_address(_request("10.0.0.5", ["not-an-ip"], "10.0.0.0/8")) == "10.0.0.5"
    with pytest.raises(ConfigurationError, match="GREENMFG_TRUSTED_PROXIES"):
        Settings.from_env({"GREENMFG_TRUSTED_PROXIES": "10.0.0.0/33"})


def test_sign_ins_through_a_trusted_proxy_are_throttled_per_real_client(database: Database, world: World) -> None:
    proxy = _client(database, ("10.0.0.5", 443), trusted_proxies=Settings.from_env(
        {"GREENMFG_TRUSTED_PROXIES": "10.0.0.0/8"}).trusted_proxies)
    guesser = {"X-Forwarded-For": "203.0.113.66"}
    answers = [_token(proxy, "glass", "guess", **guesser).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    assert _token(proxy, "glass", **{"X-Forwarded-For": "198.51.100.7"}).status_code == 200
    # spoofing the header past the proxy does not escape the guesser's own delay
    assert _token(proxy, "glass", **{"X-Forwarded-For": "198.51.100.7, 203.0.113.66"}).status_code == 429


def test_forwarded_for_is_ignored_without_trusted_proxies(database: Database, world: World) -> None:
    direct = _client(database, ATTACKER)
    answers = [_token(direct, "glass", "guess", **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code
               for n in range(4)]
    assert answers == [401, 401, 401, 429]


# ------------------------------------------------------------------------------------ password rules


@pytest.mark.parametrize(("password", "code"), [
    ("short pw", "password.too_short"),
    ("aaaaaaaaaaaaaaaa", "password.too_simple"),
    ("1qaz2wsx3edc", "password.common"),
    ("Q1W2E3R4T5Y6", "password.common"),
    ("greenmfg-demo", "password.common"),
    ("my name is cement!", "password.contains_username"),
])
def test_weak_passwords_are_refused(password: str, code: str) -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password(password, username="cement")
    assert caught.value.code == code and caught.value.message_zh


def test_the_common_password_list_ships_with_a_source() -> None:
    assert len(common_passwords()) > 8000 and "password1234" in common_passwords()
    check_password("violet kiln rooftop 42", username="cement")


def test_admin_cannot_create_a_user_with_a_common_password(client: TestClient, login: Login, world: World) -> None:
    answer = client.post("/api/v1/admin/users", headers=login("admin"), json={
        "username": "newbie", "display_name": "New", "password": "1qaz2wsx3edc"})
    assert answer.status_code == 422
    assert answer.json()["error"]["message_zh"] == "该密码属于常见或已泄露密码：请换一个"


# ------------------------------------------------------------------------------------ change and reset


def test_users_change_their_own_password(client: TestClient, login: Login, database: Database, world: World) -> None:
    other = login("cement")                     # another credential of the same user
    mine = {"Authorization": f"Bearer {_token(client, 'cement').json()['access_token']}"}
    url = "/api/v1/auth/password"
    wrong = client.post(url, headers=mine, json={"current_password": "nope", "new_password": "violet kiln rooftop 42"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "bad_credentials"
    weak = client.post(url, headers=mine, json={"current_password": PASSWORD, "new_password": "q1w2e3r4t5y6"})
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "password.common"
    changed = client.post(url, headers=mine, json={"current_password": PASSWORD,
                                                   "new_password": "violet kiln rooftop 42"})
    assert changed.status_code == 200 and changed.json()["revoked"] >= 1
    assert client.get("/api/v1/me", headers=mine).status_code == 200       # the credential used stays
    assert client.get("/api/v1/me", headers=other).status_code == 401      # every other one ends
    assert _token(client, "cement").status_code == 401
    assert _token(client, "cement", "violet kiln rooftop 42").status_code == 200


def test_changing_the_password_on_the_page_ends_other_sessions(client: TestClient, world: World) -> None:
    browser, elsewhere = signed_in(client, "glass", locale="en"), signed_in(client, "glass")
    form = browser.get("/account/password")
    assert form.status_code == 200 and 'data-testid="password-form"' in form.text
    token = csrf_of(form.text)
    differ = browser.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                     "new_password": "violet kiln rooftop 42",
                                                     "confirm_password": "violet kiln rooftop 43"})
    assert differ.status_code == 422 and "The two new passwords differ." in differ.text
    done = browser.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                   "new_password": "violet kiln rooftop 42",
                                                   "confirm_password": "violet kiln rooftop 42"},
                        follow_redirects=False)
    assert done.status_code == 303
    assert browser.get("/", follow_redirects=False).status_code == 200
    assert elsewhere.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_admins_reset_a_password_and_the_user_must_change_it(client: TestClient, login: Login, database: Database,
                                                             world: World) -> None:
    steel_token = login("steel")
    with database.session() as session:
        steel_id = session.execute(select(User.id).where(User.username == "steel")).scalar_one()
    answer = client.post(f"/api/v1/admin/users/{steel_id}/password", headers=login("admin"), json={})
    assert answer.status_code == 200 and answer.json()["must_change_password"] is True
    temporary = answer.json()["temporary_password"]
    assert len(temporary) >= 12
    assert client.get("/api/v1/me", headers=steel_token).status_code == 401    # credentials revoked
    with database.session() as session:
        assert all(t.revoked_at for t in session.execute(select(ApiToken).where(ApiToken.user_id == steel_id)).scalars())
    refused = _token(client, "steel", temporary)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_change_required"
    # the web sign-in leads every page to the change form until the password is changed
    browser = TestClient(client.app, raise_server_exceptions=False)
    form = browser.get("/login")
    browser.post("/login", data={"username": "steel", "password": temporary, "csrf_token": csrf_of(form.text),
                                 "next": "/"}, follow_redirects=False)
    assert browser.get("/", follow_redirects=False).headers["location"] == "/account/password"
    page = browser.get("/account/password")
    assert 'data-testid="must-change"' in page.text
    assert browser.get("/api/v1/enterprises").json()["error"]["code"] == "password_change_required"
    browser.post("/account/password", data={"csrf_token": csrf_of(page.text), "current_password": temporary,
                                            "new_password": "violet kiln rooftop 42",
                                            "confirm_password": "violet kiln rooftop 42"})
    assert browser.get("/", follow_redirects=False).status_code == 200
    assert _token(client, "steel", "violet kiln rooftop 42").status_code == 200
    # a given password is checked by the same rules; an admin cannot reset their own
    weak = client.post(f"/api/v1/admin/users/{steel_id}/password", headers=login("admin"),
                       json={"password": "1qaz2wsx3edc"})
    assert weak.status_code == 422


def test_the_admin_page_shows_a_temporary_password_once(client: TestClient, database: Database,
                                                        world: World) -> None:
    admin = signed_in(client, "admin", locale="en")
    with database.session() as session:
        glass_id = session.execute(select(User.id).where(User.username == "glass")).scalar_one()
    page = admin.get(f"/admin/users/{glass_id}")
    answer = admin.post(f"/admin/users/{glass_id}/password", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 200 and 'data-testid="temporary-password"' in answer.text
    assert answer.headers["cache-control"] == "no-store"


def test_attempts_too_old_to_count_are_deleted(database: Database, world: World) -> None:
    """The attempts table keeps a day: what the throttle can no longer count is deleted at the next attempt."""
    _failures(database, "cement", ATTACKER[0], 3, seconds_ago=2 * 24 * 3600)   # two days ago
    _failures(database, "cement", ATTACKER[0], 2, seconds_ago=600)             # ten minutes ago
    assert _token(_client(database, OWNER), "cement", "a wrong guess").status_code == 401
    with database.session() as session:
        kept = session.execute(select(LoginAttempt.at).where(LoginAttempt.username == "cement")).scalars().all()
    assert len(kept) == 3   # the two recent failures and this one; the three old ones are gone
    assert all(utcnow() - at < auth.ATTEMPTS_KEPT for at in kept)
