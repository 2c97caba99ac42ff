"""The layout and every component, rendered in both languages; the render contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request

from greenmfg.errors import Issue
from greenmfg.i18n import Catalogs, load_catalogs
from greenmfg.web.templating import (
    Flash,
    Templates,
    create_templates,
    local_redirect_target,
    render,
    translator_for,
    with_query,
)
from tests.browser.styleguide import styleguide_context


@dataclass(frozen=True)
class User:
    display_name: str = "王建国"
    username: str = "wang"
    is_admin: bool = False
    is_regulator: bool = False
    is_evaluator: bool = False
    is_enterprise: bool = False


class Elements(HTMLParser):
    """Start tags of a document as (tag, attributes)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def select(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.found if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return load_catalogs()


@pytest.fixture(scope="module")
def templates(catalogs: Catalogs) -> Templates:
    return create_templates(["greenmfg.web", "tests.browser"], catalogs)


def _request(path: str = "/results", query: str = "", **state: Any) -> Request:
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query.encode(),
             "headers": [], "state": state}
    return Request(scope)


Page = Callable[..., str]


@pytest.fixture
def page(templates: Templates) -> Page:
    """Render a page template (source text) extending base.html for a request."""

    def render_page(source: str, locale: str = "zh-CN", *, user: Any = None, path: str = "/results",
                    query: str = "", flashes: list[Flash] | None = None, **context: Any) -> str:
        request = _request(path, query, locale=locale, user=user, csrf_token="tok-123", flashes=flashes)
        template = templates.environment(locale).from_string(source)
        return template.render(templates.page_context(request, context))

    return render_page


def macro(templates: Templates, locale: str, call: str, **context: Any) -> str:
    source = '{% import "_macros.html" as ui %}' + call
    return templates.environment(locale).from_string(source).render(context)


BASE = '{% extends "base.html" %}{% block title %}核算结果{% endblock %}{% block content %}<p id="c">body</p>{% endblock %}'


# -- layout -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "sign_out"), [("zh-CN", "退出登录"), ("en", "Sign out")])
def test_base_layout_for_a_signed_in_user(page: Page, locale: str, sign_out: str) -> None:
    html = page(BASE, locale, user=User(is_enterprise=True), query="page=2")
    doc = Elements(html)
    assert doc.select("html")[0]["lang"] == locale
    assert "<title>核算结果 · greenmfg 绿色制造</title>" in html
    assert 'greenmfg</span><span class="brand-cn">绿色制造' in html
    assert '<p id="c">body</p>' in html
    # logout: POST with the CSRF token
    (form,) = doc.select("form", action="/logout")
    assert form["method"] == "post"
    assert doc.select("input", name="csrf_token") == [{"type": "hidden", "name": "csrf_token", "value": "tok-123"}]
    assert doc.select("meta", name="csrf-token")[0]["content"] == "tok-123"
    assert sign_out in html
    # language switch returns to this very page
    links = [a["href"] for a in doc.select("a") if (a.get("href") or "").startswith("/lang/")]
    assert links == ["/lang/zh-CN?next=%2Fresults%3Fpage%3D2", "/lang/en?next=%2Fresults%3Fpage%3D2"]
    (current,) = [a for a in doc.select("a") if a.get("aria-current") == "page"]
    assert current["href"] == "/results"


