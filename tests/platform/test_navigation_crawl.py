"""Every navigation page works for every demo role, in zh-CN and English.

The smallest demo platform that has every role (:func:`greenmfg.demo.platform.seed_demo`: an
admin, a provincial and a city regulator, an evaluator and one enterprise user per key industry)
is seeded once for the module. Each role signs in through the form and, in each language, opens
every entry of its navigation bar and then the links those pages carry to other pages of the
site, one level deep, GET only, one link per route pattern (``/enterprises/{enterprise_id}`` is
opened once per role and language, whichever enterprise it names). Any 5xx, any rendered error
page (``data-testid="error-page"``, a 403/404 included: a page must not offer a link its reader
cannot open) fails, naming role, language and URL.

Not followed: the JSON API and static files, downloads (xlsx, csv, PDF: each domain's own tests
open them) and the links that act (sign-out, language switch).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from greenmfg.db.session import Database
from greenmfg.demo.platform import DemoAccount, seed_demo
from greenmfg.domains import navigation
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.factories import app_routes, csrf_of

PASSWORD = "demo-crawl-password-1"
LOCALES = ("zh-CN", "en")
#: what every signed-in user's navigation shows, whatever the role
FOR_EVERYONE = {item.href for item in navigation() if item.roles is None}
#: links that are not pages to open: the API, assets, downloads, actions
SKIPPED = re.compile(r"^/(api|static)/|^/(logout|lang)(/|$)|\.(xlsx|csv|pdf|json|zip)$")
DOWNLOAD = re.compile(r"(^|&)format=(pdf|xlsx|csv)(&|$)")


class _Links(HTMLParser):
    """The hrefs of a page, split into the main navigation's and the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.nav: list[str] = []
        self.other: list[str] = []
        self._nav_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and "mainnav" in (found.get("class") or "").split():
            self._nav_depth = 1
        elif tag == "nav" and self._nav_depth:
            self._nav_depth += 1
        if tag == "a" and found.get("href"):
            (self.nav if self._nav_depth else self.other).append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._nav_depth:
            self._nav_depth -= 1


def _links(html_text: str) -> _Links:
    parser = _Links()
    parser.feed(html_text)
    return parser


@pytest.fixture(scope="module")
def demo(_migrated: dict[str, tuple[str, Engine]]) -> Iterator[tuple[Database, list[DemoAccount]]]:
    """The demo platform on the session's migrated SQLite database, rolled back after the module."""
    url, engine = _migrated["sqlite"]
    connection = engine.connect()
    outer = connection.begin()
    try:
        database = Database.bound(url, connection)
        accounts = seed_demo(database, password=PASSWORD, enterprises=6, months=1, meter_days=2)
        yield database, accounts
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture(scope="module")
def app(demo: tuple[Database, list[DemoAccount]]) -> Any:
    database, _ = demo
    return create_app(Settings(database_url=database.url, demo_password=PASSWORD), database=database)


@pytest.fixture(scope="module")
def patterns(app: Any) -> list[tuple[re.Pattern[str], str]]:
    """(regex, route pattern) of every page route answering GET."""
    return [(route.path_regex, route.path) for route in app_routes(app)
            if "GET" in route.methods and not route.path.startswith(("/api/", "/static/"))]


def _pattern_of(path: str, patterns: list[tuple[re.Pattern[str], str]]) -> str | None:
    return next((pattern for regex, pattern in patterns if regex.match(path)), None)


def _signed_in(app: Any, username: str) -> TestClient:
    browser = TestClient(app, raise_server_exceptions=False)
    form = browser.get("/login")
    answer = browser.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text),
                                          "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, f"{username} cannot sign in: {answer.text[:300]}"
    return browser


def _failure(role: str, locale: str, url: str, answer: Any, source: str | None = None) -> str | None:
    came = f" (linked from {source})" if source else ""
    if answer.status_code >= 500:
        return f"{role} · {locale} · {url}{came}: HTTP {answer.status_code}"
    if 'data-testid="error-page"' in answer.text:
        return f"{role} · {locale} · {url}{came}: error page (HTTP {answer.status_code})"
    return None


def test_the_demo_has_every_role(demo: tuple[Database, list[DemoAccount]]) -> None:
    _, accounts = demo
    roles = {a.role for a in accounts}
    assert roles == {"admin", "regulator", "evaluator", "enterprise"}, roles
    assert {"demo-admin", "demo-regulator", "demo-city", "demo-evaluator", "demo-steel"} <= {a.username for a in accounts}


@pytest.mark.parametrize("username", ["demo-admin", "demo-regulator", "demo-city", "demo-evaluator",
                                      "demo-steel", "demo-cement", "demo-glass", "demo-aluminium",
                                      "demo-chemicals"])
