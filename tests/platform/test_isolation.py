"""Tenant isolation: another enterprise's user gets 404 and no data on every API route.

Every route under /api/v1 must be classified below; a new route fails
``test_every_api_route_is_classified`` until its isolation is tested here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.factories import Login, World, app_routes, steel_csv, upload

#: routes whose path parameters point at one enterprise's data: outsider → 404, no data
SCOPED = {
    ("GET", "/api/v1/enterprises/{enterprise_id}"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/facilities"),
    ("POST", "/api/v1/enterprises/{enterprise_id}/imports"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/imports"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/results"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/dashboard"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/versions"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/recalculations"),
    ("GET", "/api/v1/imports/{import_id}"),
    ("POST", "/api/v1/imports/{import_id}/commit"),
    ("POST", "/api/v1/imports/{import_id}/discard"),
    ("GET", "/api/v1/imports/{import_id}/rows"),
    ("GET", "/api/v1/results/{result_id}"),
    ("GET", "/api/v1/organisations/{organisation_id}"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/benchmark"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/targets"), ("PUT", "/api/v1/enterprises/{enterprise_id}/targets"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/report"),
    # national carbon market allowances (tests/ets/test_allowances.py)
    ("GET", "/api/v1/ets/allowances/enterprises/{enterprise_id}"),
    ("GET", "/api/v1/ets/allowances/enterprises/{enterprise_id}/what-if"),
    ("GET", "/api/v1/ets/allowances/enterprises/{enterprise_id}/declarations"),
    ("PUT", "/api/v1/ets/allowances/enterprises/{enterprise_id}/declarations"),
}
#: lists: the outsider's answer must not contain the enterprise
LISTS = {("GET", "/api/v1/enterprises"), ("GET", "/api/v1/organisations"), ("GET", "/api/v1/ets/allowances")}
#: the caller's own things (tested in test_auth: another user's token is 404)
OWN = {("GET", "/api/v1/me"), ("GET", "/api/v1/auth/tokens"), ("POST", "/api/v1/auth/tokens"),
       ("DELETE", "/api/v1/auth/tokens/{token_id}"), ("POST", "/api/v1/auth/password")}
#: no tenant data (public reference library, login)
PUBLIC = {("POST", "/api/v1/auth/token"), ("GET", "/api/v1/refdata"), ("GET", "/api/v1/refdata/{dataset_id}")}
#: admins only: 403 for everybody else
ADMIN = {
    ("POST", "/api/v1/recalculations"),
    ("GET", "/api/v1/admin/organisations"), ("POST", "/api/v1/admin/organisations"),
    ("GET", "/api/v1/admin/organisations/{organisation_id}"), ("PATCH", "/api/v1/admin/organisations/{organisation_id}"),
    ("POST", "/api/v1/admin/organisations/{organisation_id}/assignments"),
    ("DELETE", "/api/v1/admin/organisations/{organisation_id}/assignments/{assignment_id}"),
    ("GET", "/api/v1/admin/users"), ("POST", "/api/v1/admin/users"), ("GET", "/api/v1/admin/users/{user_id}"),
    ("POST", "/api/v1/admin/users/{user_id}/deactivate"), ("POST", "/api/v1/admin/users/{user_id}/activate"),
    ("POST", "/api/v1/admin/users/{user_id}/password"),
    ("PUT", "/api/v1/admin/users/{user_id}/memberships/{organisation_id}"),
    ("DELETE", "/api/v1/admin/users/{user_id}/memberships/{organisation_id}"),
    ("GET", "/api/v1/admin/tokens"), ("DELETE", "/api/v1/admin/tokens/{token_id}"),
    ("GET", "/api/v1/admin/audit"), ("GET", "/api/v1/admin/audit/verify"),
}
#: regulators and admins only, over the enterprises they may see: 403 for everybody else (test_region
#: shows what each regulator sees)
REGIONAL = {("GET", "/api/v1/region/summary"), ("GET", "/api/v1/region/enterprises"),
            ("GET", "/api/v1/region/top-emitters"), ("GET", "/api/v1/region/rising-intensities"),
            ("GET", "/api/v1/region/compliance")}
#: capacity replacement, tested in tests/capacity/test_api.py: plans by id (outsider → 404, no data), plan
#: creation for an enterprise named in the body (outsider → 404), the plan list (visible plans
#: only), and the ratios and calculator (reference data, no tenant data)
CAPACITY = {
    ("GET", "/api/v1/capacity/ratios"), ("POST", "/api/v1/capacity/calculate"),
    ("GET", "/api/v1/capacity/plans"), ("POST", "/api/v1/capacity/plans"),
    ("GET", "/api/v1/capacity/plans/{plan_id}"), ("POST", "/api/v1/capacity/plans/{plan_id}/submit"),
    ("POST", "/api/v1/capacity/plans/{plan_id}/approve"), ("POST", "/api/v1/capacity/plans/{plan_id}/reject"),
}
#: energy baselines (M&V), tested in tests/monitoring/test_baselines_api.py: meters and baselines by id, visible through
#: meter → facility → enterprise (outsider → 404, no data)
BASELINES = {
    ("POST", "/api/v1/meters/{meter_id}/baselines"), ("GET", "/api/v1/meters/{meter_id}/baselines"),
    ("GET", "/api/v1/baselines/{baseline_id}"), ("POST", "/api/v1/baselines/{baseline_id}/savings"),
}

#: energy-saving diagnosis, tested in tests/diagnosis/test_api.py: every enterprise route answers an outsider
#: 404 with no data; the blank register template holds no tenant data
DIAGNOSIS = {
    ("GET", "/api/v1/diagnosis/equipment-template.{fmt}"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/equipment"), ("POST", "/api/v1/enterprises/{enterprise_id}/equipment"),
    ("POST", "/api/v1/enterprises/{enterprise_id}/equipment/import"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/equipment/check"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/equipment/{equipment_id}"),
    ("PATCH", "/api/v1/enterprises/{enterprise_id}/equipment/{equipment_id}"),
    ("DELETE", "/api/v1/enterprises/{enterprise_id}/equipment/{equipment_id}"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/diagnosis/alerts"),
    ("POST", "/api/v1/enterprises/{enterprise_id}/diagnosis/alerts/{alert_id}"),
    ("PUT", "/api/v1/enterprises/{enterprise_id}/diagnosis/notes"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/diagnosis/report.html"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/diagnosis/report.pdf"),
}

#: green-manufacturing evaluations, tested in tests/greenfactory/test_api.py: evaluations of an enterprise and
#: by id (outsider → 404, no data; regulators and assigned evaluators read, enterprise managers write)
GREENFACTORY = {
    ("POST", "/api/v1/enterprises/{enterprise_id}/green-evaluations"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/green-evaluations"),
    ("GET", "/api/v1/green-evaluations/{evaluation_id}"), ("PUT", "/api/v1/green-evaluations/{evaluation_id}"),
    ("POST", "/api/v1/green-evaluations/{evaluation_id}/finalise"),
    ("GET", "/api/v1/green-evaluations/{evaluation_id}/report.{fmt}"),
}

#: meters, tested in tests/monitoring/test_api.py and test_mv_pages.py (dead letters) (outsider → 404, no data; regulators read, may not push)
MONITORING = {
    ("GET", "/api/v1/enterprises/{enterprise_id}/meters"), ("GET", "/api/v1/meters/{meter_id}/readings"),
    ("POST", "/api/v1/meters/{meter_id}/readings"), ("POST", "/api/v1/meters/{meter_id}/readings/csv"),
    ("POST", "/api/v1/enterprises/{enterprise_id}/meters/account"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/meters/dead-letters"),
    # device credentials (issue #13 item 4), tested in tests/monitoring/test_meter_devices.py: another
    # enterprise's manager → 404, the enterprise's viewers and regulators → 403
    ("GET", "/api/v1/enterprises/{enterprise_id}/meter-devices"),
    ("POST", "/api/v1/enterprises/{enterprise_id}/meter-devices"),
    ("POST", "/api/v1/meter-devices/{device_id}/rotate"), ("POST", "/api/v1/meter-devices/{device_id}/revoke"),
}

#: green-manufacturing list and regional targets, tested in tests/greenlist/test_api.py: applications by id and
#: their actions (outsider → 404, no data), creation for an enterprise named in the body (outsider →
#: 404), the application list (visible ones only), enterprise output values (scoped: outsider → 404),
#: the published list, rules and evaluators (public information, no tenant data), the regional
#: output values and green targets (regulators and admins, their areas only), publication (admins)
GREENLIST = {
    ("GET", "/api/v1/green-list"), ("GET", "/api/v1/green-list/rules"), ("GET", "/api/v1/green-list/evaluators"),
    ("GET", "/api/v1/green-list/applications"), ("POST", "/api/v1/green-list/applications"),
    ("GET", "/api/v1/green-list/applications/{application_id}"),
    ("POST", "/api/v1/green-list/applications/{application_id}/submit"),
    ("POST", "/api/v1/green-list/applications/{application_id}/assign-evaluator"),
    ("POST", "/api/v1/green-list/applications/{application_id}/evaluate"),
    ("POST", "/api/v1/green-list/applications/{application_id}/apply"),
    ("POST", "/api/v1/green-list/applications/{application_id}/pre-review"),
    ("POST", "/api/v1/green-list/applications/{application_id}/province-return"),
    ("POST", "/api/v1/green-list/applications/{application_id}/recommend"),
    ("POST", "/api/v1/green-list/applications/{application_id}/return"),
    ("POST", "/api/v1/green-list/applications/{application_id}/reject"),
    ("POST", "/api/v1/green-list/applications/{application_id}/withdraw"),
    ("POST", "/api/v1/green-list/applications/{application_id}/recheck"),
    ("POST", "/api/v1/green-list/publish"),
    ("GET", "/api/v1/enterprises/{enterprise_id}/output-values"),
    ("POST", "/api/v1/enterprises/{enterprise_id}/output-values"),
    ("GET", "/api/v1/region/output-values"), ("POST", "/api/v1/region/output-values"),
    ("GET", "/api/v1/region/green-targets"),
}


#: a facility-month's rows, tested in tests/accounting/test_editing.py: another enterprise's user and an evaluator
#: of another get 404 and no data, its viewers and regulators read and get 403 on PUT, nothing is stored
MONTH_EDIT = {("GET", "/api/v1/enterprises/{enterprise_id}/activity/{facility}/{period}"),
              ("PUT", "/api/v1/enterprises/{enterprise_id}/activity/{facility}/{period}")}


#: the carbon market's monthly filings, tested in tests/ets/test_api.py: every enterprise route answers another
#: enterprise's user and an evaluator of another 404 with no data (viewers and regulators read, get 403 on the
#: enterprise's steps); the regional overview and the assessment are for regulators and admins (403 otherwise)
ETS = {
    ("GET", "/api/v1/ets/enterprises/{enterprise_id}/months"),
    ("GET", "/api/v1/ets/enterprises/{enterprise_id}/months/{period}"),
    ("POST", "/api/v1/ets/enterprises/{enterprise_id}/months/{period}/evidence"),
    ("GET", "/api/v1/ets/enterprises/{enterprise_id}/months/{period}/evidence/{attachment_id}"),
    ("POST", "/api/v1/ets/enterprises/{enterprise_id}/months/{period}/file"),
    ("POST", "/api/v1/ets/enterprises/{enterprise_id}/months/{period}/amend"),
    ("PUT", "/api/v1/ets/enterprises/{enterprise_id}/coverage/{year}"),
    ("GET", "/api/v1/ets/region"), ("POST", "/api/v1/ets/region/assess"),
    # the annual report and the verification pack, tested in tests/ets/test_report.py (404 for another
    # enterprise's user and an unassigned evaluator)
    ("GET", "/api/v1/ets/enterprises/{enterprise_id}/report"),
    ("GET", "/api/v1/ets/enterprises/{enterprise_id}/verification-pack"),
}

#: the exporters' CBAM data, tested in tests/cbam/test_platform_api.py: every enterprise route answers another
#: enterprise's user, a regulator covering the enterprise and an evaluator 404 with no data unless the record is
#: shared with their organisation (then they read that record and its files only); viewers read and get 403 on
#: every change; the shared list holds only what was shared with the caller
CBAM = {
    ("GET", "/api/v1/cbam/enterprises/{enterprise_id}"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/goods"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/customers"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/calculations"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/calculations/rows"),
    ("GET", "/api/v1/cbam/enterprises/{enterprise_id}/calculations/{calculation_id}"),
    ("GET", "/api/v1/cbam/enterprises/{enterprise_id}/calculations/{calculation_id}/files/{attachment_id}"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/communications"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/communications/received"),
    ("GET", "/api/v1/cbam/enterprises/{enterprise_id}/communications/{communication_id}"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/communications/{communication_id}/sent"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/communications/{communication_id}/verification"),
    ("GET", "/api/v1/cbam/enterprises/{enterprise_id}/communications/{communication_id}/files/{attachment_id}"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/footprints"),
    ("GET", "/api/v1/cbam/enterprises/{enterprise_id}/footprints/{footprint_id}"),
    ("GET", "/api/v1/cbam/enterprises/{enterprise_id}/footprints/{footprint_id}/files/{attachment_id}"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/shares"),
    ("POST", "/api/v1/cbam/enterprises/{enterprise_id}/shares/{share_id}/revoke"),
    ("GET", "/api/v1/cbam/shared"),
}


#: carbon-peak pathways, tested in tests/pathways/test_pages.py and test_stored_scenario.py: an enterprise's
#: decomposition, measures and scenario from its stored data (another enterprise's user and an evaluator of another →
#: 404, no data), a region's industries and scenario from its stored data (admins and regulators of the whole area;
#: 403 otherwise), the example scenario (no tenant data)
PATHWAYS = {
    ("GET", "/api/v1/pathways/enterprises/{enterprise_id}/decomposition"),
    ("GET", "/api/v1/pathways/enterprises/{enterprise_id}/macc"),
    ("GET", "/api/v1/pathways/enterprises/{enterprise_id}/scenario"),
    ("GET", "/api/v1/pathways/enterprises/{enterprise_id}/scenario.yaml"),
    ("GET", "/api/v1/pathways/regions/{province}/industries"),
    ("GET", "/api/v1/pathways/regions/{province}/scenario"),
    ("GET", "/api/v1/pathways/regions/{province}/scenario.yaml"),
    ("GET", "/api/v1/pathways/scenarios/example"),
}


def _api_routes(client: TestClient) -> set[tuple[str, str]]:
    out = set()
    for route in app_routes(client.app):
        if isinstance(route, APIRoute) and route.path.startswith("/api/v1"):
            path = route.path.replace("{dataset_id:path}", "{dataset_id}")
            out |= {(m, path) for m in route.methods if m != "HEAD"}
    return out


def test_every_api_route_is_classified(client: TestClient) -> None:
    unclassified = (_api_routes(client) - SCOPED - LISTS - OWN - PUBLIC - ADMIN - REGIONAL - CAPACITY - BASELINES
                    - DIAGNOSIS - GREENFACTORY
                    - MONITORING - GREENLIST - MONTH_EDIT - ETS - PATHWAYS - CBAM)
    assert not unclassified, f"add these routes to an isolation class and test them: {sorted(unclassified)}"


@pytest.fixture
def steel_objects(client: TestClient, login: Login, world: World) -> dict[str, int]:
    headers = login("steel")
    committed = upload(client, headers, world.org("steel"), steel_csv()).json()
    client.post(f"/api/v1/imports/{committed['id']}/commit", headers=headers)
    pending = upload(client, headers, world.org("steel"), steel_csv(periods=("2024-05",))).json()
    result = client.get(f"/api/v1/enterprises/{world.org('steel')}/results", headers=headers).json()["results"][0]
    return {"enterprise_id": world.org("steel"), "organisation_id": world.org("steel"),
            "import_id": pending["id"], "committed_import_id": committed["id"], "result_id": result["id"]}


def _url(path: str, objects: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "import_id" and path.endswith("/rows"):
            return str(objects["committed_import_id"])
        return str(objects[name])

    return re.sub(r"\{(\w+)\}", value, path)


def _call(client: TestClient, method: str, url: str, headers: dict[str, str]) -> Any:
    if method == "POST" and url.endswith("/imports"):
        return client.post(url, headers=headers, files={"file": ("a.csv", steel_csv(), "text/csv")})
    return client.request(method, url, headers=headers)


def test_outsiders_get_404_and_no_data_on_every_scoped_route(client: TestClient, login: Login,
                                                             steel_objects: dict[str, int],
                                                             subtests: pytest.Subtests) -> None:
    # cement: another enterprise; glass: another enterprise in the same province and regulator
    # area; evaluator: assigned to cement only
    for username in ("cement", "glass", "evaluator"):
        for method, path in sorted(SCOPED):
            with subtests.test(user=username, method=method, path=path):
                answer = _call(client, method, _url(path, steel_objects), login(username))
                assert answer.status_code == 404, answer.text
                assert "E-STEEL" not in answer.text and "唐山示例钢铁" not in answer.text
                assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("method", "path"), sorted(LISTS))
def test_lists_do_not_show_other_enterprises(client: TestClient, login: Login, world: World,
                                             method: str, path: str) -> None:
    answer = client.request(method, path, headers=login("cement"))
    assert answer.status_code == 200
    assert "E-STEEL" not in answer.text and "唐山示例钢铁" not in answer.text
    assert "E-CEMENT" in answer.text or path.endswith("organisations")


@pytest.mark.parametrize(("method", "path"), sorted(ADMIN))
def test_admin_routes_refuse_others(client: TestClient, login: Login, world: World, method: str, path: str) -> None:
    # real ids (the steel enterprise, its manager): a refusal must not depend on a bad id
    ids = {"organisation_id": world.org("steel"), "user_id": 1, "assignment_id": 1, "token_id": 1}
    url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
    for username in ("steel", "steelviewer", "hebei", "evaluator"):
        answer = client.request(method, url, headers=login(username), json={})
        assert answer.status_code == 403, (username, answer.text)
        assert answer.json()["error"]["code"] == "forbidden"


def test_regional_routes_refuse_enterprises_and_evaluators(client: TestClient, login: Login,
                                                           steel_objects: dict[str, int],
                                                           subtests: pytest.Subtests) -> None:
    for method, path in sorted(REGIONAL):
        with subtests.test(method=method, path=path):
            for username in ("cement", "glass", "steel", "evaluator"):
                answer = client.request(method, path, headers=login(username))
                assert answer.status_code == 403, answer.text
                assert "E-STEEL" not in answer.text and "唐山示例钢铁" not in answer.text
            answer = client.request(method, path, headers=login("tangshan"))
            assert answer.status_code == 200 and "E-GLASS" not in answer.text


@pytest.mark.parametrize(("username", "visible"), [
    ("admin", {"E-STEEL", "E-CEMENT", "E-GLASS"}),
    ("hebei", {"E-STEEL", "E-GLASS"}),          # province 130000, every industry
    ("tangshan", {"E-STEEL"}),                  # city 唐山, steel only
    ("evaluator", {"E-CEMENT"}),                # assigned
    ("steel", {"E-STEEL"}),
    ("steelviewer", {"E-STEEL"}),
])
def test_visibility_by_role(client: TestClient, login: Login, username: str, visible: set[str]) -> None:
    items = client.get("/api/v1/enterprises", headers=login(username)).json()["items"]
    assert {e["code"] for e in items} == visible


def test_regulator_reads_results_in_its_jurisdiction(client: TestClient, login: Login, world: World,
                                                     steel_objects: dict[str, int]) -> None:
    for username in ("hebei", "tangshan", "admin"):
        answer = client.get(f"/api/v1/enterprises/{world.org('steel')}/results", headers=login(username))
        assert answer.status_code == 200 and len(answer.json()["results"]) == 2
    assert client.get(f"/api/v1/results/{steel_objects['result_id']}", headers=login("hebei")).status_code == 200


def test_enterprise_list_is_paginated_filtered_and_sorted(client: TestClient, login: Login) -> None:
    page = client.get("/api/v1/enterprises?page=1&page_size=1&sort=-code", headers=login("admin")).json()
    assert page["total"] == 3 and page["page"] == 1 and page["page_size"] == 1
    assert [e["code"] for e in page["items"]] == ["E-STEEL"]
    filtered = client.get("/api/v1/enterprises?industry=cement", headers=login("admin")).json()
    assert [e["code"] for e in filtered["items"]] == ["E-CEMENT"]
    assert client.get("/api/v1/enterprises?page=0", headers=login("admin")).status_code == 422
    assert client.get("/api/v1/enterprises?sort=password", headers=login("admin")).status_code == 422


def test_unknown_ids_and_routes_are_404_envelopes(client: TestClient, login: Login) -> None:
    for path in ("/api/v1/enterprises/999999", "/api/v1/imports/999999", "/api/v1/results/999999",
                 "/api/v1/no-such-thing", "/api/v1/refdata/nope/none"):
        answer = client.get(path, headers=login("admin"))
        assert answer.status_code == 404, path
        assert set(answer.json()["error"]) == {"status", "code", "message", "message_zh", "details"}
    assert client.get("/api/v1/enterprises/abc", headers=login("admin")).status_code == 422


def test_openapi_is_generated(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/enterprises/{enterprise_id}/imports" in spec["paths"]
    assert "/api/v1/auth/token" in spec["paths"]
