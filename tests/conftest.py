"""Fixtures of every test folder (the helpers they use are plain functions in ``tests/factories.py``).

Database-facing fixtures: every test that asks for ``database`` (or ``world``, ``client``, ``login``,
``pages``) runs on SQLite and on the real PostgreSQL. PostgreSQL is at ``GREENMFG_TEST_POSTGRES_URL``
(default 127.0.0.1:5432, user postgres, database test). Where it is not reachable its tests are
skipped with the reason, except when ``GREENMFG_REQUIRE_SERVICES=1`` (set by ``.ci/run``), which turns
the skip into a failure. Each test runs inside an outer transaction that is rolled back afterwards;
the schema is migrated once per backend with Alembic (into a private PostgreSQL schema, dropped at
the end). Redis (``redis_client``) is at ``GREENMFG_TEST_REDIS_URL`` under the same rule.
"""

from __future__ import annotations

import csv
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from greenmfg.accounting.template_spec import COLUMNS
from greenmfg.auth.security import hash_password, verify_password
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.settings import Settings
from tests.factories import PASSWORD, Login, Pages, PageSession, World, build_world

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

# no timed assertions: Hypothesis's per-example deadline (200 ms) fails a property on a loaded machine
try:
    from hypothesis import settings as hypothesis_settings
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    pass
else:
    hypothesis_settings.register_profile("greenmfg", deadline=None)
    hypothesis_settings.load_profile("greenmfg")