def _nav(html: str) -> list[str | None]:
    doc = Elements(html)
    start = next(i for i, (t, a) in enumerate(doc.found) if t == "nav" and a.get("class") == "mainnav")
    end = next(i for i, (t, a) in enumerate(doc.found) if t == "div" and a.get("class") == "topbar-end")
    return [a["href"] for t, a in doc.found[start:end] if t == "a"]


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (User(is_enterprise=True), ["/", "/imports", "/results", "/capacity", "/benchmark", "/green-factory", "/green-list", "/ets", "/cbam", "/meters", "/diagnosis", "/pathways"]),
        (User(is_evaluator=True), ["/", "/imports", "/results", "/capacity", "/benchmark", "/green-factory", "/green-list", "/cbam/shared", "/meters", "/diagnosis", "/pathways"]),
        (User(is_regulator=True), ["/", "/imports", "/results", "/capacity", "/benchmark", "/green-factory", "/green-list", "/ets/region", "/cbam/shared", "/meters", "/diagnosis", "/pathways", "/region"]),
        (User(is_admin=True), ["/", "/imports", "/results", "/capacity", "/benchmark", "/green-factory", "/green-list", "/ets/region", "/cbam/shared", "/meters", "/diagnosis", "/pathways", "/region", "/admin"]),  # admins see the region too
        (User(is_admin=True, is_regulator=True), ["/", "/imports", "/results", "/capacity", "/benchmark", "/green-factory", "/green-list", "/ets/region", "/cbam/shared", "/meters", "/diagnosis", "/pathways", "/region", "/admin"]),
    ],
)
def test_navigation_follows_the_roles(page: Page, user: User, expected: list[str]) -> None:
    assert _nav(page(BASE, user=user)) == expected


def test_navigation_labels_are_translated(page: Page) -> None:
    html = page(BASE, "zh-CN", user=User(is_admin=True, is_regulator=True))
    for label in ("工作台", "数据导入", "核算结果", "产能置换", "节能诊断", "区域监管", "系统管理", "系统管理员"):
        assert label in html
    assert "Regulator" not in page(BASE, "en", user=User(is_admin=True, is_regulator=True))


def test_anonymous_pages_offer_sign_in_and_no_navigation(page: Page) -> None:
    html = page(BASE, "en")
    assert 'href="/login"' in html and "Sign in" in html
    assert 'class="mainnav"' not in html and "/logout" not in html


def test_active_section_by_path_or_by_page(page: Page) -> None:
    user = User(is_admin=True)
    assert 'href="/imports" class="active"' in page(BASE, user=user, path="/imports/42/preview")
    assert 'href="/" class="active"' in page(BASE, user=user, path="/")
    assert 'class="active"' not in page(BASE, user=user, path="/profile").split('class="lang-switch"')[0]
    assert 'href="/admin" class="active"' in page(BASE, user=user, path="/profile", nav_active="admin")


def test_flash_messages_and_escaping(page: Page) -> None:
    html = page(BASE, "en", user=User(display_name="<script>x</script>"),
                flashes=[Flash("success", "Saved <b>2</b> rows"), Flash("error", "Failed")])
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "Saved &lt;b&gt;2&lt;/b&gt; rows" in html
    assert 'class="alert alert-success"' in html and 'class="alert alert-error" role="alert"' in html


def test_auth_layout(page: Page) -> None:
    html = page('{% extends "auth_base.html" %}{% block title %}登录{% endblock %}{% block content %}<form id="f"></form>{% endblock %}')
    assert '<body class="auth-body">' in html and '<form id="f"></form>' in html
    assert "面向制造业绿色低碳转型的能源与碳排放核算平台" in html
    assert "/lang/en?next=%2Fresults" in html


def test_undefined_variables_are_errors(templates: Templates) -> None:
    with pytest.raises(jinja2.UndefinedError):
        templates.environment("en").from_string("{{ missing.attribute }}").render()


# -- components -------------------------------------------------------------------------------

