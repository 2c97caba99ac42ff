"""Every upload is bounded before it is read (issue #13 item 1).

The limit is set small here (200 000 bytes, as in ``conftest.settings``; xlsx caps 2 MB uncompressed and
5 000 rows) so the refusals are fast. Each upload route must answer an over-limit body with 413 in the
error envelope (both languages, the limit named in MB) and store nothing; an .xlsx that expands past the
uncompressed cap, or has too many rows, is refused with a located 4xx before openpyxl parses it; a file
name over 255 characters is refused with a 400 located at the file field.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl.reader.excel
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from greenmfg.accounting.models import ImportBatch
from greenmfg.db.session import Database
from greenmfg.diagnosis.models import Equipment
from greenmfg.greenfactory.models import GreenEvaluation
from greenmfg.monitoring.models import MeterReading
from greenmfg.settings import Settings
from greenmfg.workbooks import check_xlsx
from tests.factories import Login, PageSession, World, add_meter

LIMIT = 200_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite:///unused.db", max_upload_bytes=LIMIT,
                    max_xlsx_uncompressed_bytes=2_000_000, max_xlsx_rows=5_000)


def _stored(database: Database) -> tuple[int, ...]:
    with database.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (ImportBatch, Equipment, MeterReading, GreenEvaluation))


#: (name, post) for each upload route; post(client, login, world, database, filename, content, type)
Post = Callable[[TestClient, Login, World, Database, str, bytes, str], Any]


def _api_import(c: TestClient, login: Login, w: World, db: Database, name: str, body: bytes, kind: str) -> Any:
    return c.post(f"/api/v1/enterprises/{w.org('steel')}/imports", headers=login("steel"),
                  files={"file": (name, body, kind)})


def _api_register(c: TestClient, login: Login, w: World, db: Database, name: str, body: bytes, kind: str) -> Any:
    return c.post(f"/api/v1/enterprises/{w.org('steel')}/equipment/import", headers=login("steel"),
                  files={"file": (name, body, kind)})


def _api_meter(c: TestClient, login: Login, w: World, db: Database, name: str, body: bytes, kind: str) -> Any:
    meter = add_meter(db, w)
    return c.post(f"/api/v1/meters/{meter}/readings/csv", headers=login("steel"), files={"file": (name, body, kind)})


def _page_import(c: TestClient, login: Login, w: World, db: Database, name: str, body: bytes, kind: str) -> Any:
    return PageSession(c, "steel").post(f"/enterprises/{w.org('steel')}/imports", files={"file": (name, body, kind)})


def _page_register(c: TestClient, login: Login, w: World, db: Database, name: str, body: bytes, kind: str) -> Any:
    return PageSession(c, "steel").post(f"/diagnosis/{w.org('steel')}/import", files={"file": (name, body, kind)})


def _page_meter(c: TestClient, login: Login, w: World, db: Database, name: str, body: bytes, kind: str) -> Any:
    meter = add_meter(db, w)
    return PageSession(c, "steel").post(f"/meters/{meter}/upload", files={"file": (name, body, kind)})


def _page_baseline(c: TestClient, login: Login, w: World, db: Database, name: str, body: bytes, kind: str) -> Any:
    meter = add_meter(db, w)
    return PageSession(c, "steel").post(f"/meters/{meter}/baselines", data={"energy_source": "inline"},
                                        files={"file": (name, body, kind)})


def _page_green_factory(c: TestClient, login: Login, w: World, db: Database, name: str, body: bytes,
                        kind: str) -> Any:
    return PageSession(c, "steel").post("/green-factory/new/upload", data={"enterprise_id": str(w.org("steel"))},
                                        files={"workbook": (name, body, kind)})


ROUTES: list[tuple[str, Post, bool]] = [   # (name, post, answers JSON)
    ("api accounting import", _api_import, True),
    ("api equipment register", _api_register, True),
    ("api meter csv", _api_meter, True),
    ("page accounting import", _page_import, False),
    ("page equipment register", _page_register, False),
    ("page meter csv", _page_meter, False),
    ("page baseline daily csv", _page_baseline, False),
    ("page green-factory workbook", _page_green_factory, False),
]
IDS = [r[0] for r in ROUTES]


@pytest.mark.parametrize(("route", "post", "api"), ROUTES, ids=IDS)
def test_a_body_over_the_limit_is_413_and_stores_nothing(client: TestClient, login: Login, world: World,
                                                         database: Database, route: str, post: Post,
                                                         api: bool) -> None:
    before = _stored(database)
    # over the 200 000-byte limit of this module's settings; a CSV, so no reader would refuse it first
    body = b"ts,value\n" + b"2026-03-01T00:00:00+08:00,1\n" * 8000
    answer = post(client, login, world, database, "big.csv", body, "text/csv")
    assert answer.status_code == 413, answer.text[:300]
    text = answer.json()["error"]["message"] + answer.json()["error"]["message_zh"] if api else answer.text
    assert "0.19 MB" in text and "上限" in text   # 200 000 bytes = 0.19 MB, named in both languages
    assert _stored(database) == (before[0], before[1], 0, before[3])


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(client: TestClient, login: Login,
                                                                              world: World) -> None:
    """A Content-Length past the limit is answered 413 without reading the body: the stream here would
    fail if read."""
    read: list[int] = []

    def body() -> Any:
        read.append(1)
        yield b"--x\r\n"
        raise AssertionError("the body was read")

    answer = client.post(f"/api/v1/enterprises/{world.org('steel')}/imports", headers={
        **login("steel"), "content-type": "multipart/form-data; boundary=x", "content-length": str(50 * LIMIT)},
        content=body())
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "too_large"


def _bomb(megabytes: int) -> bytes:
    """A valid-looking .xlsx whose one sheet is ``megabytes`` MB of repetitive XML (compresses ~1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet><sheetData>" + b" " * (megabytes << 20)
                         + b"</sheetData></worksheet>")
    return out.getvalue()


