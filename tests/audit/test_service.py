"""The audit log is append-only and hash-chained: any edit or deletion is detected."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from greenmfg.audit.models import AuditEvent
from greenmfg.audit.service import record, verify
from greenmfg.db.session import Database
from tests.factories import PASSWORD, Login, World, steel_csv, upload


def _actions(database: Database) -> list[str]:
    with database.session() as s:
        return list(s.execute(select(AuditEvent.action).order_by(AuditEvent.seq)).scalars())


def test_logins_imports_and_commits_are_audited(client: TestClient, login: Login, world: World,
                                                database: Database) -> None:
    client.post("/api/v1/auth/token", json={"username": "steel", "password": "wrong"})
    assert client.post("/api/v1/auth/token", json={"username": "steel", "password": PASSWORD}).status_code == 200
    preview = upload(client, login("steel"), world.org("steel"), steel_csv()).json()
    client.post(f"/api/v1/imports/{preview['id']}/commit", headers=login("steel"))
    actions = _actions(database)
    assert actions[:2] == ["auth.login_failed", "auth.login"]
    assert "import.preview" in actions and actions[-1] == "import.commit"
    with database.session() as s:
        assert verify(s).ok


def _chain(database: Database, n: int = 5) -> None:
    with database.session() as s:
        for i in range(n):
            record(s, "organisation.update", actor="admin", details={"field": "name", "step": i})


def test_edit_is_detected(database: Database) -> None:
    _chain(database)
    with database.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(details={"field": "name", "step": 99}))
    with database.session() as s:
        report = verify(s)
    assert not report.ok and any("seq 3" in p and "edited" in p for p in report.problems)


def test_deleting_a_middle_event_is_detected(database: Database) -> None:
    _chain(database)
    with database.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    with database.session() as s:
        report = verify(s)
    assert not report.ok and any("deleted" in p for p in report.problems)


def test_deleting_the_newest_event_is_detected(database: Database) -> None:
    _chain(database)
    with database.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    with database.session() as s:
        report = verify(s)
    assert not report.ok and any("head" in p for p in report.problems)


def test_intact_chain_verifies(database: Database) -> None:
    _chain(database, 7)
    with database.session() as s:
        report = verify(s)
    assert report.ok and report.events == 7
