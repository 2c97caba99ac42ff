"""One error shape: an error of every domain, raised where it happens, answers through a real endpoint
with the one envelope ``{"error": {status, code, message, message_zh, details}}``, pinned in full.

No API or page module translates these errors by hand any more: what the envelope says comes from
the error's own attributes (greenmfg.errors.GreenmfgError), so these tests pin the domain's words.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from greenmfg.db.session import Database
from greenmfg.greenlist.service import OPEN
from tests.capacity.test_api import steel_plan
from tests.factories import PASSWORD, Login, World, add_meter, signed_in, steel_csv, upload
from tests.greenfactory.test_api import document


def envelope(answer: Any, status: int) -> dict[str, Any]:
    """The envelope's one key and the status it repeats."""
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message", "message_zh", "details"}
    assert body["error"]["status"] == status
    error: dict[str, Any] = body["error"]
    return error


# ------------------------------------------------------------------------------------- orgs, refdata


def test_not_found_of_orgs(client: TestClient, login: Login, world: World) -> None:
    answer = client.get("/api/v1/enterprises/999999", headers=login("steel"))
    assert envelope(answer, 404) == {"status": 404, "code": "not_found", "message": "enterprise 999999 not found",
                                     "message_zh": "未找到企业 999999", "details": []}


def test_not_found_of_refdata(client: TestClient, login: Login, world: World) -> None:
    answer = client.get("/api/v1/refdata/nothing/here", headers=login("steel"))
    assert envelope(answer, 404) == {"status": 404, "code": "not_found", "message": "dataset nothing/here not found",
                                     "message_zh": "未找到数据集 nothing/here", "details": []}


def test_forbidden_of_compliance(client: TestClient, login: Login, world: World) -> None:
    answer = client.get("/api/v1/region/compliance", headers=login("steel"))
    assert envelope(answer, 403) == {
        "status": 403, "code": "forbidden",
        "message": "the compliance view is for regulators and platform administrators",
        "message_zh": "能效达标监管视图仅向监管部门和平台管理员开放", "details": []}


def test_bad_parameter_of_compliance(client: TestClient, login: Login, world: World) -> None:
    answer = client.get(f"/api/v1/enterprises/{world.org('steel')}/benchmark", params={"period": "2024-13"},
                        headers=login("steel"))
    message = "period '2024-13' is not YYYY or YYYY-MM (e.g. 2024 or 2024-03)"
    message_zh = "期间“2024-13”格式无效，应为 YYYY 或 YYYY-MM（如 2024 或 2024-03）"
    assert envelope(answer, 422) == {
        "status": 422, "code": "invalid_parameter", "message": message, "message_zh": message_zh,
        "details": [{"location": "query.period", "message": message, "message_zh": message_zh}]}


# ------------------------------------------------------------------------------------------- admin, auth


def test_admin_error(client: TestClient, login: Login, world: World) -> None:
    steel_id = client.get("/api/v1/admin/users", params={"q": "steel"}, headers=login("admin")).json()["items"][0]["id"]
    wrong_role = client.put(f"/api/v1/admin/users/{steel_id}/memberships/{world.org('steel')}",
                            headers=login("admin"), json={"role": "admin"})
    message = "the admin role belongs to the platform organisation, and only it"
    message_zh = "admin 角色仅适用于平台运营组织，平台运营组织也只能使用 admin 角色"
    assert envelope(wrong_role, 422) == {
        "status": 422, "code": "invalid", "message": message, "message_zh": message_zh,
        "details": [{"location": "body.role", "message": message, "message_zh": message_zh}]}


def test_weak_password_of_auth(client: TestClient, login: Login, world: World) -> None:
    answer = client.post("/api/v1/auth/password", headers=login("steel"),
                         json={"current_password": PASSWORD, "new_password": "1qaz2wsx3edc"})
    message = "this password is on the list of common or breached passwords: choose another"
    message_zh = "该密码属于常见或已泄露密码：请换一个"
    assert envelope(answer, 422) == {
        "status": 422, "code": "password.common", "message": message, "message_zh": message_zh,
        "details": [{"location": "body.new_password", "message": message, "message_zh": message_zh}]}


