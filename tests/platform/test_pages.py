"""Web pages: the API's access policy on every page, and the enterprise workflow in both languages.

Every page route (everything outside /api/ and /static/) must be classified below; a new route
fails ``test_every_page_route_is_classified`` until its isolation is tested here. Pages are driven
as a browser does: a session cookie from the sign-in form and the CSRF token of the page.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from greenmfg.accounting.models import DataVersion, FacilityResult, ImportBatch
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from tests.factories import (
    Login,
    Pages,
    World,
    app_routes,
    page_text,
    steel_csv,
    upload,
)

#: pages of one enterprise's data (path parameters point at it): outsider → 404 page, no data
SCOPED = {
    ("GET", "/enterprises/{enterprise_id}"),
    ("GET", "/enterprises/{enterprise_id}/imports"),
    ("POST", "/enterprises/{enterprise_id}/imports"),
    ("GET", "/enterprises/{enterprise_id}/results"),
    ("GET", "/imports/{import_id}"),
    ("POST", "/imports/{import_id}/commit"),
    ("POST", "/imports/{import_id}/discard"),
    ("GET", "/results/{result_id}"),
    ("GET", "/enterprises/{enterprise_id}/targets"), ("POST", "/enterprises/{enterprise_id}/targets"),
    ("GET", "/enterprises/{enterprise_id}/ets/allowances"),
    ("POST", "/enterprises/{enterprise_id}/ets/allowances/declarations"),
}
#: the user's own enterprise, or a picker of the visible ones: must not show any other
HOME = {("GET", "/"), ("GET", "/imports"), ("GET", "/results")}
#: signed-in pages without tenant data (the blank template, signing out)
NO_TENANT_DATA = {("GET", "/imports/template"), ("POST", "/logout"), ("GET", "/reference/items")}
#: before sign-in
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/lang/{code}"), ("GET", "/help/glossary")}
#: platform admins only: everybody else is refused and nothing changes
ADMIN_PAGES = {
    ("GET", "/admin"), ("GET", "/admin/audit"), ("POST", "/admin/audit/verify"),
    ("GET", "/admin/organisations"), ("GET", "/admin/organisations/new"), ("POST", "/admin/organisations/new"),
    ("GET", "/admin/organisations/{organisation_id}"), ("POST", "/admin/organisations/{organisation_id}"),
    ("POST", "/admin/organisations/{organisation_id}/assignments"),
    ("POST", "/admin/organisations/{organisation_id}/assignments/{assignment_id}/end"),
    ("POST", "/admin/organisations/{organisation_id}/jurisdictions"),
    ("POST", "/admin/organisations/{organisation_id}/jurisdictions/{jurisdiction_id}/delete"),
    ("GET", "/admin/tokens"), ("POST", "/admin/tokens/{token_id}/revoke"),
    ("POST", "/admin/users/{user_id}/password"),
    ("GET", "/admin/users"), ("GET", "/admin/users/new"), ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{user_id}"), ("POST", "/admin/users/{user_id}/activate"),
    ("POST", "/admin/users/{user_id}/deactivate"), ("POST", "/admin/users/{user_id}/memberships"),
    ("POST", "/admin/users/{user_id}/memberships/{organisation_id}/delete"),
}
#: regulators (and admins) only
REGION_PAGES = {("GET", "/region"), ("GET", "/region/map.json")}
#: benchmarking (an enterprise's plants; outsider → 404 page) and the regulators' compliance view
#: (enterprise users → 403), tested in tests/compliance/test_api.py
COMPLIANCE = {("GET", "/benchmark"), ("GET", "/benchmark/export.xlsx"), ("GET", "/benchmark/report"),
              ("GET", "/region/compliance"), ("GET", "/region/compliance/export.xlsx"),
              ("GET", "/region/compliance/report")}
#: the signed-in user's own API tokens
OWN_PAGES = {("GET", "/tokens"), ("POST", "/tokens"), ("POST", "/tokens/{token_id}/revoke"),
             ("GET", "/account/password"), ("POST", "/account/password")}
#: capacity replacement, tested in tests/capacity/test_pages.py: the calculator with the visible plans, the
#: plan form (the user's own enterprises only), plans by id and their actions (outsider → 404 page)
CAPACITY = {("GET", "/capacity"), ("GET", "/capacity/plans/new"), ("POST", "/capacity/plans"),
            ("GET", "/capacity/plans/{plan_id}"), ("POST", "/capacity/plans/{plan_id}/submit"),
            ("POST", "/capacity/plans/{plan_id}/approve"), ("POST", "/capacity/plans/{plan_id}/reject")}
#: energy-saving diagnosis, tested in tests/diagnosis/test_pages.py: the page of an enterprise the user may
#: see (outsider → 404 page), the register upload (managers) and alert acknowledgement (members)
DIAGNOSIS = {("GET", "/diagnosis"), ("POST", "/diagnosis/{enterprise_id}/import"),
             ("POST", "/diagnosis/{enterprise_id}/alerts/{alert_id}")}
#: green-manufacturing evaluations, tested in tests/greenfactory/test_pages.py: the list (visible evaluations
#: only), the form and upload (enterprises the user manages), evaluations by id and finalising (outsider →
#: 404 page); the xlsx templates hold no tenant data
GREENFACTORY = {("GET", "/green-factory"), ("GET", "/green-factory/template.xlsx"), ("GET", "/green-factory/new"),
                ("POST", "/green-factory/new"), ("POST", "/green-factory/new/upload"),
                ("GET", "/green-factory/{evaluation_id}"), ("POST", "/green-factory/{evaluation_id}/finalise"),
                ("GET", "/green-factory/{evaluation_id}/edit"), ("POST", "/green-factory/{evaluation_id}/edit")}
#: meter pages, tested in tests/monitoring/test_api.py::test_meter_pages and tests/monitoring/test_mv_pages.py (the
#: M&V forms and the accounting button: outsider → 404, regulators 403, nothing stored; list without them)
MONITORING = {("GET", "/meters"), ("GET", "/meters/{meter_id}"), ("POST", "/meters/{meter_id}/upload"),
              ("POST", "/meters/{meter_id}/baselines"), ("POST", "/meters/{meter_id}/savings"),
              ("POST", "/enterprises/{enterprise_id}/meters/account")}
#: green-manufacturing list, tested in tests/greenlist/test_pages.py: the list page (published list plus the user's
#: own queues), application pages and their actions (outsider → 404 page), the forms (the user's own
#: enterprises only), publication (admins), the regional-targets page and its form (regulators, their areas)
GREENLIST = {("GET", "/green-list"), ("POST", "/green-list/applications"), ("POST", "/green-list/output-values"),
             ("POST", "/green-list/publish"), ("GET", "/green-list/applications/{application_id}"),
             ("POST", "/green-list/applications/{application_id}/{action}"), ("GET", "/region/green"),
             ("POST", "/green-list/applications/{application_id}/attachments"),
             ("GET", "/green-list/applications/{application_id}/attachments/{attachment_id}"),
             ("POST", "/region/green/output-values")}
#: the month editor, tested in tests/accounting/test_editing.py: another enterprise's user gets the 404 page and
#: nothing is stored, its viewers and regulators read the rows and are refused (403) the form and the save
MONTH_EDIT = {("GET", "/enterprises/{enterprise_id}/activity"),
              ("GET", "/enterprises/{enterprise_id}/activity/{facility}/{period}"),
              ("POST", "/enterprises/{enterprise_id}/activity/{facility}/{period}")}
#: the carbon market's monthly filings, tested in tests/ets/test_pages.py: the entry page (a redirect), a company's
#: year and month pages and their forms (another enterprise's user → 404 page, nothing stored; the regulator sets the
#: covered status), the evidence download, the regional overview and assessment (regulators and admins)
ETS = {("GET", "/ets"), ("GET", "/ets/enterprises/{enterprise_id}"), ("POST", "/ets/enterprises/{enterprise_id}/coverage"),
       ("GET", "/ets/enterprises/{enterprise_id}/months/{period}"),
       ("POST", "/ets/enterprises/{enterprise_id}/months/{period}/evidence"),
       ("GET", "/ets/enterprises/{enterprise_id}/months/{period}/evidence/{attachment_id}"),
       ("POST", "/ets/enterprises/{enterprise_id}/months/{period}/file"),
       ("POST", "/ets/enterprises/{enterprise_id}/months/{period}/amend"),
       ("GET", "/ets/region"), ("POST", "/ets/region/assess")}
#: the exporters' CBAM pages, tested in tests/cbam/test_pages.py: the entry page (a redirect), the enterprise's page
#: and its forms (another enterprise's user and a regulator covering it → 404 page, nothing stored), a record's
#: page and its downloads (404 unless shared with the user's organisation), the list of what is shared with the user
CBAM = {("GET", "/cbam"), ("GET", "/cbam/shared"), ("GET", "/cbam/enterprises/{enterprise_id}"),
        ("POST", "/cbam/enterprises/{enterprise_id}/goods"), ("POST", "/cbam/enterprises/{enterprise_id}/customers"),
        ("POST", "/cbam/enterprises/{enterprise_id}/calculations"),
        ("GET", "/cbam/enterprises/{enterprise_id}/calculations/{calculation_id}"),
        ("GET", "/cbam/enterprises/{enterprise_id}/calculations/{calculation_id}/files/{attachment_id}"),
        ("POST", "/cbam/enterprises/{enterprise_id}/communications"),
        ("POST", "/cbam/enterprises/{enterprise_id}/communications/received"),
        ("GET", "/cbam/enterprises/{enterprise_id}/communications/{communication_id}"),
        ("POST", "/cbam/enterprises/{enterprise_id}/communications/{communication_id}/sent"),
        ("POST", "/cbam/enterprises/{enterprise_id}/communications/{communication_id}/verification"),
        ("GET", "/cbam/enterprises/{enterprise_id}/communications/{communication_id}/files/{attachment_id}"),
        ("POST", "/cbam/enterprises/{enterprise_id}/footprints"),
        ("GET", "/cbam/enterprises/{enterprise_id}/footprints/{footprint_id}"),
        ("GET", "/cbam/enterprises/{enterprise_id}/footprints/{footprint_id}/files/{attachment_id}"),
        ("POST", "/cbam/enterprises/{enterprise_id}/shares"),
        ("POST", "/cbam/enterprises/{enterprise_id}/shares/{share_id}/revoke")}

BAD_ROW = ["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000", "E-STEEL-F1", "2024-03", "交炭", "1000", "吨", "consumed"]
#: the user's own inbox and notification settings, tested in tests/notifications/test_pages.py: another user's
#: notification is a 404 page; an organisation's webhook is set by its managers only (others 403/404)
NOTIFICATIONS = {("GET", "/inbox"), ("POST", "/inbox/{notification_id}/read"), ("POST", "/inbox/{notification_id}/open"),
                 ("POST", "/inbox/read-all"), ("GET", "/inbox/preferences"), ("POST", "/inbox/preferences"),
                 ("POST", "/inbox/webhooks/{organisation_id}")}
#: the national carbon market's allowances list, tested in tests/ets/test_allowances.py: the covered enterprises
#: the user may see (a regulator's area, an enterprise user's own), no other
ETS_ALLOWANCES = {("GET", "/ets/allowances")}
#: carbon-peak pathways, tested in tests/pathways/test_pages.py and test_stored_scenario.py: the entry (a redirect),
#: an enterprise's page, its scenario form, its scenario from its stored data and downloads (another enterprise's
#: user → 404 page), the example's downloads (no tenant data), the region's page, its scenario from its stored data
#: and downloads (admins and regulators of the whole area; 403 otherwise)
PATHWAYS = {("GET", "/pathways"), ("GET", "/enterprises/{enterprise_id}/pathways"),
            ("POST", "/enterprises/{enterprise_id}/pathways/scenario"),
            ("GET", "/enterprises/{enterprise_id}/pathways/scenario.{fmt}"),
            ("GET", "/enterprises/{enterprise_id}/pathways/report.pdf"),
            ("GET", "/enterprises/{enterprise_id}/pathways/decomposition.xlsx"),
            ("GET", "/enterprises/{enterprise_id}/pathways/macc.xlsx"), ("GET", "/pathways/example.{fmt}"),
            ("GET", "/pathways/region"), ("GET", "/pathways/region.pdf"), ("GET", "/pathways/region.xlsx"),
            ("GET", "/pathways/region/scenario.{fmt}")}
STEEL_TEXTS = ("E-STEEL", "唐山示例钢铁")


def _page_routes(client: TestClient) -> set[tuple[str, str]]:
    out = set()
    for route in app_routes(client.app):
        if not route.path.startswith(("/api/", "/static")):
            out |= {(m, route.path) for m in route.methods if m != "HEAD"}
    return out


def test_every_page_route_is_classified(client: TestClient) -> None:
    unclassified = (_page_routes(client) - SCOPED - HOME - NO_TENANT_DATA - PUBLIC - ADMIN_PAGES - REGION_PAGES
                    - OWN_PAGES - CAPACITY - DIAGNOSIS - GREENFACTORY - COMPLIANCE - MONITORING - GREENLIST
                    - NOTIFICATIONS - MONTH_EDIT - ETS_ALLOWANCES - ETS - PATHWAYS - CBAM)
    assert not unclassified, f"add these page routes to an isolation class and test them: {sorted(unclassified)}"


@pytest.fixture
def steel_objects(client: TestClient, login: Login, world: World) -> dict[str, int]:
    headers = login("steel")
    committed = upload(client, headers, world.org("steel"), steel_csv()).json()
    assert client.post(f"/api/v1/imports/{committed['id']}/commit", headers=headers).status_code == 200
    pending = upload(client, headers, world.org("steel"), steel_csv(periods=("2024-05",))).json()
    result = client.get(f"/api/v1/enterprises/{world.org('steel')}/results", headers=headers).json()["results"][0]
    return {"enterprise_id": world.org("steel"), "import_id": pending["id"], "result_id": result["id"]}


def _url(path: str, objects: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(objects[m.group(1)]), path)


def _counts(database: Database) -> tuple[int, ...]:
    with database.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0 for m in (ImportBatch, DataVersion, FacilityResult))


def _status(database: Database, import_id: int) -> str:
    with database.session() as s:
        batch = s.get(ImportBatch, import_id)
        assert batch is not None
        return batch.status


def test_outsiders_get_a_404_page_and_no_data_on_every_scoped_page(pages: Pages, steel_objects: dict[str, int],
                                                                  database: Database,
                                                                  subtests: pytest.Subtests) -> None:
    before = _counts(database)
    # cement: another enterprise; glass: another enterprise in the same province and regulator
    # area; evaluator: assigned to cement only
    for username in ("cement", "glass", "evaluator"):
        session = pages(username)
        for method, path in sorted(SCOPED):
            with subtests.test(user=username, method=method, path=path):
                url = _url(path, steel_objects)
                if method == "GET":
                    answer = session.get(url)
                elif path.endswith("/imports"):
                    answer = session.upload(steel_objects["enterprise_id"], steel_csv())
                else:
                    answer = session.post(url)
                assert answer.status_code == 404, answer.text[:300]
                assert 'data-testid="error-page"' in answer.text
                assert not any(text in answer.text for text in STEEL_TEXTS)
    # nothing was stored, committed or discarded on the way
    assert _counts(database) == before
    assert _status(database, steel_objects["import_id"]) == "previewed"


def test_home_pages_show_only_the_users_own_or_visible_enterprises(pages: Pages, steel_objects: dict[str, int],
                                                                   subtests: pytest.Subtests) -> None:
    for username, visible, invisible in [
        ("cement", ["苏州示例水泥"], ["唐山示例钢铁", "邢台示例玻璃"]),      # its own enterprise
        ("evaluator", ["苏州示例水泥"], ["唐山示例钢铁", "邢台示例玻璃"]),   # picker: assigned only
        ("hebei", ["唐山示例钢铁", "邢台示例玻璃"], ["苏州示例水泥"]),       # picker: its province
        ("tangshan", ["唐山示例钢铁"], ["邢台示例玻璃", "苏州示例水泥"]),   # picker: city and industry
    ]:
        for _method, path in sorted(HOME):
            with subtests.test(user=username, path=path):
                answer = pages(username).get(path)
                assert answer.status_code == 200
                assert all(name in answer.text for name in visible)
                assert not any(name in answer.text for name in invisible)


def test_signed_out_visitors_are_sent_to_the_sign_in_page(client: TestClient, steel_objects: dict[str, int]) -> None:
    anonymous = TestClient(client.app, raise_server_exceptions=False)
    for method, path in sorted(SCOPED | HOME | NO_TENANT_DATA):
        answer = anonymous.request(method, _url(path, steel_objects), follow_redirects=False)
        assert answer.status_code == 303, (method, path)
        assert answer.headers["location"].startswith("/login?next=")


def test_regulators_read_but_cannot_change(pages: Pages, steel_objects: dict[str, int], database: Database) -> None:
    hebei = pages("hebei")
    for path in ("/enterprises/{enterprise_id}", "/enterprises/{enterprise_id}/imports",
                 "/enterprises/{enterprise_id}/results", "/imports/{import_id}", "/results/{result_id}"):
        answer = hebei.get(_url(path, steel_objects))
        assert answer.status_code == 200 and "唐山示例钢铁" in answer.text, path
    imports = hebei.get(_url("/enterprises/{enterprise_id}/imports", steel_objects)).text
    assert 'data-testid="upload-form"' not in imports
    assert 'data-testid="commit"' not in hebei.get(_url("/imports/{import_id}", steel_objects)).text
    before = _counts(database)
    assert hebei.upload(steel_objects["enterprise_id"], steel_csv()).status_code == 403
    assert hebei.post(_url("/imports/{import_id}/commit", steel_objects)).status_code == 403
    assert _counts(database) == before and _status(database, steel_objects["import_id"]) == "previewed"


def test_posts_without_the_csrf_token_are_refused(pages: Pages, steel_objects: dict[str, int],
                                                  database: Database) -> None:
    steel = pages("steel")
    answer = steel.client.post(_url("/imports/{import_id}/commit", steel_objects), data={"csrf_token": "forged"},
                               follow_redirects=False)
    assert answer.status_code == 403
    assert _status(database, steel_objects["import_id"]) == "previewed"


def test_an_upload_with_an_error_shows_the_located_error_in_both_languages(pages: Pages, world: World,
                                                                           database: Database) -> None:
    steel = pages("steel")
    before = _counts(database)
    answer = steel.upload(world.org("steel"), steel_csv(extra=[BAD_ROW]))
    assert answer.status_code == 303
    page = steel.get(answer.headers["location"])
    text = page_text(page)
    # the file's eighth line (header + 6 rows, then the bad one): row, column, value, message, fix
    assert "第 8 行" in text and "item" in text and "交炭" in text
    assert "无法识别的品种" in text and "有错误" in text
    assert "/imports/template?format=xlsx" in page.text
    assert 'data-testid="commit"' not in page.text
    assert _counts(database)[1:] == before[1:]  # no version, no result
    steel.language("en")
    english = page_text(steel.get(answer.headers["location"]))
    assert "Row 8" in english and "unknown item" in english and "Has errors" in english
    assert "1 problem in the data; nothing was imported." in english


def test_the_blank_template_comes_in_the_pages_language(pages: Pages) -> None:
    steel = pages("steel")
    workbook = openpyxl.load_workbook(io.BytesIO(steel.get("/imports/template?format=xlsx").content))
    assert workbook.sheetnames[0] == "活动数据"
    assert workbook.worksheets[0]["A1"].value == "企业编号"
    steel.language("en")
    answer = steel.get("/imports/template?format=csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="greenmfg-template-en.csv"' in answer.headers["content-disposition"]
    assert answer.content.decode("utf-8-sig").startswith("Enterprise ID,Enterprise name,Industry")  # words, not keys
    assert steel.get("/imports/template?format=pdf").status_code == 422


def test_preview_commit_and_the_derivation_of_a_result(pages: Pages, world: World) -> None:
    steel = pages("steel")
    preview_url = steel.upload(world.org("steel"), steel_csv()).headers["location"]
    preview = steel.get(preview_url)
    text = page_text(preview)
    assert "待提交" in text and "2024年1月" in text and "2024年2月" in text
    assert "无：文件中的设施-期间均为首次导入。" in text
    assert 'data-testid="commit"' in preview.text
    committed = steel.post(f"{preview_url}/commit")
    assert committed.status_code == 303 and committed.headers["location"] == preview_url
    page = steel.get(preview_url)
    text = page_text(page)
    assert "已提交：2 条设施-期间结果已入库并完成核算。" in text  # the flash, shown once
    assert "已提交：" not in page_text(steel.get(preview_url))
    links = re.findall(r'href="(/results/\d+)"', page.text)
    assert len(links) == 2
    result = steel.get(links[0])
    text = page_text(result)
    # the coke line: its parameters with dataset, edition, source and verification status
    assert "焦炭" in text and "折标准煤系数" in text and "0.9714" in text
    # the dataset by its title in words; its id stays for experts in a title attribute (issue #15 item 2)
    assert "GB/T 2589-2020" in text and "energy_coefficients/" not in text
    assert 'title="energy_coefficients/gbt2589-2020"' in result.text
    assert re.search(r'data-status="(verified|info|warning)"', result.text)
    assert "数据溯源" in text and "版本历史" in text and "当前版本" in text
    # re-import January: the old result is replaced, both versions are listed
    second = steel.upload(world.org("steel"), steel_csv(periods=("2024-01",), coke=1200.0)).headers["location"]
    preview = page_text(steel.get(second))
    assert "E-STEEL-F1 2024-01 v1" in preview  # which version a commit will replace
    steel.post(f"{second}/commit")
    old = page_text(steel.get(links[0]))
    assert "已替换" in old and "v2" in old
    results = steel.get(f"/enterprises/{world.org('steel')}/results?period=2024-01")
    assert results.status_code == 200 and "v2" in page_text(results) and links[0] not in results.text


def test_discard_and_rejected_uploads(pages: Pages, world: World, database: Database) -> None:
    steel = pages("steel")
    preview_url = steel.upload(world.org("steel"), steel_csv()).headers["location"]
    answer = steel.post(f"{preview_url}/discard")
    assert answer.status_code == 303 and answer.headers["location"] == f"/enterprises/{world.org('steel')}/imports"
    assert "已丢弃该批次，未保存任何数据。" in page_text(steel.get(answer.headers["location"]))
    steel.post(f"{preview_url}/commit")
    assert "该批次无法提交" in page_text(steel.get(preview_url))
    before = _counts(database)
    refused = steel.upload(world.org("steel"), b"hello", name="notes.txt", content_type="text/plain")
    assert refused.status_code == 415 and "不支持的文件类型" in page_text(refused)
    assert 'data-testid="upload-form"' in refused.text
    empty = steel.post(f"/enterprises/{world.org('steel')}/imports")
    assert empty.status_code == 422 and "请选择要上传的文件。" in page_text(empty)
    assert _counts(database) == before


def test_dashboard_page_in_both_languages(pages: Pages, world: World, steel_objects: dict[str, int]) -> None:
    steel = pages("steel")
    page = steel.get("/")
    text = page_text(page)
    assert page.status_code == 200 and page.headers["content-language"] == "zh-CN"
    assert "唐山示例钢铁有限公司" in text and "综合能耗" in text and "分范围月度排放" in text
    for chart in ("chart-scope", "chart-category", "chart-energy-intensity", "chart-emission-intensity"):
        assert f'id="{chart}"' in page.text
    assert 'data-testid="year-switch"' in page.text and "E-STEEL-F1" in text
    steel.language("en")
    english = steel.get("/")
    assert english.headers["content-language"] == "en" and '<html lang="en"' in english.text
    text = page_text(english)
    assert "Total energy" in text and "Monthly emissions by scope" in text and "综合能耗" not in text
    # a regulator opens the same dashboard from its picker
    hebei = pages("hebei")
    assert f'href="/enterprises/{world.org("steel")}"' in hebei.get("/").text
    assert "综合能耗" in page_text(hebei.get(f"/enterprises/{world.org('steel')}"))
    # an enterprise without results gets the way to its first upload
    assert "暂无核算结果" in page_text(pages("cement").get("/"))


def test_a_flash_speaks_the_language_of_the_page(pages: Pages, world: World, database: Database) -> None:
    """The user's profile says Chinese, the browser asks for English: page and flash are Chinese."""
    with database.session() as s:
        s.execute(update(User).where(User.username == "steel").values(locale="zh-CN"))
    steel = pages("steel")
    steel.client.headers["accept-language"] = "en-US,en;q=0.9"
    preview_url = steel.upload(world.org("steel"), steel_csv()).headers["location"]
    answer = steel.post(f"{preview_url}/discard")
    page = steel.get(answer.headers["location"])
    assert page.headers["content-language"] == "zh-CN"
    assert "已丢弃该批次，未保存任何数据。" in page_text(page)


