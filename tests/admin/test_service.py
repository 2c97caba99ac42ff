"""Administration on SQLite and PostgreSQL: every change audited (and the chain verifies), the
changes take effect on access, non-admins are refused; the admin pages and "My API tokens"."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from greenmfg.audit.models import AuditEvent
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from tests.factories import PASSWORD, Login, World, csrf_of, signed_in

ADMIN_PAGES = ("/admin", "/admin/organisations", "/admin/organisations/new", "/admin/organisations/new?kind=regulator",
               "/admin/users", "/admin/users/new", "/admin/tokens", "/admin/audit")


def events(client: TestClient, login: Login, action: str) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/admin/audit?action={action}", headers=login("admin"))
    assert answer.status_code == 200
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def verify(client: TestClient, login: Login) -> dict[str, Any]:
    report: dict[str, Any] = client.get("/api/v1/admin/audit/verify", headers=login("admin")).json()
    return report


def visible_codes(client: TestClient, headers: dict[str, str]) -> set[str]:
    return {e["code"] for e in client.get("/api/v1/enterprises", headers=headers).json()["items"]}


def token_for(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


# ----------------------------------------------------------------------- organisations


def test_organisations_are_created_and_changed_with_audit(client: TestClient, login: Login, world: World) -> None:
    headers = login("admin")
    created = client.post("/api/v1/admin/organisations", headers=headers, json={
        "kind": "enterprise", "name": "邢台新建玻璃有限公司", "code": "E-NEW", "industry": "平板玻璃",
        "province": "河北", "city": "邢台市"})
    assert created.status_code == 201, created.text
    org = created.json()
    # names are resolved to the keys access rules compare: industry key, GB/T 2260 code, short city
    assert (org["industry"], org["province"], org["city"]) == ("flat_glass", "130000", "邢台")
    assert visible_codes(client, login("hebei")) == {"E-STEEL", "E-GLASS", "E-NEW"}
    event = events(client, login, "organisation.create")[0]
    assert event["target_id"] == str(org["id"]) and event["details"]["code"] == "E-NEW"
    assert event["actor"] == "admin"

    changed = client.patch(f"/api/v1/admin/organisations/{org['id']}", headers=headers,
                           json={"city": "唐山", "name_en": "New glass"})
    assert changed.status_code == 200 and changed.json()["city"] == "唐山"
    update_event = events(client, login, "organisation.update")[0]
    assert update_event["details"]["city"] == {"from": "邢台", "to": "唐山"}
    assert update_event["details"]["name_en"] == {"from": None, "to": "New glass"}
    assert "industry" not in update_event["details"]  # only what changed

    assert client.post("/api/v1/admin/organisations", headers=headers, json={
        "kind": "enterprise", "name": "x", "code": "E-NEW", "industry": "steel", "province": "130000"}
    ).status_code == 409
    wrong = client.post("/api/v1/admin/organisations", headers=headers, json={
        "kind": "enterprise", "name": "x", "code": "E-X", "industry": "steal", "province": "130000"})
    assert wrong.status_code == 422 and "steel" in wrong.json()["error"]["message"]  # did you mean
    assert wrong.json()["error"]["details"][0]["location"] == "body.industry"
    assert client.post("/api/v1/admin/organisations", headers=headers, json={
        "kind": "enterprise", "name": "x", "code": "E-Y", "industry": "steel", "province": "320000",
        "city": "唐山"}).status_code == 422  # 唐山 is not in Jiangsu
    assert client.post("/api/v1/admin/organisations", headers=headers,
                       json={"kind": "regulator", "name": "无辖区"}).status_code == 422
    assert verify(client, login)["ok"] is True


def test_regulator_jurisdictions_decide_what_it_sees(client: TestClient, login: Login, world: World) -> None:
    headers = login("admin")
    created = client.post("/api/v1/admin/organisations", headers=headers, json={
        "kind": "regulator", "name": "邢台市工信局", "jurisdictions": [{"province": "130000", "city": "邢台市"}]})
    assert created.status_code == 201, created.text
    regulator = created.json()
    assert regulator["jurisdictions"][0]["city"] == "邢台"
    user = client.post("/api/v1/admin/users", headers=headers, json={
        "username": "xingtai", "display_name": "邢台监管员", "password": "long enough password",
        "organisation_id": regulator["id"], "role": "manager"})
    assert user.status_code == 201, user.text
    xingtai = {"Authorization": f"Bearer {token_for(client, 'xingtai', 'long enough password').json()['access_token']}"}
    assert visible_codes(client, xingtai) == {"E-GLASS"}
    # the city regulator of 唐山 (steel only) widened to every industry of 唐山 and 邢台's glass
    tangshan = client.patch(f"/api/v1/admin/organisations/{world.org('tangshan')}", headers=headers, json={
        "jurisdictions": [{"province": "130000", "city": "唐山"},
                          {"province": "130000", "city": "邢台", "industries": ["flat_glass"]}]})
    assert tangshan.status_code == 200, tangshan.text
    assert visible_codes(client, login("tangshan")) == {"E-STEEL", "E-GLASS"}
    change = events(client, login, "organisation.update")[0]["details"]["jurisdictions"]
    assert change["from"] == [{"province": "130000", "city": "唐山", "industries": ["steel"]}]
    assert len(change["to"]) == 2
    assert client.patch(f"/api/v1/admin/organisations/{world.org('tangshan')}", headers=headers,
                        json={"jurisdictions": []}).status_code == 422
    assert client.patch(f"/api/v1/admin/organisations/{world.org('steel')}", headers=headers,
                        json={"jurisdictions": [{"province": "130000"}]}).status_code == 422
    assert verify(client, login)["ok"] is True


def test_evaluator_assignments_grant_and_end_access(client: TestClient, login: Login, world: World) -> None:
    headers = login("admin")
    evaluator = world.org("evaluator")
    assert visible_codes(client, login("evaluator")) == {"E-CEMENT"}
    assigned = client.post(f"/api/v1/admin/organisations/{evaluator}/assignments", headers=headers,
                           json={"enterprise_id": world.org("steel"), "purpose": "绿色工厂评价"})
    assert assigned.status_code == 201, assigned.text
    assert visible_codes(client, login("evaluator")) == {"E-CEMENT", "E-STEEL"}
    event = events(client, login, "evaluator.assign")[0]
    assert event["details"]["enterprise_id"] == world.org("steel") and event["organisation_id"] == world.org("steel")
    assert client.post(f"/api/v1/admin/organisations/{evaluator}/assignments", headers=headers,
                       json={"enterprise_id": world.org("steel")}).status_code == 409
    assert client.post(f"/api/v1/admin/organisations/{world.org('hebei')}/assignments", headers=headers,
                       json={"enterprise_id": world.org("steel")}).status_code == 422  # not an evaluator
    detail = client.get(f"/api/v1/admin/organisations/{evaluator}", headers=headers).json()
    assert {a["enterprise_id"] for a in detail["assignments"] if a["ended_at"] is None} == {
        world.org("steel"), world.org("cement")}
    ended = client.delete(f"/api/v1/admin/organisations/{evaluator}/assignments/{assigned.json()['id']}",
                          headers=headers)
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    assert visible_codes(client, login("evaluator")) == {"E-CEMENT"}
    assert events(client, login, "evaluator.unassign")[0]["target_id"] == str(assigned.json()["id"])
    assert client.delete(f"/api/v1/admin/organisations/{evaluator}/assignments/{assigned.json()['id']}",
                         headers=headers).status_code == 404  # already ended
    assert verify(client, login)["ok"] is True


# ------------------------------------------------------------------------------- users


def test_users_are_created_with_argon2_and_audited_without_the_password(client: TestClient, login: Login,
                                                                        world: World, database: Database) -> None:
    headers = login("admin")
    password = "a brand new password"
    created = client.post("/api/v1/admin/users", headers=headers, json={
        "username": "newviewer", "display_name": "新用户", "password": password, "locale": "en",
        "organisation_id": world.org("steel"), "role": "viewer"})
    assert created.status_code == 201, created.text
    assert created.json()["memberships"] == [{"organisation_id": world.org("steel"), "organisation": "唐山示例钢铁有限公司",
                                              "kind": "enterprise", "role": "viewer"}]
    with database.session() as session:
        stored = session.execute(select(User.password_hash).where(User.username == "newviewer")).scalar_one()
    assert stored.startswith("$argon2id$") and password not in stored
    event = events(client, login, "user.create")[0]
    assert event["details"]["membership"]["role"] == "viewer"
    assert password not in str(event) and "password" not in event["details"]
    assert token_for(client, "newviewer", password).status_code == 200

    assert client.post("/api/v1/admin/users", headers=headers, json={
        "username": "NEWVIEWER", "password": password}).status_code == 409  # case-insensitively taken
    assert client.post("/api/v1/admin/users", headers=headers, json={
        "username": "short", "password": "short"}).status_code == 422
    assert client.post("/api/v1/admin/users", headers=headers, json={
        "username": "x y z", "password": password}).status_code == 422
    assert client.post("/api/v1/admin/users", headers=headers, json={
        "username": "boss", "password": password, "organisation_id": world.org("steel"), "role": "admin"}
    ).status_code == 422  # the admin role belongs to the platform organisation
    assert verify(client, login)["ok"] is True


def test_roles_and_memberships_change_with_audit_and_take_effect(client: TestClient, login: Login,
                                                                 world: World) -> None:
    headers = login("admin")
    viewer = client.get("/api/v1/admin/users?q=steelviewer", headers=headers).json()["items"][0]
    user_id, steel = viewer["id"], world.org("steel")
    viewer_headers = login("steelviewer")
    assert client.post(f"/api/v1/enterprises/{steel}/imports", headers=viewer_headers,
                       files={"file": ("a.csv", b"x", "text/csv")}).status_code == 403

    changed = client.put(f"/api/v1/admin/users/{user_id}/memberships/{steel}", headers=headers, json={"role": "manager"})
    assert changed.status_code == 200 and changed.json()["memberships"][0]["role"] == "manager"
    event = events(client, login, "membership.role_change")[0]
    assert event["details"]["from"] == "viewer" and event["details"]["to"] == "manager"
    assert event["organisation_id"] == steel and event["target_id"] == str(user_id)
    # the new role counts on the next request (the token is the same)
    assert client.post(f"/api/v1/enterprises/{steel}/imports", headers=viewer_headers,
                       files={"file": ("a.txt", b"x", "text/plain")}).status_code == 415

    added = client.put(f"/api/v1/admin/users/{user_id}/memberships/{world.org('glass')}", headers=headers,
                       json={"role": "viewer"})
    assert added.status_code == 200 and len(added.json()["memberships"]) == 2
    assert events(client, login, "membership.add")[0]["details"]["role"] == "viewer"
    assert visible_codes(client, viewer_headers) == {"E-STEEL", "E-GLASS"}
    removed = client.delete(f"/api/v1/admin/users/{user_id}/memberships/{steel}", headers=headers)
    assert removed.status_code == 200 and [m["organisation_id"] for m in removed.json()["memberships"]] == [
        world.org("glass")]
    assert events(client, login, "membership.remove")[0]["details"]["role"] == "manager"
    assert visible_codes(client, viewer_headers) == {"E-GLASS"}
    assert client.delete(f"/api/v1/admin/users/{user_id}/memberships/{steel}", headers=headers).status_code == 404
    assert client.put(f"/api/v1/admin/users/{user_id}/memberships/{world.org('platform')}", headers=headers,
                      json={"role": "viewer"}).status_code == 422
    assert client.put(f"/api/v1/admin/users/999999/memberships/{steel}", headers=headers,
                      json={"role": "viewer"}).status_code == 404
    assert verify(client, login)["ok"] is True


def test_deactivation_ends_sessions_and_tokens(client: TestClient, login: Login, world: World) -> None:
    headers = login("admin")
    steel_headers = login("steel")
    browser = signed_in(client, "steel")
    user_id = client.get("/api/v1/me", headers=steel_headers).json()["id"]
    answer = client.post(f"/api/v1/admin/users/{user_id}/deactivate", headers=headers)
    assert answer.status_code == 200 and answer.json()["active"] is False
    assert client.get("/api/v1/me", headers=steel_headers).status_code == 401
    assert browser.get("/tokens", follow_redirects=False).status_code == 303  # back to the sign-in page
    assert token_for(client, "steel").status_code == 401
    event = events(client, login, "user.deactivate")[0]
    assert event["target_id"] == str(user_id) and event["details"]["tokens_revoked"] >= 1
    reactivated = client.post(f"/api/v1/admin/users/{user_id}/activate", headers=headers)
    assert reactivated.json()["active"] is True and events(client, login, "user.activate")
    assert token_for(client, "steel").status_code == 200
    assert client.get("/api/v1/me", headers=steel_headers).status_code == 401  # revoked tokens stay revoked

    admin_id = client.get("/api/v1/me", headers=headers).json()["id"]
    assert client.post(f"/api/v1/admin/users/{admin_id}/deactivate", headers=headers).status_code == 409
    assert client.delete(f"/api/v1/admin/users/{admin_id}/memberships/{world.org('platform')}",
                         headers=headers).status_code == 409
    assert verify(client, login)["ok"] is True


# ------------------------------------------------------------------------------ tokens


def test_admins_list_and_revoke_any_token(client: TestClient, login: Login, world: World) -> None:
    created = client.post("/api/v1/auth/tokens", headers=login("steel"), json={"name": "nightly", "scopes": ["read"]})
    secret, token_id = created.json()["token"], created.json()["id"]
    listed = client.get("/api/v1/admin/tokens?active=true", headers=login("admin")).json()
    mine = next(t for t in listed["items"] if t["id"] == token_id)
    assert mine["username"] == "steel" and mine["state"] == "active" and mine["prefix"] == secret[:10]
    assert secret not in str(listed)  # secrets are never listed
    revoked = client.delete(f"/api/v1/admin/tokens/{token_id}", headers=login("admin"))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    event = events(client, login, "auth.token_revoked")[0]
    assert event["details"]["by_admin"] is True and event["target_id"] == str(token_id)
    assert event["details"]["owner_user_id"] == client.get("/api/v1/me", headers=login("steel")).json()["id"]
    inactive = client.get("/api/v1/admin/tokens?active=false", headers=login("admin")).json()["items"]
    assert token_id in {t["id"] for t in inactive}
    assert client.delete("/api/v1/admin/tokens/999999", headers=login("admin")).status_code == 404
    assert verify(client, login)["ok"] is True


# ------------------------------------------------------------------------------- audit


def test_the_audit_log_lists_filters_and_detects_tampering(client: TestClient, login: Login, world: World,
                                                           database: Database) -> None:
    # a sign-in through the token endpoint (``login`` mints its tokens without one): audited
    assert client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).status_code == 200
    client.post("/api/v1/admin/organisations", headers=login("admin"), json={
        "kind": "evaluator", "name": "第二评价机构"})
    page = client.get("/api/v1/admin/audit?page_size=2", headers=login("admin")).json()
    assert page["page_size"] == 2 and len(page["items"]) == 2 and page["total"] >= 2
    assert page["items"][0]["seq"] > page["items"][1]["seq"]  # newest first
    only_logins = client.get("/api/v1/admin/audit?action=auth.login&actor=admin", headers=login("admin")).json()
    assert only_logins["items"] and all(e["action"].startswith("auth.login") and e["actor"] == "admin"
                                        for e in only_logins["items"])
    assert verify(client, login) == {"ok": True, "events": page["total"], "problems": []}
    with database.session() as session:
        session.execute(update(AuditEvent).where(AuditEvent.action == "organisation.create")
                        .values(details={"kind": "evaluator", "name": "改过的名字"}))
    report = verify(client, login)
    assert report["ok"] is False and any("edited" in p for p in report["problems"])


# ------------------------------------------------------------------------ who may do it


def test_non_admins_are_refused_on_admin_pages(client: TestClient, world: World) -> None:
    for username in ("steel", "hebei", "evaluator"):
        browser = signed_in(client, username)
        for path in ADMIN_PAGES:
            answer = browser.get(path)
            assert answer.status_code == 403, (username, path)
            assert "唐山示例钢铁有限公司" not in answer.text
        form = browser.get("/tokens")
        refused = browser.post("/admin/organisations/new", data={"csrf_token": csrf_of(form.text), "kind": "evaluator",
                                                                 "name": "x"})
        assert refused.status_code == 403
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_admin_pages_render_in_both_languages(client: TestClient, login: Login, world: World) -> None:
    steel_user = client.get("/api/v1/me", headers=login("steel")).json()["id"]
    pages = [*ADMIN_PAGES, f"/admin/organisations/{world.org('steel')}", f"/admin/organisations/{world.org('hebei')}",
             f"/admin/organisations/{world.org('evaluator')}", f"/admin/organisations/{world.org('platform')}",
             f"/admin/users/{steel_user}", "/tokens"]
    for locale, words in (("zh-CN", ("平台管理", "组织", "审计日志")), ("en", ("Administration", "Organisations",
                                                                            "Audit log"))):
        browser = signed_in(client, "admin", locale=locale)
        for path in pages:
            answer = browser.get(path)
            assert answer.status_code == 200, (path, answer.text[-500:])
            assert answer.headers["content-language"] == locale
        overview = browser.get("/admin").text
        assert all(word in overview for word in words)
        hebei = browser.get(f"/admin/organisations/{world.org('hebei')}").text
        assert ("河北省" if locale == "zh-CN" else "Hebei") in hebei and 'data-testid="jurisdictions"' in hebei
        evaluator = browser.get(f"/admin/organisations/{world.org('evaluator')}").text
        assert "苏州示例水泥有限公司" in evaluator and 'data-testid="assignments"' in evaluator


def test_admin_forms_change_things_with_csrf_and_flash(client: TestClient, login: Login, world: World) -> None:
    browser = signed_in(client, "admin")
    form = browser.get("/admin/organisations/new?kind=enterprise")
    token = csrf_of(form.text)
    created = browser.post("/admin/organisations/new", data={
        "csrf_token": token, "kind": "enterprise", "name": "表单创建企业", "code": "E-FORM", "industry": "cement",
        "province": "130000", "city": "邢台"}, follow_redirects=False)
    assert created.status_code == 303
    page = browser.get(created.headers["location"])
    assert "已创建组织 表单创建企业。" in page.text  # the flash, translated
    assert events(client, login, "organisation.create")[0]["details"]["code"] == "E-FORM"

    refused = browser.post("/admin/organisations/new", data={
        "csrf_token": token, "kind": "enterprise", "name": "重复", "code": "E-FORM", "industry": "cement",
        "province": "130000"})
    assert refused.status_code == 409 and "代码 E-FORM 已被组织" in refused.text
    assert browser.post("/admin/organisations/new", data={"kind": "evaluator", "name": "无令牌"}).status_code == 403

    steelviewer = client.get("/api/v1/admin/users?q=steelviewer", headers=login("admin")).json()["items"][0]
    changed = browser.post(f"/admin/users/{steelviewer['id']}/memberships", data={
        "csrf_token": token, "organisation_id": world.org("steel"), "role": "manager"})
    assert changed.status_code == 200 and "已保存成员角色。" in changed.text
    assert events(client, login, "membership.role_change")[0]["details"]["to"] == "manager"

    new_user = browser.post("/admin/users/new", data={
        "csrf_token": token, "username": "formuser", "display_name": "表单用户", "password": "form user password",
        "locale": "zh-CN", "organisation_id": str(world.org("glass")), "role": "viewer"})
    assert new_user.status_code == 200 and "已创建用户 formuser。" in new_user.text
    assert token_for(client, "formuser", "form user password").status_code == 200

    tangshan = f"/admin/organisations/{world.org('tangshan')}"
    added = browser.post(f"{tangshan}/jurisdictions", data={"csrf_token": token, "province": "130000", "city": "邢台",
                                                            "industries": ["flat_glass"]})
    assert added.status_code == 200 and "已添加管辖范围。" in added.text
    assert visible_codes(client, login("tangshan")) == {"E-STEEL", "E-GLASS"}
    jurisdictions = client.get(f"/api/v1/admin{tangshan.removeprefix('/admin')}", headers=login("admin")).json()
    xingtai = next(j["id"] for j in jurisdictions["jurisdictions"] if j["city"] == "邢台")
    removed = browser.post(f"{tangshan}/jurisdictions/{xingtai}/delete", data={"csrf_token": token})
    assert removed.status_code == 200 and "已移除管辖范围。" in removed.text
    assert visible_codes(client, login("tangshan")) == {"E-STEEL"}
    assigned = browser.post(f"/admin/organisations/{world.org('evaluator')}/assignments", data={
        "csrf_token": token, "enterprise_id": str(world.org("cement"))})
    assert assigned.status_code == 200 and "已被指派给" in assigned.text  # refused: already assigned

    verified = browser.post("/admin/audit/verify", data={"csrf_token": token})
    assert verified.status_code == 200 and "审计链完整" in verified.text


def test_wrong_password_page_shows_the_error(client: TestClient, world: World) -> None:
    browser = TestClient(client.app, raise_server_exceptions=False)
    form = browser.get("/login")
    answer = browser.post("/login", data={"username": "steel", "password": "wrong", "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 401 and "用户名或密码错误" in answer.text


# -------------------------------------------------------------------------- my tokens


def test_my_tokens_page_creates_once_and_revokes(client: TestClient, login: Login, world: World) -> None:
    browser = signed_in(client, "steel", locale="en")
    page = browser.get("/tokens")
    assert page.status_code == 200 and "My API tokens" in page.text
    assert 'value="admin"' not in page.text  # only scopes the user can use
    created = browser.post("/tokens", data={"csrf_token": csrf_of(page.text), "name": "uploader",
                                            "scopes": ["read", "write"], "hours": "720"})
    assert created.status_code == 200
    start = created.text.index('data-testid="new-token"')
    secret = created.text[start:].split("<code>", 1)[1].split("</code>", 1)[0]
    assert secret.startswith("gm_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["scopes"] == ["read", "write"]
    again = browser.get("/tokens").text
    assert "uploader" in again and secret not in again  # shown once
    assert events(client, login, "auth.token_created")[0]["details"]["name"] == "uploader"

    assert browser.post("/tokens", data={"csrf_token": csrf_of(page.text), "name": "", "scopes": ["read"]}
                        ).status_code == 422
    assert browser.post("/tokens", data={"csrf_token": csrf_of(page.text), "name": "x", "scopes": ["admin"]}
                        ).status_code == 403
    token_id = next(t["id"] for t in client.get("/api/v1/auth/tokens", headers=login("steel")).json()["items"]
                    if t["name"] == "uploader")
    # another user (of another enterprise) cannot revoke it: 404, as if it did not exist
    other = signed_in(client, "cement")
    assert other.post(f"/tokens/{token_id}/revoke",
                      data={"csrf_token": csrf_of(other.get("/tokens").text)}).status_code == 404
    revoked = browser.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(page.text)})
    assert revoked.status_code == 200 and "revoked" in revoked.text
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert verify(client, login)["ok"] is True
