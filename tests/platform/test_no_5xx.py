"""No 5xx on bad input (issue #13, item 9): ids out of range, NUL characters, broken workbooks."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.errors import ValidationFailed
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from greenmfg.web.ids import MAX_ID
from greenmfg.workbooks import check_xlsx
from tests.factories import PASSWORD, Login, PageSession, World, app_routes, csrf_of, signed_in
from tests.web.test_uploads import ROUTES, XLSX, Post, _stored

HUGE_IDS = (2**31, 2**63)   # past PostgreSQL integer; past SQLite INTEGER


def _int_path_routes(app: Any) -> list[tuple[str, str, list[str]]]:
    """(method, path, int path parameters) of every route with an integer path parameter."""
    out = []
    for route in app_routes(app):
        names = [p.name for p in route.dependant.path_params
                 if p.field_info.annotation is int or "int" in str(p.field_info.annotation)]
        if names:
            for method in sorted(route.methods - {"HEAD"}):
                out.append((method, route.path, names))
    return out


def test_every_integer_path_parameter_refuses_out_of_range_ids(client: TestClient, world: World,
                                                                login: Login) -> None:
    headers = login("admin")
    browser = signed_in(client, "admin")
    csrf = {"X-CSRF-Token": csrf_of(browser.get("/").text)}
    routes = _int_path_routes(client.app)
    assert len(routes) > 50
    failures = []
    for method, path, names in routes:
        for huge in HUGE_IDS:
            url = path
            for name in names:
                url = url.replace("{" + name + "}", str(huge))
            url = re.sub(r"\{[^}]+\}", "x", url)
            if path.startswith("/api/"):
                answer = client.request(method, url, headers=headers)
            else:
                answer = browser.request(method, url, headers=csrf, follow_redirects=False)
            located = path.startswith("/api/") and any(
                d.get("location") == f"path.{names[0]}" for d in answer.json()["error"]["details"])
            if answer.status_code != 422 or (path.startswith("/api/") and not located):
                failures.append(f"{method} {url} -> {answer.status_code} {answer.text[:200]}")
    assert not failures, "\n".join(failures)


# --- NUL characters ------------------------------------------------------------------------------------

def _users(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(User)) or 0


def test_a_nul_in_a_query_parameter_is_a_located_422(client: TestClient, world: World, login: Login) -> None:
    # PostgreSQL refused the search (500); SQLite searched for it
    answer = client.get("/api/v1/admin/users", params={"q": "ad\x00min"}, headers=login("admin"))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "nul_character" and error["details"][0]["location"] == "query.q"
    assert "NUL" in error["message"] and "NUL 字符" in error["message_zh"]


def test_a_nul_in_a_json_body_is_a_located_422_and_stores_nothing(client: TestClient, world: World,
                                                                   login: Login, database: Database) -> None:
    before = _users(database)
    answer = client.post("/api/v1/admin/users", headers=login("admin"), json={
        "username": "new\x00user", "display_name": "New", "password": "a long enough password 123",
        "organisation_id": world.org("steel"), "role": "viewer"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["location"] == "body.username"
    assert _users(database) == before
    # the sign-in endpoint too (PostgreSQL: 500 on the user lookup)
    answer = client.post("/api/v1/auth/token", json={"username": "ad\x00min", "password": "x"})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "nul_character", answer.text


def test_a_literal_backslash_u0000_in_json_is_text_not_nul(client: TestClient, world: World) -> None:
    answer = client.post("/api/v1/auth/token", json={"username": "ad\\u0000min", "password": "x"})
    assert answer.status_code == 401, answer.text


def test_a_nul_in_a_form_field_is_a_422(client: TestClient, world: World) -> None:
    browser = TestClient(client.app, raise_server_exceptions=False)
    form = browser.get("/login")
    answer = browser.post("/login", data={"username": "ad\x00min", "password": "x", "csrf_token": csrf_of(form.text),
                                          "next": "/"}, follow_redirects=False)
    assert answer.status_code == 422, answer.text[:300]
    assert "NUL" in answer.text


# --- broken workbooks ----------------------------------------------------------------------------------

def _workbook(edit: Callable[[str, bytes], bytes]) -> bytes:
    """A small valid .xlsx (one sheet of a few rows) with each part passed through ``edit(name, xml)``."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "数据"
    for i in range(20):
        sheet.append([f"row {i}", i])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, edit(info.filename, source.read(info.filename)))
    return out.getvalue()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>')