def test_admin_pages_refuse_everybody_else_and_change_nothing(pages: Pages, world: World, database: Database,
                                                               subtests: pytest.Subtests) -> None:
    from greenmfg.audit.models import AuditEvent
    from greenmfg.auth.models import ApiToken, Membership, User

    with database.session() as s:
        steel_user = s.execute(select(User.id).where(User.username == "steel")).scalar_one()
    ids = {"organisation_id": world.org("steel"), "user_id": steel_user, "token_id": 1, "assignment_id": 1,
           "jurisdiction_id": 1}

    def state() -> tuple[int, ...]:
        with database.session() as s:
            return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                         for m in (Organisation, User, Membership, ApiToken, AuditEvent))

    from greenmfg.orgs.models import Organisation

    for username in ("steel", "hebei", "evaluator"):
        page = pages(username)
        for method, path in sorted(ADMIN_PAGES):
            with subtests.test(user=username, method=method, path=path):
                before = state()
                url = _url(path, ids)
                answer = page.get(url) if method == "GET" else page.post(url, data={"name": "x", "role": "admin"})
                # a POST with fields the form does not take may be refused as invalid (422) first
                assert answer.status_code in ((403, 404) if method == "GET" else (403, 404, 422)), answer.status_code
                assert "唐山示例钢铁" not in answer.text
                # a refused page records nothing and changes nothing (the sign-in itself is older)
                assert state() == before


def test_region_page_is_for_regulators_and_admins(pages: Pages, world: World) -> None:
    for username in ("steel", "evaluator"):
        assert pages(username).get("/region").status_code == 403
    assert pages("hebei").get("/region").status_code == 200
    assert pages("admin").get("/region").status_code == 200


def test_token_pages_show_and_revoke_only_ones_own(pages: Pages, world: World, database: Database) -> None:
    from greenmfg.auth.models import ApiToken

    steel = pages("steel")
    created = steel.post("/tokens", data={"name": "gateway-of-steel", "scopes": "read"}, follow_redirects=True)
    assert created.status_code == 200 and "gateway-of-steel" in created.text
    with database.session() as s:
        token_id = s.execute(select(ApiToken.id).where(ApiToken.name == "gateway-of-steel")).scalar_one()
    cement = pages("cement")
    assert "gateway-of-steel" not in cement.get("/tokens").text
    refused = cement.post(f"/tokens/{token_id}/revoke")
    assert refused.status_code == 404
    with database.session() as s:
        assert s.execute(select(ApiToken.revoked_at).where(ApiToken.id == token_id)).scalar_one() is None
