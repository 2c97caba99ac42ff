"""Shared test set-up: the world of organisations and users, activity files, signed-in clients, meters,
reference data changed as if newly installed.

Plain functions and classes (the fixtures that use them are in ``tests/conftest.py``); only
``greenmfg`` and libraries are imported, so bench scripts may seed their data with them as well.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from greenmfg.auth.models import Membership, Role, User
from greenmfg.db.session import Database
from greenmfg.monitoring.models import MeterSetting
from greenmfg.orgs.models import (
    EvaluatorAssignment,
    Facility,
    Jurisdiction,
    Meter,
    Organisation,
    OrgKind,
)
from greenmfg.refdata import catalog as refdata_catalog

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

PASSWORD = "correct horse battery staple"


# --- organisations and users ------------------------------------------------------------------------


@dataclass
class World:
    """Two enterprises in different provinces, regulators over each, an evaluator, an admin."""

    database: Database
    ids: dict[str, int] = field(default_factory=dict)

    def org(self, name: str) -> int:
        return self.ids[name]


def add_user(session: Session, username: str, org_id: int, role: Role | str, password_hash: str,
             display_name: str | None = None, **fields: Any) -> User:
    """A user (``fields``: further columns, e.g. ``demo=True``) and its membership of ``org_id`` with ``role``."""
    user = User(username=username, display_name=display_name or username.title(), password_hash=password_hash,
                **fields)
    session.add(user)
    session.flush()
    session.add(Membership(user_id=user.id, organisation_id=org_id, role=role))
    return user


def build_world(database: Database, password_hash: str) -> World:
    """The platform, steel (唐山) / cement (苏州) / glass (邢台) enterprises, the 河北 and 唐山 steel
    regulators, an evaluator assigned to cement; one user per organisation (steel also a viewer)."""
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
            add_user(s, username, org.id, role, password_hash)
        w.ids.update({"platform": platform.id, "steel": steel.id, "cement": cement.id, "glass": glass.id,
                      "hebei": hebei.id, "tangshan": tangshan_steel.id, "evaluator": evaluator.id})
    return w


# --- meters -----------------------------------------------------------------------------------------


@dataclass
class Metered:
    """An enterprise with one facility and its meters (ids), as :func:`metered_enterprise` stored them."""

    enterprise_id: int
    facility_id: int
    meter_ids: list[int]

    @property
    def meter_id(self) -> int:
        return self.meter_ids[0]

    def topic(self, meter_id: int | None = None) -> str:
        """The MQTT topic a device of the enterprise publishes the meter's readings on."""
        return f"greenmfg/v1/{self.enterprise_id}/{self.meter_id if meter_id is None else meter_id}/readings"


def metered_enterprise(session: Session, *, name: str = "x", code: str = "X", facility_code: str = "F",
                       meter_codes: Sequence[str] = ("M",), meter_name: Callable[[int], str] = lambda i: "m",
                       register_kind: str | None = None) -> Metered:
    """A steel enterprise (河北) with one facility and electricity meters (kWh), on an empty database;
    with ``register_kind`` each meter also gets its register setting."""
    enterprise = Organisation(kind=OrgKind.enterprise, name=name, code=code, industry="steel", province="130000")
    session.add(enterprise)
    session.flush()
    facility = Facility(enterprise_id=enterprise.id, code=facility_code)
    session.add(facility)
    session.flush()
    meters = [Meter(facility_id=facility.id, code=meter_code, name=meter_name(i), item="electricity", unit="kWh")
              for i, meter_code in enumerate(meter_codes)]
    session.add_all(meters)
    session.flush()
    if register_kind is not None:
        session.add_all([MeterSetting(meter_id=m.id, register_kind=register_kind) for m in meters])
    return Metered(enterprise.id, facility.id, [m.id for m in meters])