def test_throttled_of_auth(client: TestClient, world: World) -> None:
    for _ in range(10):
        answer = client.post("/api/v1/auth/token", json={"username": "steel", "password": "wrong"})
        if answer.status_code == 429:
            break
        assert envelope(answer, 401) == {"status": 401, "code": "bad_credentials",
                                         "message": "wrong username or password", "message_zh": "用户名或密码错误",
                                         "details": []}
    wait = answer.headers["Retry-After"]
    assert int(wait) >= 1
    assert envelope(answer, 429) == {"status": 429, "code": "too_many_requests",
                                     "message": f"too many failed logins; try again in {wait} s",
                                     "message_zh": f"登录失败次数过多，请 {wait} 秒后再试", "details": []}


# ------------------------------------------------------------------------------------------- accounting


def test_upload_rejected_and_import_conflict_of_accounting(client: TestClient, login: Login, world: World) -> None:
    rejected = upload(client, login("steel"), world.org("steel"), b"\x00\x01", name="data.txt", content_type="text/plain")
    assert envelope(rejected, 415) == {
        "status": 415, "code": "upload_rejected",
        "message": "data.txt: unsupported file type '.txt'; upload the activity template as .xlsx or .csv",
        "message_zh": "data.txt：不支持的文件类型“.txt”，请上传 .xlsx 或 .csv 格式的活动数据模板", "details": []}
    preview = upload(client, login("steel"), world.org("steel"), steel_csv(coke=-5))
    assert preview.status_code == 201 and preview.json()["status"] == "invalid"
    import_id = preview.json()["id"]
    conflict = client.post(f"/api/v1/imports/{import_id}/commit", headers=login("steel"))
    assert envelope(conflict, 409) == {
        "status": 409, "code": "import_conflict",
        "message": f"import {import_id} is invalid; only a previewed import without errors can be committed",
        "message_zh": f"导入批次 {import_id} 状态为 invalid，只有无错误的预览批次可以提交", "details": []}


# ------------------------------------------------------------------------------------------- monitoring


def test_payload_and_meter_accounting_errors_of_monitoring(client: TestClient, login: Login, world: World,
                                                           database: Database) -> None:
    meter = add_meter(database, world)
    answer = client.post(f"/api/v1/meters/{meter}/readings/csv", headers=login("steel"),
                         files={"file": ("r.csv", b"ts,value,unit\n2026-03-01T00:00:00+08:00,x,kWh\n", "text/csv")})
    error = envelope(answer, 422)
    assert error["code"] == "invalid_readings" and len(error["details"]) == 1
    detail = error["details"][0]
    assert set(detail) == {"column", "message", "message_zh"} and detail["column"] == "r.csv, row 2, column value"
    assert error["message"] == f"the readings cannot be stored: {detail['column']}: {detail['message']}"
    assert error["message_zh"] == f"读数无法保存：{detail['column']}：{detail['message_zh']}"
    accounted = client.post(f"/api/v1/enterprises/{world.org('steel')}/meters/account", headers=login("steel"),
                            json={"period": "2024-13"})
    assert envelope(accounted, 422) == {"status": 422, "code": "nothing_to_account",
                                        "message": "period '2024-13' must be YYYY-MM",
                                        "message_zh": "期间“2024-13”必须为 YYYY-MM 格式", "details": []}


# ------------------------------------------------------------------------- greenfactory, greenlist, capacity