POSTGRES_URL = os.environ.get("GREENMFG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GREENMFG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("GREENMFG_REQUIRE_SERVICES") == "1"

HEADER = [c.name for c in COLUMNS]
BASE = {"enterprise_id": "E1", "enterprise_name": "示例企业", "industry": "钢铁", "region": "320000",
        "facility_id": "F1", "period": "2024-01"}

WriteRows = Callable[..., Path]


def _isolate_audit(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    from greenmfg.audit import keys, service

    monkeypatch.setattr(keys, "DEFAULT_DIRECTORY", folder / "var")
    # one file per database (a test that starts two servers must not mix their chains' checkpoints)
    monkeypatch.setattr(keys, "default_checkpoints", lambda url: folder / "var" / (
        f"audit-checkpoints-{hashlib.sha256(str(url).encode()).hexdigest()[:12]}.jsonl"))
    monkeypatch.setattr(service, "_KEYRING", None)
    monkeypatch.setattr(service, "_UNCONFIGURED", {})


@pytest.fixture(autouse=True)
def _audit_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's audit key and checkpoint file under its own folder (the checkpoints belong to
    one database: another test's would report truncation)."""
    _isolate_audit(monkeypatch, tmp_path)


@pytest.fixture
def own_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan cache of the test's own (empty, none on disk), for a test that changes how plans are
    built (a rule monkeypatched): its plans neither come from other tests nor serve them."""
    from greenmfg.accounting import plans as module

    monkeypatch.setattr(module, "plans", module.PlanCache(folder=None))


@pytest.fixture
def write_rows(tmp_path: Path) -> WriteRows:
    """Write template rows to a CSV: each row is a dict overriding BASE (item, quantity, unit, flow …)."""

    def write(rows: Sequence[dict[str, object]], name: str = "activity.csv",
              header: Sequence[str] = HEADER) -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                full = {**BASE, **row}
                writer.writerow(["" if full.get(h) is None else full.get(h, "") for h in header])
        return path

    return write


# --- how pytest-xdist shares the tests out ------------------------------------------------------
# `make test` runs `pytest -n <cores + 1> --dist loadscope --no-loadscope-reorder`: one worker runs a whole
# module, so what a module sets up once (its `module_database` seeding, Spark's session) is set up
# once in the run, not once per worker that happens to get one of its tests; all browser tests are
# one unit (one Chromium and one seeded demo server per run). The long units go first so that no
# worker is left with one at the end while the other waits.
LONG_FIRST = ("tests/browser/", "tests/accounting/test_spark.py")


@pytest.hookimpl(optionalhook=True)  # without pytest-xdist (`-p no:xdist`) the hook is simply unused
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadscope":
        return None  # xdist's own scheduler for the mode asked for
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests/browser/" if path.startswith("tests/browser/") else path

    return ModuleScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))  # stable: order kept otherwise


# --- databases (both backends), the world, clients ------------------------------------------------


def _postgres_engine(schema: str) -> Engine:
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    return create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_size=5)


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, Engine]]]:
    engines: dict[str, tuple[str, Engine]] = {}
    path = Path(tmp_path_factory.mktemp("sqlite")) / "greenmfg.db"
    sqlite = Database(f"sqlite:///{path}")
    upgrade(sqlite)
    engines["sqlite"] = (sqlite.url, sqlite.engine)
    schema = f"gm_test_{uuid.uuid4().hex[:10]}"
    postgres: Engine | None = None
    try:
        postgres = _postgres_engine(schema)
        database = Database(POSTGRES_URL, engine=postgres)
        upgrade(database)
        engines["postgresql"] = (POSTGRES_URL, postgres)
    except Exception as error:
        engines["postgresql-error"] = (f"{type(error).__name__}: {error}".splitlines()[0], sqlite.engine)
    yield engines
    sqlite.dispose()
    if postgres is not None:
        postgres.dispose()
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _backend(backend: str, migrated: dict[str, tuple[str, Engine]]) -> tuple[str, Engine]:
    """The URL and engine of a migrated backend; PostgreSQL unreachable skips (fails in CI)."""
    if backend not in migrated:
        reason = f"PostgreSQL not reachable at {POSTGRES_URL}: {migrated['postgresql-error'][0]}"
        if REQUIRE_SERVICES:
            pytest.fail(reason + " (GREENMFG_REQUIRE_SERVICES=1: PostgreSQL is mandatory here)")
        pytest.skip(reason)
    return migrated[backend]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, _migrated: dict[str, tuple[str, Engine]]) -> Iterator[Database]:
    """A migrated database on each backend; everything the test does is rolled back."""
    backend = request.param
    url, engine = _backend(backend, _migrated)
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield Database.bound(url, connection)
    finally:
        outer.rollback()
        connection.close()


# --- one seeding per module ----------------------------------------------------------------------
# A module whose tests all read the same committed data seeds it once per backend instead of once
# per test: it overrides ``database`` with ``shared_database`` and ``world`` with ``module_world``,
# and seeds in a module-scoped fixture through ``module_client`` (see tests/README.md). Each test
# still runs in a savepoint rolled back after it, so what a test writes is gone for the next one.


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database(request: pytest.FixtureRequest, _migrated: dict[str, tuple[str, Engine]],
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated database on each backend for one module: one outer transaction, rolled back at
    the module's end (audit key and checkpoints of the seeding in a folder of the module's)."""
    backend = request.param
    url, engine = _backend(backend, _migrated)
    connection = engine.connect()
    outer = connection.begin()
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            _isolate_audit(monkeypatch, tmp_path_factory.mktemp("module-audit"))
            yield Database.bound(url, connection)
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def shared_database(module_database: Database) -> Iterator[Database]:
    """The module's database for one test: everything the test does is rolled back (a savepoint
    inside the module's transaction), what the module seeded stays."""
    connection = module_database.sessionmaker.kw["bind"]
    savepoint = connection.begin_nested()
    try:
        yield Database.bound(module_database.url, connection)
    finally:
        if savepoint.is_active:
            savepoint.rollback()


@pytest.fixture(scope="module")
def module_world(module_database: Database, _password_hash: str) -> World:
    """:func:`tests.factories.build_world` once per module and backend."""
    return build_world(module_database, _password_hash)


@pytest.fixture(scope="module")
def module_client(module_database: Database) -> Iterator[TestClient]:
    """A client of an app on the module's database, for seeding in module-scoped fixtures."""
    from fastapi.testclient import TestClient

    app = app_on(module_database, Settings(database_url="sqlite:///unused.db", max_upload_bytes=200_000),
                 slot="module")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def _password_hash() -> str:
    """An argon2 hash of PASSWORD with the cheapest parameters argon2 allows.

    Logging in verifies it with the product's own ``verify_password`` (argon2 reads the cost from
    the hash): the same code path, at about 1 ms instead of the default cost's 50-100 ms per login,
    paid by every login of every test. ``hash_password`` (the product's cost) is checked below.
    """
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    assert verify_password(cheap, PASSWORD) and not verify_password(cheap, PASSWORD + "!")
    assert verify_password(hash_password(PASSWORD), PASSWORD)
    return cheap


@pytest.fixture
def world(database: Database, _password_hash: str) -> World:
    """See :func:`tests.factories.build_world`."""
    return build_world(database, _password_hash)


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite:///unused.db", max_upload_bytes=200_000)


_APPS: dict[tuple[Settings, str], FastAPI] = {}


def app_on(database: Database, settings: Settings, *, slot: str = "test") -> FastAPI:
    """The application for ``settings`` attached to ``database``: built once per settings and test
    process, as a server process builds it once (``greenmfg.web.app.build_app``), and attached to
    each test's database (``attach_database``: the audit key, the notification channels and fresh
    caches). A new application per test spent about half a second preparing routes and compiling
    pages on its first requests; ``tests/web/test_app.py`` checks a reattached application sees
    only its new database. ``slot``: applications that must stay attached side by side (a
    module's seeding client beside each test's client) are kept apart."""
    from greenmfg.web.app import attach_database, build_app

    settings.check()
    key = (settings, slot)
    if key not in _APPS:
        _APPS[key] = build_app(settings)
    app = _APPS[key]
    attach_database(app, database)
    # a test may have changed the shared application's settings (a smaller upload quota …): each
    # test starts from the settings it asked for
    app.state.settings = settings
    return app


@pytest.fixture
def client(database: Database, settings: Settings) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    with TestClient(app_on(database, settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def login(client: TestClient, world: World) -> Login:
    return Login(client)


@pytest.fixture
def pages(client: TestClient, world: World) -> Pages:
    """Signed-in browsers per username (one each, made on first use)."""
    sessions: dict[str, PageSession] = {}

    def session_of(username: str) -> PageSession:
        if username not in sessions:
            sessions[username] = PageSession(client, username)
        return sessions[username]

    return session_of


@pytest.fixture
def redis_client(database: Database, world: World) -> TestClient:
    """A client of an app whose results cache is the real Redis (a private key space per test)."""
    import redis
    from fastapi.testclient import TestClient

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except (redis.RedisError, OSError) as error:
        reason = f"Redis not reachable at {REDIS_URL}: {error}"
        if REQUIRE_SERVICES:
            pytest.fail(reason + " (GREENMFG_REQUIRE_SERVICES=1: Redis is mandatory here)")
        pytest.skip(reason)
    app = app_on(database, Settings(database_url="sqlite:///unused.db", redis_url=REDIS_URL))
    # a private key space: parallel runs and other tests never see these entries
    app.state.results_cache.prefix = f"greenmfg-test-{uuid.uuid4().hex}:"
    return TestClient(app)
