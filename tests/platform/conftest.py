"""Database-facing fixtures: every test runs on SQLite and on the real PostgreSQL.

PostgreSQL is at ``GREENMFG_TEST_POSTGRES_URL`` (default 127.0.0.1:5432, user postgres, database
test). Where it is not reachable its tests are skipped with the reason, except when
``GREENMFG_REQUIRE_SERVICES=1`` (set by ``.ci/run``), which turns the skip into a failure.
Each test runs inside an outer transaction that is rolled back afterwards; the schema is
migrated once per backend with Alembic (into a private PostgreSQL schema, dropped at the end).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from greenmfg.auth.models import Membership, Role, User
from greenmfg.auth.security import hash_password, verify_password
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.orgs.models import EvaluatorAssignment, Facility, Jurisdiction, Organisation, OrgKind
from greenmfg.settings import Settings
from greenmfg.web.app import create_app

POSTGRES_URL = os.environ.get("GREENMFG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_SERVICES = os.environ.get("GREENMFG_REQUIRE_SERVICES") == "1"
PASSWORD = "correct horse battery staple"


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


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, _migrated: dict[str, tuple[str, Engine]]) -> Iterator[Database]:
    """A migrated database on each backend; everything the test does is rolled back."""
    backend = request.param
    if backend not in _migrated:
        reason = f"PostgreSQL not reachable at {POSTGRES_URL}: {_migrated['postgresql-error'][0]}"
        if REQUIRE_SERVICES:
            pytest.fail(reason + " (GREENMFG_REQUIRE_SERVICES=1: PostgreSQL is mandatory here)")
        pytest.skip(reason)
    url, engine = _migrated[backend]
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield Database.bound(url, connection)
    finally:
        outer.rollback()
        connection.close()


@dataclass
class World:
    """Two enterprises in different provinces, regulators over each, an evaluator, an admin."""

    database: Database
    ids: dict[str, int] = field(default_factory=dict)

    def org(self, name: str) -> int:
        return self.ids[name]


def _add_user(session: Any, username: str, org_id: int, role: Role, password_hash: str) -> None:
    user = User(username=username, display_name=username.title(), password_hash=password_hash)
    session.add(user)
    session.flush()
    session.add(Membership(user_id=user.id, organisation_id=org_id, role=role))


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
    w = World(database)
    with database.session() as s:
        platform = Organisation(kind=OrgKind.platform, name="平台")
        steel = Organisation(kind=OrgKind.enterprise, name="唐山示例钢铁有限公司", code="E-STEEL", industry="steel",
                             province="130000", city="唐山")
        cement = Organisation(kind=OrgKind.enterprise, name="苏州示例水泥有限公司", code="E-CEMENT",
                              industry="cement", province="320000", city="苏州")
        glass = Organisation(kind=OrgKind.enterprise, name="邢台示例玻璃有限公司", code="E-GLASS",
                             industry="flat_glass", province="130000", city="邢台")
        hebei = Organisation(kind=OrgKind.regulator, name="河北省工业和信息化厅")
        hebei.jurisdictions.append(Jurisdiction(province="130000"))
        tangshan_steel = Organisation(kind=OrgKind.regulator, name="唐山市工信局（钢铁）")
        tangshan_steel.jurisdictions.append(Jurisdiction(province="130000", city="唐山", industries=["steel"]))
        evaluator = Organisation(kind=OrgKind.evaluator, name="评价机构")
        s.add_all([platform, steel, cement, glass, hebei, tangshan_steel, evaluator])
        s.flush()
        s.add(EvaluatorAssignment(evaluator_id=evaluator.id, enterprise_id=cement.id))
        s.add(Facility(enterprise_id=steel.id, code="E-STEEL-F1", name="1号高炉-转炉"))
        s.add(Facility(enterprise_id=cement.id, code="E-CEMENT-F1", name="熟料线"))
        for username, org, role in [("admin", platform, Role.admin), ("steel", steel, Role.manager),
                                    ("steelviewer", steel, Role.viewer), ("cement", cement, Role.manager),
                                    ("glass", glass, Role.manager), ("hebei", hebei, Role.manager),
                                    ("tangshan", tangshan_steel, Role.manager), ("evaluator", evaluator, Role.manager)]:
            _add_user(s, username, org.id, role, _password_hash)
        w.ids.update({"platform": platform.id, "steel": steel.id, "cement": cement.id, "glass": glass.id,
                      "hebei": hebei.id, "tangshan": tangshan_steel.id, "evaluator": evaluator.id})
    return w


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite:///unused.db", max_upload_bytes=200_000)


@pytest.fixture
def client(database: Database, settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, database=database)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


class Login:
    """Bearer-token headers per username (tokens obtained through the real endpoint)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.cache: dict[str, dict[str, str]] = {}

    def __call__(self, username: str) -> dict[str, str]:
        if username not in self.cache:
            answer = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            self.cache[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self.cache[username]


@pytest.fixture
def login(client: TestClient, world: World) -> Login:
    return Login(client)


HEADER = ["enterprise_id", "enterprise_name", "industry", "region", "facility_id", "period", "item", "quantity",
          "unit", "flow"]


def steel_csv(*, periods: tuple[str, ...] = ("2024-01", "2024-02"), coke: float = 1000.0,
              enterprise: str = "E-STEEL", extra: list[list[str]] | None = None) -> bytes:
    """A small valid activity file of the steel enterprise (Chinese headers accepted as well)."""
    lines = [",".join(HEADER)]
    for period in periods:
        base = f"{enterprise},唐山示例钢铁有限公司,钢铁,130000,E-STEEL-F1,{period}"
        lines += [f"{base},焦炭,{coke},吨,consumed", f"{base},电力,120,万千瓦时,purchased",
                  f"{base},粗钢,5000,吨,produced"]
    for row in extra or []:
        lines.append(",".join(row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def upload(client: TestClient, headers: dict[str, str], enterprise_id: int, content: bytes,
           name: str = "activity.csv", content_type: str = "text/csv") -> Any:
    return client.post(f"/api/v1/enterprises/{enterprise_id}/imports", headers=headers,
                       files={"file": (name, content, content_type)})


def app_routes(app: Any) -> list[Any]:
    """Every APIRoute of the app, also those inside included routers.

    FastAPI ≥ 0.16x keeps an included router as one lazy ``_IncludedRouter`` entry in
    ``app.routes``; walk into it (routers here are included without an extra prefix: each
    APIRouter carries its own).
    """
    from fastapi.routing import APIRoute

    out: list[Any] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                out.append(route)
            elif hasattr(route, "original_router"):
                walk(list(route.original_router.routes))

    walk(list(app.routes))
    assert len(out) > 20, "route discovery found almost nothing: the meta-tests would be vacuous"
    return out