def _dtd_in(part: str) -> Callable[[str, bytes], bytes]:
    def edit(name: str, xml: bytes) -> bytes:
        if name != part:
            return xml
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return LAUGHS + body.replace(b"<v>0</v>", b"<v>&lol2;</v>")
    return edit


_with_dtd = _dtd_in("xl/worksheets/sheet1.xml")


def _truncated(name: str, xml: bytes) -> bytes:
    return xml[: len(xml) * 2 // 3] if name == "xl/worksheets/sheet1.xml" else xml


def test_check_xlsx_refuses_a_dtd_and_truncated_xml_located_at_the_part() -> None:
    with pytest.raises(ValidationFailed) as dtd:
        check_xlsx(_workbook(_with_dtd), file="a.xlsx", max_uncompressed_bytes=10 << 20, max_rows=1000)
    issue = dtd.value.issues[0]
    assert (issue.code, issue.file, issue.sheet) == ("upload.xlsx.dtd", "a.xlsx", "数据")
    assert "xl/worksheets/sheet1.xml" in issue.message and "DTD" in issue.message_zh
    with pytest.raises(ValidationFailed) as cut:
        check_xlsx(_workbook(_truncated), file="b.xlsx", max_uncompressed_bytes=10 << 20, max_rows=1000)
    issue = cut.value.issues[0]
    assert (issue.code, issue.file, issue.sheet) == ("upload.xlsx.damaged_xml", "b.xlsx", "数据")
    assert "line 2" in issue.message or "line 1" in issue.message
    assert "截断" in issue.message_zh
    # a DTD in any other part is refused as well
    with pytest.raises(ValidationFailed) as styles:
        check_xlsx(_workbook(_dtd_in("xl/styles.xml")),
                   file="c.xlsx", max_uncompressed_bytes=10 << 20, max_rows=1000)
    assert "xl/styles.xml" in styles.value.issues[0].message
    # a valid workbook passes
    check_xlsx(_workbook(lambda n, x: x), file="ok.xlsx", max_uncompressed_bytes=10 << 20, max_rows=1000)


def test_a_corrupt_archive_member_is_refused() -> None:
    content = bytearray(_workbook(lambda n, x: x))
    at = content.find(b"xl/worksheets/sheet1.xml") + 200   # inside the sheet's compressed data
    content[at:at + 40] = b"\xff" * 40
    with pytest.raises(ValidationFailed) as broken:
        check_xlsx(bytes(content), file="d.xlsx", max_uncompressed_bytes=10 << 20, max_rows=1000)
    assert broken.value.issues[0].code in ("upload.xlsx.unreadable", "upload.xlsx.damaged_xml")


XLSX_ROUTES = [r for r in ROUTES if r[0] in ("api accounting import", "api equipment register",
                                              "page accounting import", "page equipment register",
                                              "page green-factory workbook")]


@pytest.mark.parametrize("edit", [_with_dtd, _truncated], ids=["dtd", "truncated"])
@pytest.mark.parametrize(("route", "post", "api"), XLSX_ROUTES, ids=[r[0] for r in XLSX_ROUTES])
def test_every_xlsx_upload_route_refuses_a_dtd_or_truncated_xml(client: TestClient, login: Login, world: World,
                                                                 database: Database, route: str, post: Post,
                                                                 api: bool, edit: Callable[[str, bytes], bytes]
                                                                 ) -> None:
    before = _stored(database)
    answer = post(client, login, world, database, "data.xlsx", _workbook(edit), XLSX)
    assert answer.status_code == 422, answer.text[:400]
    text = answer.text
    assert "xl/worksheets/sheet1.xml" in text and "data.xlsx" in text
    assert _stored(database) == before


# --- keep-alive after errors ---------------------------------------------------------------------------

def test_after_any_error_the_keep_alive_connection_still_serves(database: Database, world: World,
                                                                 settings: Settings) -> None:
    """One HTTP/1.1 connection to a real uvicorn server: each refused request (422 id out of range, 422
    NUL, 413 upload refused before its body is read, 404, 401, malformed JSON) is followed by a normal
    request that succeeds on the same socket."""
    from tests.browser.styleguide import serve

    app = create_app(settings, database=database)
    with serve(app) as base, httpx.Client(base_url=base, limits=httpx.Limits(max_connections=1)) as http:
        token = http.post("/api/v1/auth/token", json={"username": "steel", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        steel = world.org("steel")
        bad: list[tuple[str, str, dict[str, Any], int]] = [
            ("GET", f"/api/v1/enterprises/{2**63}", {}, 422),
            ("GET", "/api/v1/me", {"params": {"x": "a\x00"}}, 422),
            ("POST", f"/api/v1/enterprises/{steel}/imports",
             {"files": {"file": ("big.csv", b"x" * (settings.max_upload_bytes + 100_000), "text/csv")}}, 413),
            ("GET", "/api/v1/no-such-thing", {}, 404),
            ("POST", "/api/v1/auth/token", {"content": b'{"username": ', "headers": {"content-type": "application/json"}},
             422),
        ]
        sockets = set()
        for method, url, extra, status in bad:
            answer = http.request(method, url, headers={**headers, **extra.pop("headers", {})}, **extra)
            assert answer.status_code == status, (url, answer.text[:300])
            sockets.add(answer.extensions["network_stream"].get_extra_info("socket").getsockname())
            after = http.get("/api/v1/me", headers=headers)
            assert after.status_code == 200, after.text
            sockets.add(after.extensions["network_stream"].get_extra_info("socket").getsockname())
        assert http.get("/api/v1/me").status_code == 401
        assert http.get("/api/v1/me", headers=headers).status_code == 200
        assert len(sockets) == 1, f"the server closed the connection after an error: {sockets}"


# --- a small fuzz over the OpenAPI schema (the long run is bench/fuzz_api.py) ----------------------------

@pytest.mark.fuzz
def test_fuzzed_ids_and_nul_text_never_answer_5xx(client: TestClient, world: World, login: Login) -> None:
    """Hypothesis over the OpenAPI schema: any integer (and the edges 2^31, 2^63, 2^64) in an id of any
    operation, and any text with a NUL in a query, as an enterprise user: no 5xx, and an id out of
    1 … 2^31 − 1 is a 422."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    headers = login("steel")
    operations = [(method.upper(), path) for path, item in cast(FastAPI, client.app).openapi()["paths"].items()
                  for method in item if any(p.get("in") == "path" and p["schema"].get("type") == "integer"
                                            for p in item[method].get("parameters", []))]
    assert len(operations) > 40
    answers: list[tuple[str, int]] = []
    edges = st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, 2**64])

    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(operation=st.sampled_from(operations), value=st.integers() | edges)
    def ids(operation: tuple[str, str], value: int) -> None:
        method, path = operation
        url = re.sub(r"\{[a-z_]*_id\}", str(value), path)
        url = re.sub(r"\{[^}]+\}", "x", url)
        status = client.request(method, url, headers=headers).status_code
        answers.append((f"{method} {url}", status))
        if not 1 <= value <= MAX_ID:   # admin routes refuse a non-admin before reading parameters
            assert status == 422 or (status == 403 and path.startswith("/api/v1/admin/")), (method, url, status)

    @settings(max_examples=10, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(before=st.text(max_size=5), after=st.text(max_size=5))
    def nul(before: str, after: str) -> None:
        answer = client.get("/api/v1/admin/users", params={"q": f"{before}\x00{after}"}, headers=login("admin"))
        answers.append(("GET /api/v1/admin/users?q=…\\x00…", answer.status_code))
        assert answer.status_code == 422

    ids()
    nul()
    assert not [a for a in answers if a[1] >= 500], [a for a in answers if a[1] >= 500]


def test_an_id_parsed_by_hand_that_overflows_the_database_is_a_422_not_a_500(client: TestClient, world: World,
                                                                               login: Login) -> None:
    """The safety net: the green-factory upload page reads its enterprise id from the form itself (not
    through ``Id``); 2^63 reaches the database, which refuses it (PostgreSQL ``integer out of range``,
    SQLite ``OverflowError``), and the handler answers 422 instead of 500."""
    page = PageSession(client, "steel")
    answer = page.post("/green-factory/new/upload", data={"enterprise_id": str(2**63)},
                       files={"workbook": ("a.xlsx", _workbook(lambda n, x: x), XLSX)})
    assert answer.status_code == 422, answer.text[:300]
    assert "超出数据库可存储的范围" in answer.text or "out of the range" in answer.text
    assert client.get("/api/v1/me", headers=login("steel")).status_code == 200