@pytest.mark.parametrize(("locale", "words"), [("zh-CN", ("下降", "同比")), ("en", ("decrease", "vs 2023"))])
def test_kpi(templates: Templates, locale: str, words: tuple[str, str]) -> None:
    html = macro(templates, locale, '{{ ui.kpi("Energy", 12840.6 | decimal(1), "tce", delta=-0.042, delta_label=label) }}',
                 label=words[1])
    assert '<span class="kpi-number">12,840.6</span><span class="kpi-unit">tce</span>' in html
    assert 'class="kpi-delta kpi-good"' in html and "4.2%" in html and words[0] in html and words[1] in html
    up_is_bad = macro(templates, locale, '{{ ui.kpi("Energy", "1", delta=0.013) }}')
    assert "kpi-bad" in up_is_bad and "1.3%" in up_is_bad
    up_is_good = macro(templates, locale, '{{ ui.kpi("Share", "18%", delta=0.031, good="up") }}')
    assert "kpi-good" in up_is_good
    assert "kpi-neutral" in macro(templates, locale, '{{ ui.kpi("X", "1", delta=0) }}')
    assert "kpi-delta" not in macro(templates, locale, '{{ ui.kpi("X", "1") }}')


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_card(templates: Templates, locale: str) -> None:
    html = macro(templates, locale, '{% call ui.card("T", "S", actions=[("All", "/x")]) %}<i>in</i>{% endcall %}')
    assert '<h2 class="card-title">T</h2>' in html and '<p class="card-subtitle">S</p>' in html
    assert '<a class="btn btn-ghost btn-sm" href="/x">All</a>' in html and "<i>in</i>" in html
    assert "card-head" not in macro(templates, locale, "{% call ui.card() %}x{% endcall %}")


@pytest.mark.parametrize(("locale", "count", "zh"), [("zh-CN", "共 2 行", True), ("en", "2 rows", False)])
def test_data_table(templates: Templates, locale: str, count: str, zh: bool) -> None:
    columns = [{"key": "name", "label": "Name"}, {"key": "energy", "label": "Energy", "numeric": True, "unit": "tce", "digits": 1},
               {"key": "status", "label": "Status", "sortable": False}]
    rows = [{"name": {"text": "A & B", "href": "/e/1"}, "energy": 12840.56, "status": {"status": "verified"}},
            {"name": "C", "energy": None, "status": "plain"}]
    html = macro(templates, locale, '{{ ui.data_table("t", columns, rows) }}', columns=columns, rows=rows)
    doc = Elements(html)
    assert [th.get("data-sort-type") for th in doc.select("th")] == ["text", "number", None]
    assert [td.get("data-sort") for td in doc.select("td", class_="num")] == ["12840.56", ""]
    assert ">12,840.6</td>" in html and ">—</td>" in html
    assert '<a href="/e/1">A &amp; B</a>' in html
    assert ("已核验" if zh else "Verified") in html
    assert count in html and doc.select("input", type="search")
    empty = macro(templates, locale, '{{ ui.data_table("t", columns, []) }}', columns=columns)
    assert "<table" not in empty and "empty-state" in empty and ("暂无数据" if zh else "Nothing here yet") in empty


@pytest.mark.parametrize(("locale", "labels"), [("zh-CN", ["已核验", "未核验", "警告", "错误", "已入库", "已预览"]),
                                                ("en", ["Verified", "Unverified", "Warning", "Error", "Committed", "Previewed"])])
def test_badges(templates: Templates, locale: str, labels: list[str]) -> None:
    statuses = ["verified", "unverified", "warning", "error", "committed", "previewed"]
    html = macro(templates, locale, "{% for s in statuses %}{{ ui.badge(s) }}|{% endfor %}", statuses=statuses)
    for status, label, tone in zip(statuses, labels, ["success", "muted", "warning", "danger", "brand", "info"], strict=True):
        assert f'class="badge badge-{tone}" data-status="{status}"' in html
        assert f"</svg>{label}</span>" in html
    assert "</svg>Archived</span>" in macro(templates, locale, '{{ ui.badge("archived", "Archived") }}')


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_chart_carries_its_option(templates: Templates, locale: str) -> None:
    option = {"title": {"text": "能耗 <月度> & 'x'"}, "series": [{"type": "bar", "data": [1, 2.5]}]}
    html = macro(templates, locale, '{{ ui.chart("c", option, 280, label="L") }}', option=option)
    (div,) = Elements(html).select("div", id="c")
    assert json.loads(div["data-echarts"] or "") == option
    assert div["style"] == "height: 280px" and div["aria-label"] == "L" and div["role"] == "img"
    from_string = macro(templates, locale, '{{ ui.chart("c", text, "40vh") }}', text='{"a": "<b>"}')
    (div,) = Elements(from_string).select("div", id="c")
    assert json.loads(div["data-echarts"] or "") == {"a": "<b>"} and div["style"] == "height: 40vh"


