"""SQLite survives concurrency (issue #13 item 3): sign-ins, reads and an import at once.

A file-based SQLite database (the default deployment), the real app and routes, threads released
together by a barrier: API sign-ins (``POST /api/v1/auth/token``) and page sign-ins (``POST
/login``), token-authenticated reads (token cache off, so every read resolves its token in the
database) and an import commit. Before: deferred ``BEGIN`` made every read-then-write transaction
(a sign-in reads the throttle and the user, then writes the attempt, the audit event and the
token) fail with "database is locked" when another connection wrote meanwhile, and every token
read wrote ``last_used_at``: 500s. Now no request may answer 5xx.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from greenmfg.accounting.models import ActivityRecord
from greenmfg.auth.models import ApiToken, Role, User
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database, reading
from greenmfg.db.statistics import ANALYZE_AFTER_ROWS, CHANGED_ROWS, note_changed_rows
from greenmfg.orgs.models import Organisation, OrgKind
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.factories import PASSWORD, add_user, steel_csv

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SIGN_INS = 8


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory, _password_hash: str) -> Path:
    """A migrated SQLite file with an enterprise and its users (copied for each test)."""
    path = Path(tmp_path_factory.mktemp("concurrency")) / "template.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    with database.session() as s:
        steel = Organisation(kind=OrgKind.enterprise, name="唐山示例钢铁有限公司", code="E-STEEL", industry="steel",
                             province="130000", city="唐山")
        s.add(steel)
        s.flush()
        for index in range(SIGN_INS + 1):
            add_user(s, f"user{index}", steel.id, Role.manager, _password_hash, display_name=f"User {index}")
    with reading(), database.engine.connect() as connection:  # a checkpoint cannot run under the write lock
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def app_database(_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "greenmfg.db"
    path.write_bytes(_template.read_bytes())
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def _run_together(tasks: list[Callable[[], list[int]]]) -> list[int]:
    barrier = threading.Barrier(len(tasks))
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(task: Callable[[], list[int]]) -> None:
        try:
            barrier.wait(timeout=30)
            got = task()
        except BaseException as error:  # reported below, with the statuses
            with lock:
                errors.append(error)
            return
        with lock:
            statuses.extend(got)

    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return statuses


def test_concurrent_sign_ins_reads_and_an_import_never_fail(app_database: Database) -> None:
    settings = Settings(database_url=app_database.url, principal_cache_seconds=0, token_touch_seconds=0)
    app = create_app(settings, database=app_database)
    client = TestClient(app, raise_server_exceptions=False)
    token = client.post("/api/v1/auth/token", json={"username": f"user{SIGN_INS}", "password": PASSWORD})
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    with app_database.session() as s:
        enterprise = s.execute(select(Organisation.id).where(Organisation.code == "E-STEEL")).scalar_one()
    months = tuple(f"2024-{m:02d}" for m in range(1, 13))
    preview = client.post(f"/api/v1/enterprises/{enterprise}/imports", headers=headers,
                          files={"file": ("activity.csv", steel_csv(periods=months), "text/csv")})
    assert preview.status_code == 201, preview.text

    def api_sign_in(index: int) -> Callable[[], list[int]]:
        def task() -> list[int]:
            own = TestClient(app, raise_server_exceptions=False)
            answers = [own.post("/api/v1/auth/token", json={"username": f"user{index}", "password": PASSWORD})
                       for _ in range(3)]
            return [a.status_code for a in answers]
        return task

    def page_sign_in(index: int) -> Callable[[], list[int]]:
        def task() -> list[int]:
            own = TestClient(app, raise_server_exceptions=False)
            form = own.get("/login")
            found = CSRF.search(form.text)
            assert found is not None
            answer = own.post("/login", data={"username": f"user{index}", "password": PASSWORD,
                                              "csrf_token": found.group(1), "next": "/"}, follow_redirects=False)
            return [form.status_code, 200 if answer.status_code == 303 else answer.status_code]
        return task

    def reads() -> list[int]:
        own = TestClient(app, raise_server_exceptions=False)
        out = []
        for _ in range(6):
            out.append(own.get("/api/v1/me", headers=headers).status_code)
            out.append(own.get(f"/api/v1/enterprises/{enterprise}/imports", headers=headers).status_code)
        return out

    def commit() -> list[int]:
        own = TestClient(app, raise_server_exceptions=False)
        return [own.post(f"/api/v1/imports/{preview.json()['id']}/commit", headers=headers).status_code]

    tasks: list[Callable[[], list[int]]] = [commit, reads, reads]
    tasks += [api_sign_in(i) if i % 2 else page_sign_in(i) for i in range(SIGN_INS)]
    statuses = _run_together(tasks)
    assert statuses and all(s == 200 for s in statuses), sorted(statuses)
    with app_database.session() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 3 * 12  # the import committed
        assert s.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == s.scalar(
            select(User.id).where(User.username == f"user{SIGN_INS}"))).limit(1)) is not None


def test_token_reads_do_not_write(app_database: Database) -> None:
    """A token-authenticated GET sends no write inside its read transaction: ``last_used_at`` is
    written at most once per ``GREENMFG_TOKEN_TOUCH_SECONDS``, in a transaction of its own."""
    settings = Settings(database_url=app_database.url, principal_cache_seconds=0)
    app = create_app(settings, database=app_database)
    client = TestClient(app, raise_server_exceptions=False)
    token = client.post("/api/v1/auth/token", json={"username": "user0", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # records the first use
    statements: list[str] = []

    def seen(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(app_database.engine, "before_cursor_execute", seen)
    try:
        for _ in range(3):
            assert client.get("/api/v1/me", headers=headers).status_code == 200
    finally:
        event.remove(app_database.engine, "before_cursor_execute", seen)
    assert statements and "SELECT" in statements
    assert not {"UPDATE", "INSERT", "DELETE"} & set(statements), statements
    # reads begin deferred: they take no write lock
    assert "BEGIN" in statements and not any(s.startswith("BEGIN IMMEDIATE") for s in statements)


def test_reads_go_on_while_an_import_holds_the_write_lock(app_database: Database) -> None:
    """While another connection holds SQLite's write lock (an import's writes), a token read
    answers at once: it neither writes nor waits (the ``last_used_at`` touch is skipped)."""
    settings = Settings(database_url=app_database.url, principal_cache_seconds=0, token_touch_seconds=0,
                        sqlite_busy_timeout_ms=60_000)
    app = create_app(settings, database=app_database)
    client = TestClient(app, raise_server_exceptions=False)
    token = client.post("/api/v1/auth/token", json={"username": "user0", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    writer = sqlite3.connect(app_database.url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the write lock is taken, as by an import's writes
        writer.execute("UPDATE users SET display_name = display_name")
        answer = client.get("/api/v1/me", headers=headers)  # would wait 60 s for the lock if it wrote
        assert answer.status_code == 200, answer.text
        assert client.get("/api/v1/auth/tokens", headers=headers).status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_savepoint_inside_a_busy_transaction_waits_for_the_commit(_template: Path, tmp_path: Path) -> None:
    """A savepoint released inside a transaction that changed many rows (the demo seed filing a capacity
    plan) is no commit: the statistics are refreshed once, after the outermost commit. Before, its release
    refreshed them on another connection, which waited for this transaction's write lock: "database is
    locked" (a 500 on a page)."""
    path = tmp_path / "greenmfg.db"
    path.write_bytes(_template.read_bytes())
    database = Database(f"sqlite:///{path}", sqlite_busy_timeout_ms=500)
    try:
        with database.session() as session:
            session.add(Organisation(kind=OrgKind.enterprise, name="邢台示例化工有限公司", code="E-CHEM",
                                     industry="chemicals", province="130000", city="邢台"))
            note_changed_rows(session, ANALYZE_AFTER_ROWS)
            with session.begin_nested():
                session.add(Organisation(kind=OrgKind.enterprise, name="保定示例玻璃有限公司", code="E-GLASS",
                                         industry="flat_glass", province="130000", city="保定"))
            assert database.changed_rows == 0  # nothing counted (nor analysed) at the savepoint
            assert session.info[CHANGED_ROWS] == ANALYZE_AFTER_ROWS
        with database.engine.connect() as connection:
            analysed = {row[0] for row in connection.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
        assert "organisations" in analysed  # refreshed after the commit
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Organisation)) == 3
    finally:
        database.dispose()