def add_meter(db: Database, w: World, *, enterprise: str = "steel", code: str = "M1", name: str | None = None,
              unit: str = "kWh", item: str = "electricity", kind: str | None = "interval",
              register_max: float | None = None, multiplier: float = 1.0) -> int:
    """A meter of the world's enterprise (on its first facility, made if it has none); with ``kind`` (the
    default) its register setting too, without it a meter as the platform had them before monitoring."""
    with db.session() as s:
        facility = s.scalars(select(Facility.id).where(Facility.enterprise_id == w.org(enterprise))
                             .order_by(Facility.id)).first()
        if facility is None:
            f = Facility(enterprise_id=w.org(enterprise), code=f"{enterprise}-F1", name="F1")
            s.add(f)
            s.flush()
            facility = f.id
        meter = Meter(facility_id=facility, code=code, name=name or f"{code} 总表", item=item, unit=unit)
        s.add(meter)
        s.flush()
        if kind is not None:
            s.add(MeterSetting(meter_id=meter.id, register_kind=kind, register_max=register_max,
                               multiplier=multiplier))
        return int(meter.id)


# --- activity files and imports ---------------------------------------------------------------------

ACTIVITY_HEADER = ["enterprise_id", "enterprise_name", "industry", "region", "facility_id", "period", "item",
                   "quantity", "unit", "flow"]


def steel_csv(*, periods: tuple[str, ...] = ("2024-01", "2024-02"), coke: float = 1000.0,
              enterprise: str = "E-STEEL", extra: list[list[str]] | None = None) -> bytes:
    """A small valid activity file of the steel enterprise (Chinese headers accepted as well)."""
    lines = [",".join(ACTIVITY_HEADER)]
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


def commit(client: TestClient, headers: dict[str, str], enterprise_id: int, content: bytes) -> None:
    """Upload and commit through the API, as an enterprise does (both steps must succeed)."""
    preview = upload(client, headers, enterprise_id, content)
    assert preview.status_code == 201 and preview.json()["status"] == "previewed", preview.text
    committed = client.post(f"/api/v1/imports/{preview.json()['id']}/commit", headers=headers)
    assert committed.status_code == 200, committed.text


# --- clients: bearer tokens, signed-in browsers, routes ---------------------------------------------


def mint_credential(client: TestClient, username: str, *, web: bool = False) -> str:
    """A bearer token (or, ``web``, a browser session cookie) for ``username``, made by the product's
    own auth service on the app's database, as the token endpoint and the login form make them after
    checking the password. Tests of those two doors (throttling, audit, password reset) are in
    ``tests/auth`` and call them; every other test starts signed in without paying for them."""
    from greenmfg.auth import service as auth

    app_state = client.app.state  # type: ignore[attr-defined]
    database: Database = app_state.database
    with database.session() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        # the doors refuse these: so does this
        assert user.active and not user.must_change_password, f"{username} could not sign in"
        if web:
            token, _session = auth.open_session(session, app_state.settings, user)
        else:
            token, _row = auth.create_api_token(session, app_state.settings, user, name="password login",
                                                scopes=["read", "write", "admin"],
                                                hours=app_state.settings.api_token_hours)
    return token


