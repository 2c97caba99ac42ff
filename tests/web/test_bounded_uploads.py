"""Refused or invalid uploads keep a bounded copy; no server path in messages; over-long fields refused at preview.

On SQLite and PostgreSQL: PostgreSQL is where an over-long value used to fail at commit (``value too
long for type character varying(n)``, a 500).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from greenmfg.accounting.models import ImportBatch, ImportStatus
from greenmfg.accounting.retention import held_bytes, purge_expired
from greenmfg.cli import app as cli_app
from greenmfg.db.lengths import column_length, over_limit
from greenmfg.db.session import Database
from greenmfg.diagnosis.models import Equipment
from greenmfg.orgs.models import Facility, Organisation, OrgKind
from tests.factories import Login, World, add_meter, steel_csv, upload

ROW = ["E-STEEL", "唐山示例钢铁有限公司", "钢铁", "130000"]


def _quota(client: TestClient, quota: int) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    state.settings = dataclasses.replace(state.settings, upload_quota_bytes=quota)


def _batch(database: Database, batch_id: int) -> ImportBatch:
    with database.session() as s:
        batch = s.scalars(select(ImportBatch).where(ImportBatch.id == batch_id)).one()
        s.expunge(batch)
        return batch


def _content(database: Database, batch_id: int) -> bytes:
    with database.session() as s:
        return bytes(s.scalar(select(ImportBatch.content).where(ImportBatch.id == batch_id)) or b"")


# ------------------------------------------------------------------------------------------ quota


def test_the_quota_refuses_an_upload_past_it_in_both_languages(client: TestClient, login: Login, world: World,
                                                               database: Database) -> None:
    good = steel_csv()
    bad = steel_csv(extra=[[*ROW, "E-STEEL-F1", "2024-03", "交炭", "-5", "吨", "consumed"]])
    _quota(client, len(good) + len(bad) + 10)
    first = upload(client, login("steel"), world.org("steel"), good)
    invalid = upload(client, login("steel"), world.org("steel"), bad)
    assert (first.status_code, invalid.status_code) == (201, 201)
    assert invalid.json()["status"] == "invalid"  # an invalid upload's copy counts as well
    with database.session() as s:
        assert held_bytes(s, world.org("steel")) == len(good) + len(bad)
        before = s.scalar(select(ImportBatch.id).order_by(ImportBatch.id.desc()).limit(1))
    refused = upload(client, login("steel"), world.org("steel"), good)
    assert refused.status_code == 413, refused.text
    error = refused.json()["error"]
    assert "GREENMFG_UPLOAD_QUOTA_BYTES" in error["message"] and "quota" in error["message"]
    assert "配额" in error["message_zh"]
    with database.session() as s:  # nothing stored
        assert s.scalar(select(ImportBatch.id).order_by(ImportBatch.id.desc()).limit(1)) == before
    # another enterprise has its own quota
    assert upload(client, login("cement"), world.org("cement"), steel_csv(enterprise="E-CEMENT")).status_code == 201
    # discarding a preview frees its share and drops its copy of the file
    discarded = client.post(f"/api/v1/imports/{invalid.json()['id']}/discard", headers=login("steel"))
    assert discarded.status_code == 200, discarded.text
    assert _content(database, invalid.json()["id"]) == b""
    assert upload(client, login("steel"), world.org("steel"), good).status_code == 201


def test_expired_previews_are_gone_on_the_next_upload(client: TestClient, login: Login, world: World,
                                                      database: Database) -> None:
    old = upload(client, login("steel"), world.org("steel"), steel_csv()).json()
    with database.session() as s:
        row = s.get(ImportBatch, old["id"])
        assert row is not None
        row.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=73)  # default TTL: 72 h
    fresh = upload(client, login("steel"), world.org("steel"), steel_csv(periods=("2024-05",)))
    assert fresh.status_code == 201
    expired = _batch(database, old["id"])
    assert expired.status == ImportStatus.discarded and _content(database, old["id"]) == b""
    assert _content(database, fresh.json()["id"]) != b""
    refused = client.post(f"/api/v1/imports/{old['id']}/commit", headers=login("steel"))
    assert refused.status_code == 409
    with database.session() as s:
        assert held_bytes(s, world.org("steel")) == len(steel_csv(periods=("2024-05",)))
        # the purge itself: nothing else is old enough; a zero TTL expires the fresh one too
        assert purge_expired(s, ttl_hours=72) == 0
        assert purge_expired(s, ttl_hours=0, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)) == 1
        assert held_bytes(s, world.org("steel")) == 0


def test_cli_uploads_purge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENMFG_DATABASE_URL", url)
    runner = CliRunner()
    first = runner.invoke(cli_app, ["uploads", "purge"])   # migrates; nothing to purge
    assert first.exit_code == 0, first.output
    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        org = Organisation(kind=OrgKind.enterprise, name="E", code="E-1", industry="steel", province="130000")
        s.add(org)
        s.flush()
        for hours, status in ((100, ImportStatus.previewed), (100, ImportStatus.committed), (1, ImportStatus.invalid)):
            s.add(ImportBatch(enterprise_id=org.id, filename="a.csv", content_type="text/csv", size_bytes=3,
                              sha256="0" * 64, content=b"abc", status=status,
                              created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)))
    purged = runner.invoke(cli_app, ["uploads", "purge", "--hours", "48"])
    assert purged.exit_code == 0, purged.output
    with Session(engine) as s:
        rows = s.execute(select(ImportBatch.status, ImportBatch.content).order_by(ImportBatch.id)).all()
    assert [(r[0], bytes(r[1])) for r in rows] == [("discarded", b""), ("committed", b"abc"), ("invalid", b"abc")]
    engine.dispose()


# ---------------------------------------------------------------------------------- server paths


_PATHS = re.compile(r"(?<![\w.:/])/(?:tmp|var|home|root|usr|work|srv|opt|proc|etc)/|[A-Za-z]:\\\\")


def _truncated_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a'")
    return buffer.getvalue()[:-40]


BAD_FILES = [
    ("activity.xlsx", b"PK\x03\x04" + b"\x00" * 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("activity.xlsx", _truncated_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("activity.csv", b"\xff\xfe\x00\x01binary", "text/csv"),
    ("activity.csv", "企业编号,期间\n".encode("gb18030") + b"\x81\x30" * 40, "text/csv"),
    ("activity.csv", b'enterprise_id,"unterminated\n1,2,3\n', "text/csv"),
    ("activity.txt", b"x", "text/plain"),
]


def _meter(database: Database, world: World) -> int:
    return add_meter(database, world, code="M-PATH", name="总表")


def test_bad_uploads_never_show_a_server_path(client: TestClient, login: Login, world: World,
                                              database: Database) -> None:
    temp = tempfile.gettempdir()
    routes = [f"/api/v1/enterprises/{world.org('steel')}/imports",
              f"/api/v1/enterprises/{world.org('steel')}/equipment/import",
              f"/api/v1/meters/{_meter(database, world)}/readings/csv"]
    seen = 0
    for route in routes:
        for name, content, media in BAD_FILES:
            answer = client.post(route, headers=login("steel"), files={"file": (name, content, media)})
            refused = 400 <= answer.status_code < 500 and answer.status_code != 404
            invalid = answer.status_code == 201 and answer.json()["status"] == "invalid"  # an import stored as invalid
            assert refused or invalid, (route, name, answer.text)
            seen += 1
            for text in (answer.text, str(answer.headers)):
                assert temp not in text and str(Path.cwd()) not in text, (route, name, text)
                assert not _PATHS.search(text), (route, name, text)
    assert seen == len(routes) * len(BAD_FILES)


# ---------------------------------------------------------------------------- over-long fields


def test_column_limits_come_from_the_columns() -> None:
    assert column_length(Facility.code) == 64 and column_length(Equipment.name) == 200
    assert over_limit("x" * 64, Facility.code) is None and over_limit("x" * 65, Facility.code) == 64
    with pytest.raises(TypeError):
        column_length(Equipment.notes)   # Text: no limit to derive


def test_an_over_long_facility_code_is_refused_at_preview_not_at_commit(
        client: TestClient, login: Login, world: World, database: Database) -> None:
    long_code = "F" * 300
    content = steel_csv(extra=[[*ROW, long_code, "2024-03", "焦炭", "10", "吨", "consumed"]])
    preview = upload(client, login("steel"), world.org("steel"), content)
    assert preview.status_code == 201, preview.text
    body = preview.json()
    assert body["status"] == "invalid", body
    issue = next(i for i in body["issues"] if i["code"] == "platform.import.too_long")
    assert (issue["file"], issue["row"], issue["column"]) == ("activity.csv", 8, "facility_id")
    assert "300" in issue["message"] and "64" in issue["message"] and "64" in issue["message_zh"]
    assert issue["fix_zh"]
    committed = client.post(f"/api/v1/imports/{body['id']}/commit", headers=login("steel"))
    assert committed.status_code == 409  # refused, never a 500 from the database
    with database.session() as s:
        assert s.scalar(select(Facility.id).where(Facility.code == long_code)) is None


def test_a_long_content_type_is_kept_as_its_media_type(client: TestClient, login: Login, world: World,
                                                       database: Database) -> None:
    """A content type of 255 characters passes the upload helper; the column keeps 128: store the media type."""
    media = "text/csv; charset=utf-8; " + "x=" + "y" * 228
    assert len(media) == 255
    answer = upload(client, login("steel"), world.org("steel"), steel_csv(), content_type=media)
    assert answer.status_code == 201, answer.text
    assert _batch(database, answer.json()["id"]).content_type == "text/csv"


def test_an_over_long_register_name_is_located(client: TestClient, login: Login, world: World) -> None:
    header = "设备类型,设备编号,设备名称,年运行小时,负载率,额定功率,效率,极数\n"
    row = f"电动机,M-1,{'泵' * 201},8000,0.8,55,94.5,4\n"
    answer = client.post(f"/api/v1/enterprises/{world.org('steel')}/equipment/import", headers=login("steel"),
                         files={"file": ("register.csv", (header + row).encode(), "text/csv")})
    assert answer.status_code == 422, answer.text
    details: list[dict[str, Any]] = answer.json()["error"]["details"]
    issue = next(d for d in details if d["code"] == "diagnosis.input.too_long")
    assert issue["row"] == 2 and "200" in issue["message"] and "200" in issue["message_zh"]