@pytest.mark.parametrize(("locale", "texts"), [
    ("zh-CN", ["数据中有 12 处问题，未导入任何数据。", "工作表 能源消费 · 第 14 行", "无法识别的品种", "从模板中选择", "以下列出前 2 处。", "（空）"]),
    ("en", ["12 problems in the data; nothing was imported.", "Sheet 能源消费 · Row 14", "Unknown item", "Choose from the template", "The first 2 are listed.", "(empty)"]),
])
def test_issues_speak_the_page_language(templates: Templates, locale: str, texts: list[str]) -> None:
    issue = Issue(code="accounting.input.unknown_item", message="Unknown item '烟媒'", fix="Choose from the template",
                  message_zh="无法识别的品种 '烟媒'", fix_zh="从模板中选择", file="a.xlsx", sheet="能源消费",
                  row=14, column="item", value="烟媒")
    as_dict = {**issue.as_dict(), "value": "", "row": None, "sheet": ""}
    html = macro(templates, locale, "{{ ui.issues(items, total=12) }}", items=[issue, as_dict])
    for text in texts:
        assert text in html
    assert "accounting.input.unknown_item" in html and '<code class="issue-value">烟媒</code>' in html
    one = macro(templates, locale, "{{ ui.issues(items) }}", items=[issue])
    assert ("数据中有 1 处问题" if locale == "zh-CN" else "1 problem in the data;") in one
    assert "issues-shown" not in one


@pytest.mark.parametrize(("locale", "info"), [("zh-CN", "第 41–60 条，共 1,205 条"), ("en", "41–60 of 1,205")])
def test_pagination(templates: Templates, locale: str, info: str) -> None:
    html = macro(templates, locale, '{{ ui.pagination(3, 20, 1205, "/results?q=steel&page=3") }}')
    assert info in html
    doc = Elements(html)
    assert [a["href"] for a in doc.select("a")] == [
        "/results?q=steel&page=2", "/results?q=steel&page=1", "/results?q=steel&page=2",
        "/results?q=steel&page=4", "/results?q=steel&page=61", "/results?q=steel&page=4"]
    assert '<span class="current" aria-current="page">3</span>' in html and "…" in html
    first = macro(templates, locale, "{{ ui.pagination(1, 20, 0) }}")
    assert "disabled" in first and "<a " not in first and ("共 0 条" if locale == "zh-CN" else "0–0 of 0") in first


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_empty_state_and_breadcrumb(templates: Templates, locale: str) -> None:
    html = macro(templates, locale, '{{ ui.empty_state("None", "Upload one", "/imports/new", "Upload") }}')
    assert '<p class="empty-title">None</p>' in html and '<a class="btn btn-primary" href="/imports/new">Upload</a>' in html
    crumbs = macro(templates, locale, '{{ ui.breadcrumb([("Home", "/"), ("Results", "/results"), ("2024", None)]) }}')
    assert '<a href="/">Home</a>' in crumbs and '<li aria-current="page">2024</li>' in crumbs
    assert ('aria-label="当前位置"' if locale == "zh-CN" else 'aria-label="Breadcrumb"') in crumbs


@pytest.mark.parametrize(("locale", "label"), [("zh-CN", "年度"), ("en", "Year")])
def test_year_switch(templates: Templates, locale: str, label: str) -> None:
    """The one year switch of the pages with years (dashboard, targets, carbon market filings and allowances)."""
    links = [{"year": y, "href": f"/ets/region?year={y}", "active": y == 2024} for y in (2023, 2024, 2025)]
    html = macro(templates, locale, "{{ ui.year_switch(links) }}", links=links)
    (group,) = Elements(html).select("div", class_="gm-segmented")
    assert group["role"] == "group" and group["aria-label"] == label and group["data-testid"] == "year-switch"
    assert [a["href"] for a in Elements(html).select("a")] == [f"/ets/region?year={y}" for y in (2023, 2024, 2025)]
    assert '<a href="/ets/region?year=2024" class="active" aria-current="true">2024</a>' in html
    assert html.count("aria-current") == 1 and ">2023</a>" in html and ">2025</a>" in html


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_styleguide_renders(page: Page, locale: str) -> None:
    """Layout plus every component with sample data, as the browser tests show it."""
    source = '{% include "styleguide.html" %}'
    html = page(source, locale, user=User(is_admin=True), **styleguide_context(locale))
    assert html.count('data-echarts="') == 2 and html.count('class="kpi"') == 4 and "issues-table" in html