def _many_rows(rows: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    for i in range(rows):
        sheet.append([i])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("route", "post", "api"), [r for r in ROUTES if r[0] != "page baseline daily csv"], ids=[
    i for i in IDS if i != "page baseline daily csv"])
def test_an_xlsx_expanding_past_the_cap_is_refused_before_it_is_parsed(
        client: TestClient, login: Login, world: World, database: Database, route: str, post: Post, api: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl parsed a workbook the size check should have refused")

    # the refusal must come from the declared sizes, before any XML is parsed (not from a slow parse)
    monkeypatch.setattr(openpyxl.reader.excel.ExcelReader, "read", never)
    before = _stored(database)
    bomb = _bomb(8)                    # 8 MB of XML in a file of a few kB, under the 200 000-byte upload limit
    assert len(bomb) < LIMIT
    answer = post(client, login, world, database, "bomb.xlsx", bomb, XLSX)
    assert 400 <= answer.status_code < 500 and answer.status_code == 422, answer.text[:300]
    text = str(answer.json()["error"]["details"]) if api else answer.text
    assert "GREENMFG_MAX_XLSX_UNCOMPRESSED_BYTES" in text and "bomb.xlsx" in text
    assert _stored(database)[:2] == before[:2] and _stored(database)[3] == before[3]


def test_an_xlsx_over_the_row_cap_is_refused_located_at_its_sheet(client: TestClient, login: Login,
                                                                   world: World, database: Database) -> None:
    workbook = _many_rows(5_001)       # one row over the 5 000 rows of this module's settings
    answer = _api_register(client, login, world, database, "台账.xlsx", workbook, XLSX)
    assert answer.status_code == 422
    issue = answer.json()["error"]["details"][0]
    assert issue["code"] == "upload.xlsx.too_many_rows" and issue["sheet"] == "台账" and issue["file"] == "台账.xlsx"
    assert "5,000" in issue["message"] and "5,000" in issue["message_zh"]
    assert _stored(database)[1] == 0


def test_the_row_count_is_exact_at_the_cap() -> None:
    """5 000 rows pass a 5 000-row cap, 5 001 do not (the counter reads the sheet in chunks)."""
    check_xlsx(_many_rows(5_000), file="a.xlsx", max_uncompressed_bytes=10 << 20, max_rows=5_000)
    with pytest.raises(Exception, match="1 error"):
        check_xlsx(_many_rows(5_001), file="a.xlsx", max_uncompressed_bytes=10 << 20, max_rows=5_000)


@pytest.mark.parametrize(("route", "post", "api"), ROUTES, ids=IDS)
def test_a_file_name_over_255_characters_is_a_located_400(client: TestClient, login: Login, world: World,
                                                          database: Database, route: str, post: Post,
                                                          api: bool) -> None:
    before = _stored(database)
    answer = post(client, login, world, database, "年" * 252 + ".csv", b"ts,value\n", "text/csv")
    assert answer.status_code == 400, answer.text[:300]
    if api:
        error = answer.json()["error"]
        assert error["details"][0]["location"] == "file.filename" and "255" in error["message_zh"]
    else:
        assert "255" in answer.text
    assert _stored(database)[:2] == before[:2] and _stored(database)[3] == before[3]


def test_an_over_long_content_type_is_a_located_400(client: TestClient, login: Login, world: World) -> None:
    answer = _api_import(client, login, world, None, "a.csv", b"x", "text/csv; x=" + "y" * 300)  # type: ignore[arg-type]
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["location"] == "file.content_type"


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(client: TestClient, world: World,
                                                                database: Database) -> None:
    """No Content-Length (chunked): the body is counted as it arrives and refused once past the limit plus
    the form's framing, here on the green-factory page, which reads its form itself."""
    browser = PageSession(client, "steel")
    head = (f'--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{browser.csrf()}\r\n'
            f'--x\r\nContent-Disposition: form-data; name="enterprise_id"\r\n\r\n{world.org("steel")}\r\n'
            '--x\r\nContent-Disposition: form-data; name="workbook"; filename="gf.xlsx"\r\n'
            'Content-Type: application/octet-stream\r\n\r\n').encode()

    def body() -> Any:
        yield head
        for _ in range(40):            # 40 × 10 000 bytes: twice the 200 000-byte limit
            yield b"x" * 10_000
        yield b"\r\n--x--\r\n"

    answer = browser.client.post("/green-factory/new/upload", content=body(),
                                 headers={"content-type": "multipart/form-data; boundary=x"})
    assert answer.status_code == 413 and "上限" in answer.text
    assert _stored(database)[3] == 0


def test_the_middleware_stops_reading_a_stream_once_past_the_limit() -> None:
    """Without a Content-Length the body is pulled chunk by chunk; the middleware refuses it at the first
    chunk past limit + framing, so the rest of a 10 MB stream is never pulled."""
    import asyncio
    import concurrent.futures

    from greenmfg.web.uploads import FORM_OVERHEAD_BYTES, UploadLimitMiddleware, UploadTooLarge

    pulled: list[int] = []

    async def receive() -> dict[str, Any]:
        pulled.append(1)
        return {"type": "http.request", "body": b"x" * 10_000, "more_body": len(pulled) < 1_000}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass

    async def send(message: Any) -> None:
        raise AssertionError("nothing is sent by the middleware itself")

    middleware = UploadLimitMiddleware(app, Settings(max_upload_bytes=LIMIT))
    scope = {"type": "http", "headers": [(b"content-type", b"multipart/form-data; boundary=x")]}
    # a loop of its own in a thread of its own: a Playwright session of the browser tests keeps an event
    # loop running in this worker's main thread, where asyncio.run refuses to start
    with pytest.raises(UploadTooLarge), concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    # (200 000 + 65 536) / 10 000 → refused at the 27th chunk of 1 000
    assert len(pulled) == (LIMIT + FORM_OVERHEAD_BYTES) // 10_000 + 1