def test_validation_failed_and_evaluation_conflict_of_greenfactory(client: TestClient, login: Login,
                                                                   world: World) -> None:
    url = f"/api/v1/enterprises/{world.org('steel')}/green-evaluations"
    invalid = client.post(url, headers=login("steel"), json=[1])
    assert envelope(invalid, 422) == {
        "status": 422, "code": "invalid_input", "message": "1 error(s) in the input; nothing was computed",
        "message_zh": "输入有 1 处错误，未做任何更改",
        "details": [{"code": "greenfactory.input.not_an_object", "file": "", "sheet": "", "row": None, "column": "",
                     "value": "", "message": "the input must be a JSON object", "message_zh": "输入必须是 JSON 对象",
                     "fix": "send {\"items\": [...]}", "fix_zh": "请提交 {\"items\": [...]}"}]}
    created = client.post(url, headers=login("steel"), json=document())
    assert created.status_code == 201, created.text
    evaluation = f"/api/v1/green-evaluations/{created.json()['id']}"
    assert client.post(f"{evaluation}/finalise", headers=login("steel")).status_code == 200
    again = client.post(f"{evaluation}/finalise", headers=login("steel"))
    assert envelope(again, 409) == {"status": 409, "code": "evaluation_final",
                                    "message": "a final evaluation cannot be changed; create a new one",
                                    "message_zh": "评价已定稿，不能修改；请新建评价", "details": []}


def test_transition_conflict_of_greenlist(client: TestClient, login: Login, world: World) -> None:
    created = client.post("/api/v1/green-list/applications", headers=login("steel"),
                          json={"organisation_id": world.org("steel"), "kind": "factory", "list_year": 2026})
    assert created.status_code == 201, created.text
    withdraw = f"/api/v1/green-list/applications/{created.json()['id']}/withdraw"
    assert client.post(withdraw, headers=login("steel"), json={}).status_code == 200
    answer = client.post(withdraw, headers=login("steel"), json={})
    sources = ", ".join(sorted(OPEN))
    assert envelope(answer, 409) == {
        "status": 409, "code": "transition_conflict",
        "message": f"the application is withdrawn; 'withdraw' needs one of: {sources}",
        # the Chinese message names the statuses in words (greenlist.labels), in the order of their keys
        "message_zh": "申请当前状态为“已撤回”，“撤回”仅适用于：草稿、第三方评价完成、第三方评价中、市级初审通过，待省级推荐、"
                      "待市级初审、退回整改、已提交自评价", "details": []}


def test_plan_conflict_of_capacity(client: TestClient, login: Login, world: World) -> None:
    created = client.post("/api/v1/capacity/plans", headers=login("steel"), json=steel_plan(world))
    assert created.status_code == 201, created.text
    answer = client.post(f"/api/v1/capacity/plans/{created.json()['id']}/approve", headers=login("hebei"))
    assert envelope(answer, 409) == {
        "status": 409, "code": "plan_conflict",
        "message": "the plan is draft; only a submitted plan can be approved",
        "message_zh": "方案当前状态为“草稿”，只有“已提交”状态的方案可以批准", "details": []}


# ------------------------------------------------------------------------------------------ web edge, pages


def test_the_edge_own_errors_share_the_shape(client: TestClient, login: Login, world: World) -> None:
    missing = client.get("/api/v1/no-such-address", headers=login("steel"))
    assert envelope(missing, 404) == {"status": 404, "code": "not_found", "message": "not found",
                                      "message_zh": "未找到", "details": []}
    unsigned = client.get("/api/v1/me")
    assert envelope(unsigned, 401)["code"] == "unauthorized" and envelope(unsigned, 401)["message_zh"]


def test_a_page_renders_a_domain_error_in_the_page_language(client: TestClient, world: World) -> None:
    """Pages use the same error: the HTML error page shows its status and its message in the page's language."""
    browser = signed_in(client, "steel", locale="zh-CN")
    answer = browser.get("/enterprises/999999")
    assert answer.status_code == 404 and "未找到企业 999999" in answer.text
    english = signed_in(client, "steel", locale="en")
    answer = english.get("/enterprises/999999")
    assert answer.status_code == 404 and "enterprise 999999 not found" in answer.text