class Login:
    """Bearer-token headers per username (see :func:`mint_credential`)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.cache: dict[str, dict[str, str]] = {}

    def __call__(self, username: str) -> dict[str, str]:
        if username not in self.cache:
            self.cache[username] = {"Authorization": f"Bearer {mint_credential(self.client, username)}"}
        return self.cache[username]


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html_text: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF.search(html_text)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def signed_in(client: TestClient, username: str, *, locale: str | None = None) -> TestClient:
    """A new client of the same app (own cookie jar), signed in (see :func:`mint_credential`)."""
    from fastapi.testclient import TestClient

    from greenmfg.web.deps import SESSION_COOKIE

    browser = TestClient(client.app, raise_server_exceptions=False)
    if locale:
        browser.cookies.set("greenmfg_lang", locale)
    browser.cookies.set(SESSION_COOKIE, mint_credential(client, username, web=True))
    return browser


class PageSession:
    """A signed-in browser: its own cookie jar, the CSRF token of the pages it loaded."""

    def __init__(self, client: TestClient, username: str) -> None:
        from fastapi.testclient import TestClient

        from greenmfg.web.deps import SESSION_COOKIE

        self.client = TestClient(client.app, raise_server_exceptions=False)
        self.client.cookies.set(SESSION_COOKIE, mint_credential(client, username, web=True))
        self.token = ""

    def get(self, url: str, **kwargs: Any) -> Any:
        answer = self.client.get(url, **kwargs)
        found = re.search(r'<meta name="csrf-token" content="([^"]*)"', answer.text)
        if found and found.group(1):
            self.token = found.group(1)
        return answer

    def csrf(self) -> str:
        if not self.token:
            self.get("/imports")
        return self.token

    def post(self, url: str, *, data: dict[str, str] | None = None, files: Any = None,
             follow_redirects: bool = False) -> Any:
        return self.client.post(url, data={"csrf_token": self.csrf(), **(data or {})}, files=files,
                                follow_redirects=follow_redirects)

    def upload(self, enterprise_id: int, content: bytes, name: str = "activity.csv",
               content_type: str = "text/csv") -> Any:
        return self.post(f"/enterprises/{enterprise_id}/imports", files={"file": (name, content, content_type)})

    def language(self, code: str) -> None:
        assert self.client.get(f"/lang/{code}?next=/", follow_redirects=False).status_code == 303


Pages = Callable[[str], PageSession]


def page_text(answer: Any) -> str:
    """The page's text with tags removed and entities decoded (what a reader sees)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", answer.text))


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


def column_keys(sheet: Any) -> list[str | None]:
    """The keys of an exported sheet's columns, in order (the defined names ``greenmfg.<key>`` its
    header cells keep beside the words: :func:`greenmfg.exports.header_row`); None for a column without."""
    from greenmfg.exports import keyed_cells

    by_column = {column: key for key, (row, column) in keyed_cells(sheet).items() if row == 1}
    return [by_column.get(index) for index in range(1, max(by_column, default=0) + 1)]


def sheet_records(sheet: Any) -> list[dict[str, Any]]:
    """The data rows of an exported sheet as dicts keyed by its columns' keys (:func:`column_keys`)."""
    keys = column_keys(sheet)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return [{key: value for key, value in zip(keys, row, strict=False) if key is not None} for row in rows]


# --- reference data ---------------------------------------------------------------------------------


def refdata_with(root: Path, file: str, key: str, parameter: str, value: str) -> Path:
    """A copy of the installed reference library in ``root`` (links to its files) whose ``file``
    (``benchmarks/ndrc-2021-r2.csv``) gives ``parameter`` of ``key`` another ``value``, with the catalog's
    sha256 of the file updated: new reference data as an installation would bring it. Returns ``root``."""
    source = refdata_catalog.DATA_ROOT
    folder, name = file.split("/")
    for entry in source.iterdir():
        if entry.name not in ("catalog.toml", folder):
            (root / entry.name).symlink_to(entry)
    (root / folder).mkdir()
    for entry in (source / folder).iterdir():
        if entry.name != name:
            (root / folder / entry.name).symlink_to(entry)
    text = (source / file).read_text(encoding="utf-8")
    changed, count = re.subn(rf"(?m)^({re.escape(key)},{re.escape(parameter)},)[^,]+,", rf"\g<1>{value},", text)
    assert count == 1, f"{file} has no single row {key},{parameter}"
    (root / file).write_text(changed, encoding="utf-8")
    old = hashlib.sha256(text.encode("utf-8")).hexdigest()
    catalog = (source / "catalog.toml").read_text(encoding="utf-8")
    assert old in catalog
    (root / "catalog.toml").write_text(catalog.replace(old, hashlib.sha256(changed.encode("utf-8")).hexdigest()),
                                       encoding="utf-8")
    return root


@contextmanager
def installed_refdata(root: Path) -> Iterator[Path]:
    """The reference library at ``root`` (:func:`refdata_with`) installed for the block: the catalog read
    from it; the library installed before, after it."""
    before = refdata_catalog.DATA_ROOT
    refdata_catalog.DATA_ROOT = root
    refdata_catalog.load_catalog.cache_clear()
    try:
        yield root
    finally:
        refdata_catalog.DATA_ROOT = before
        refdata_catalog.load_catalog.cache_clear()