def test_every_navigation_page_and_its_links_open(app: Any, demo: tuple[Database, list[DemoAccount]],
                                                 patterns: list[tuple[re.Pattern[str], str]], username: str) -> None:
    accounts = {a.username: a for a in demo[1]}
    if username not in accounts:
        pytest.skip(f"the demo seeded no {username} (no enterprise of that industry among six)")
    browser = _signed_in(app, username)
    failures: list[str] = []
    for locale in LOCALES:
        browser.cookies.set("greenmfg_lang", locale)
        home = browser.get("/")
        assert f'lang="{locale}"' in home.text
        nav = list(dict.fromkeys(_links(home.text).nav))
        # the bar shows what navigation() declares for this user, so the crawl cannot be vacuous
        assert set(nav) >= FOR_EVERYONE, f"{username} · {locale}: navigation lacks {FOR_EVERYONE - set(nav)}"
        assert ("/admin" in nav) == (username == "demo-admin")
        assert ("/region" in nav) == (username in ("demo-admin", "demo-regulator", "demo-city"))
        seen: set[str] = set()
        for href in nav:
            answer = browser.get(href)
            failure = _failure(username, locale, href, answer)
            if failure:
                failures.append(failure)
                continue
            assert answer.status_code == 200, f"{username} · {locale} · {href}: HTTP {answer.status_code}"
            seen.add(_pattern_of(href, patterns) or href)
            for link in dict.fromkeys(_links(answer.text).other):
                target = urlsplit(urljoin(f"http://testserver{href}", link))
                if target.netloc != "testserver" or SKIPPED.search(target.path) or DOWNLOAD.search(target.query):
                    continue
                url = target.path + (f"?{target.query}" if target.query else "")
                pattern = _pattern_of(target.path, patterns)
                if pattern is None:
                    failures.append(f"{username} · {locale} · {url} (linked from {href}): no page at this address")
                    continue
                if pattern in seen:
                    continue
                seen.add(pattern)
                failure = _failure(username, locale, url, browser.get(url), source=href)
                if failure:
                    failures.append(failure)
        assert len(seen) > len(nav), f"{username} · {locale}: no detail link followed"
    assert not failures, "\n".join(failures)


def _options(html_text: str, select_id: str) -> tuple[dict[int, str], int | None]:
    """The options of a <select> (value → text) and the selected value."""
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html_text, re.S)
    assert block is not None, f"no select #{select_id}"
    options = re.findall(r'<option value="(\d*)"( selected)?[^>]*>([^<]*)</option>', block.group(1))
    chosen = [int(value) for value, selected, _ in options if selected and value]
    return {int(value): text for value, _, text in options if value}, (chosen[0] if chosen else None)


def test_multi_enterprise_pages_open_on_a_visible_enterprise_with_data(app: Any, demo: tuple[Database, list[DemoAccount]]
                                                                       ) -> None:
    """The city bureau's diagnosis picker offers exactly the enterprises of its city and opens on one
    with an equipment register; its benchmark page opens on one with classified plants."""
    from sqlalchemy import select

    from greenmfg.auth.models import Membership, User
    from greenmfg.compliance.stored import StoredBenchmark
    from greenmfg.diagnosis.models import Equipment
    from greenmfg.orgs.models import Jurisdiction, Organisation, OrgKind

    database, _ = demo
    with database.session() as session:
        # the city bureau demo-city works for (the demo has more than one city bureau)
        area = session.execute(select(Jurisdiction.province, Jurisdiction.city)
                               .join(Membership, Membership.organisation_id == Jurisdiction.regulator_id)
                               .join(User, User.id == Membership.user_id)
                               .where(User.username == "demo-city")).one()
        in_city = dict(session.execute(select(Organisation.id, Organisation.name).where(
            Organisation.kind == OrgKind.enterprise, Organisation.province == area[0], Organisation.city == area[1])).all())
        elsewhere = set(session.execute(select(Organisation.id).where(
            Organisation.kind == OrgKind.enterprise, Organisation.id.not_in(list(in_city)))).scalars())
        registers = set(session.execute(select(Equipment.enterprise_id)).scalars())
        classified = set(session.execute(select(StoredBenchmark.enterprise_id).where(
            StoredBenchmark.current.is_(True), StoredBenchmark.cls.in_(("benchmark", "between", "below_baseline"))
        )).scalars())
    assert len(in_city) > 1 and set(in_city) & registers and set(in_city) & classified and elsewhere
    browser = _signed_in(app, "demo-city")
    options, chosen = _options(browser.get("/diagnosis").text, "enterprise_id")
    assert options == in_city
    assert chosen in registers
    other = next(i for i in in_city if i != chosen)
    page = browser.get(f"/diagnosis?enterprise_id={other}&year=2024").text   # the choice is kept in the query
    assert _options(page, "enterprise_id")[1] == other
    options, chosen = _options(browser.get("/benchmark").text, "benchmark-enterprise")
    assert set(options) == set(in_city) and chosen in classified
    assert browser.get(f"/diagnosis?enterprise_id={min(elsewhere)}").status_code == 404   # not its city