# -- the render contract ----------------------------------------------------------------------

LOGIN_TEXT = {"login_title": "登录", "username": "u", "password": "p", "login_hint": "h"}


def _app_request(templates: Templates | None, **state: Any) -> Request:
    app = Starlette()
    if templates is not None:
        app.state.templates = templates
    request = _request("/login", **state)
    request.scope["app"] = app
    return request


def test_render_uses_the_app_s_templates_and_request_state(templates: Templates) -> None:
    request = _app_request(templates, locale="en", csrf_token="tok", user=None)
    response = render(request, "styleguide_login.html", {"s": LOGIN_TEXT}, status_code=401,
                      headers={"Cache-Control": "no-store"})
    body = bytes(response.body).decode()
    assert response.status_code == 401
    assert response.headers["content-language"] == "en" and response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en"' in body and 'value="tok"' in body


def test_render_needs_a_locale_and_templates(templates: Templates) -> None:
    with pytest.raises(RuntimeError, match=r"request\.state\.locale"):
        render(_app_request(templates), "styleguide_login.html", {"s": LOGIN_TEXT})
    with pytest.raises(RuntimeError, match="create_templates"):
        render(_app_request(None, locale="en"), "styleguide_login.html", {"s": LOGIN_TEXT})


def test_translator_for_is_the_request_locale_s_translator(templates: Templates) -> None:
    """The one way a page handler gets its translator (text built outside a template)."""
    chinese = translator_for(_app_request(templates, locale="zh-CN"))
    english = translator_for(_app_request(templates, locale="en"))
    assert (chinese.locale, english.locale) == ("zh-CN", "en")
    assert english.gettext("Dashboard") == "Dashboard" and chinese.gettext("Dashboard") != "Dashboard"
    assert chinese.format_decimal(1234.5, 1) == "1,234.5"
    with pytest.raises(RuntimeError, match="create_templates"):
        translator_for(_app_request(None, locale="en"))
    with pytest.raises(KeyError, match="unsupported locale"):
        translator_for(_app_request(templates, locale="fr"))


def test_template_names_may_not_shadow_each_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  catalogs: Catalogs) -> None:
    package = tmp_path / "shadowing_domain"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "templates" / "base.html").write_text("mine")
    (tmp_path / "no_templates_domain").mkdir()
    (tmp_path / "no_templates_domain" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="'base.html' is in both greenmfg.web and shadowing_domain"):
        create_templates(["greenmfg.web", "shadowing_domain"], catalogs)
    with pytest.raises(ValueError, match="no_templates_domain"):
        create_templates(["greenmfg.web", "no_templates_domain"], catalogs)


def test_domain_templates_are_found(templates: Templates) -> None:
    assert templates.packages == ("greenmfg.web", "tests.browser")
    assert templates.environment("en").get_template("styleguide.html").name == "styleguide.html"
    assert create_templates(["tests.browser"], load_catalogs()).packages[0] == "greenmfg.web"


@pytest.mark.parametrize(("target", "expected"), [
    ("/results?page=2", "/results?page=2"), (None, "/"), ("", "/"), ("https://evil.example/", "/"),
    ("//evil.example/x", "/"), ("/\\evil.example", "/"), ("results", "/"), ("javascript:alert(1)", "/"),
])
def test_local_redirect_target(target: str | None, expected: str) -> None:
    assert local_redirect_target(target) == expected


def test_with_query() -> None:
    assert with_query("/r?q=a%20b&page=3", page=4) == "/r?q=a+b&page=4"
    assert with_query("/r?page=3", page=None) == "/r"
    assert with_query("", page=2) == "?page=2"
