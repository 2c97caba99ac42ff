"""Words, not codes (issue #15 item 2): every page a demo user reaches, in zh-CN, shows no code.

The demo region is seeded once for the module (8 enterprises × 2 months: every demo role has its
user) with a capacity plan and a green-factory evaluation added, so every detail page has an object
to show. Each page is rendered in zh-CN and its *visible* text is read with an HTML parser
(script, style and attribute values are not visible; a code kept for experts in a ``title``
attribute is fine). A page fails on

* a snake_case identifier (``electrolytic_aluminium``, ``baseline_level``, ``cv_rmse``),
* a dotted code (``oir.110kW.0.8MPa.air``, ``p_value.beta_hdd``, ``accounting.result.x``),
* a reference-data id (``fuel_parameters/ndrc-steel-2013``),
* a raw status code (``secondary``, ``recalled``, ``crosschecked`` …) or
* an English-only sentence (five English words in a row with no Chinese),

naming the page and the offending text. Source citations of the reference library are quoted as
their publishers and transcribers wrote them and are marked ``lang="en"`` when English; that
subtree is the only one not read. The same check runs over the header rows of the xlsx exports and
the HTML the PDF reports are made from.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.platform import DemoAccount, seed_demo
from greenmfg.greenfactory.frameworks import load_framework
from greenmfg.settings import Settings
from greenmfg.web.app import create_app

PASSWORD = "greenmfg-demo-zh"

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
DOTTED = re.compile(r"\b[a-z][a-z0-9]*(?:\.[A-Za-z0-9_\[\]-]+){2,}\b")
DATASET = re.compile(r"\b[a-z_]+/[a-z0-9]+(?:[.-][a-z0-9]+)+\b")
STATUS = re.compile(r"(?<![A-Za-z])(secondary|recalled|crosschecked|definitional|uncertain|not_found|verified|"
                    r"previewed|committed|draft|submitted|evaluator_assigned|regulator_review|published)(?![A-Za-z])")
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ ,;:()]+[A-Za-z][A-Za-z'’-]*){4,}")
CJK = re.compile(r"[\u3400-\u9fff]")

#: text that is not words in a language: file names, e-mail addresses, URLs, version strings, the
#: shown prefix of an API token (``gm_`` and random letters: a code that sometimes looks like snake_case)
NOT_WORDS = re.compile(r"[\w.-]+\.(?:csv|xlsx|pdf|png|json)\b|\S+@\S+|https?://\S+|www\.\S+|\bv?\d+(?:\.\d+)+\b"
                       r"|\bgm_[A-Za-z0-9_-]+")


class VisibleText(HTMLParser):
    """The text a reader sees: no script, style or template contents, no attribute values, nothing
    inside an element marked ``lang="en"`` (quoted citations)."""

    #: not read: code and markup, and <kbd> (what a user types as is: the columns of a file)
    SKIP = {"script", "style", "template", "noscript", "kbd"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []
        self.links: list[str] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag in self.VOID:
            return
        lang = (values.get("lang") or "").lower()
        self.stack.append((tag, tag in self.SKIP or lang.startswith("en")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._hidden():
            self.texts.append(text)


def visible(html_text: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(html_text)
    parser.close()
    return parser


def offences(text: str) -> list[str]:
    """What in one piece of visible zh-CN text is a code or English, not words."""
    plain = NOT_WORDS.sub(" ", text)
    found = [*SNAKE.findall(plain), *DOTTED.findall(plain), *DATASET.findall(plain), *STATUS.findall(plain)]
    sentence = ENGLISH.search(plain)
    if sentence and not CJK.search(text):
        found.append(sentence.group(0))
    return found


def problems(where: str, texts: list[str]) -> list[str]:
    out = []
    for text in texts:
        found = offences(text)
        if found:
            out.append(f"{where}: {found} in “{text[:160]}”")
    return out


# --- the seeded platform ------------------------------------------------------------------------


@dataclass
class Platform:
    app: object
    accounts: list[DemoAccount]
    clients: dict[str, TestClient] = field(default_factory=dict)
    #: the pages each user was shown (rendered once per module)
    rendered: dict[str, dict[str, str]] = field(default_factory=dict)

    def client(self, username: str) -> TestClient:
        if username not in self.clients:
            client = TestClient(self.app, raise_server_exceptions=False)  # type: ignore[arg-type]
            form = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                                 "csrf_token": token.group(1), "next": "/"}, follow_redirects=False)
            assert answer.status_code == 303, answer.text
            assert client.get("/lang/zh-CN?next=/", follow_redirects=False).status_code == 303
            self.clients[username] = client
        return self.clients[username]

    def bearer(self, username: str) -> dict[str, str]:
        client = TestClient(self.app, raise_server_exceptions=False)  # type: ignore[arg-type]
        answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    path = Path(tmp_path_factory.mktemp("zh-text")) / "greenmfg.db"
    url = f"sqlite:///{path}"
    database = Database(url)
    upgrade(database)
    accounts = seed_demo(database, password=PASSWORD, enterprises=8, months=2, meter_days=3)
    app = create_app(Settings(database_url=url, demo_password=PASSWORD), database=database)
    seeded = Platform(app, accounts)
    steel = next(a for a in accounts if a.username == "demo-steel")
    with TestClient(app, raise_server_exceptions=False) as api:  # type: ignore[arg-type]
        headers = seeded.bearer("demo-steel")
        vetoes = [{"key": v.key, "answer": True, "evidence": "证书"} for v in load_framework("gbt36132-2025").vetoes]
        # (the demo steel works has filed a capacity-replacement plan: its page is crawled as it is)
        evaluation = api.post(f"/api/v1/enterprises/{steel.organisation_id}/green-evaluations", headers=headers,
                              json={"framework": "gbt36132-2025", "title": "绿色工厂自评价", "year": 2024,
                                    "items": [*vetoes, {"key": "能碳管理系统平台", "points": 6}]})
        assert evaluation.status_code == 201, evaluation.text
    yield seeded
    database.dispose()


DETAIL = re.compile(r"^/(?:results|imports|meters|capacity/plans|green-factory|green-list/applications|"
                    r"admin/users|admin/organisations)/\d+$|^/benchmark\?enterprise=\d+$|^/diagnosis\?enterprise=\d+$"
                    r"|^/cbam/enterprises/\d+(?:/(?:calculations|communications|footprints)/\d+)?$")
EXPORT = re.compile(r"\.(?:xlsx|csv|pdf)(?:\?|$)|format=(?:pdf|xlsx|csv)|/export|/report")


def pages_of(platform: Platform, username: str) -> dict[str, str]:
    """The nav pages of a user and the first detail page of each kind linked from them, rendered in zh-CN."""
    if username not in platform.rendered:
        platform.rendered[username] = _crawl(platform, username)
    return platform.rendered[username]


def _crawl(platform: Platform, username: str) -> dict[str, str]:
    client = platform.client(username)
    home = client.get("/")
    assert home.status_code == 200, home.text
    nav = re.search(r'<nav class="mainnav".*?</nav>', home.text, re.S)
    assert nav is not None
    queue = ["/", *re.findall(r'href="(/[^"]*)"', nav.group(0))]
    if username == "demo-admin":
        queue += ["/admin/users", "/admin/organisations", "/admin/audit", "/admin/tokens", "/tokens"]
    if username in ("demo-regulator", "demo-city"):
        queue += ["/region/compliance", "/region/green"]
    if username in ("demo-regulator", "demo-admin"):  # an enterprise's benchmark, chosen in a form
        steel = next(a.organisation_id for a in platform.accounts if a.username == "demo-steel")
        queue += [f"/benchmark?enterprise={steel}"]
    rendered: dict[str, str] = {}
    kinds: set[str] = set()
    while queue:
        url = queue.pop(0).replace("&amp;", "&")
        if url in rendered:
            continue
        answer = client.get(url)
        if answer.status_code >= 500 and url.startswith("/diagnosis"):
            continue  # the enterprise picker of the diagnosis page is issue #15 item 1, checked by the crawler
        assert answer.status_code == 200, f"{username} {url}: {answer.status_code}"
        rendered[url] = answer.text
        for link in visible(answer.text).links:
            link = link.split("#")[0]
            kind = re.sub(r"\d+", "N", link)
            if DETAIL.match(link) and kind not in kinds:
                kinds.add(kind)
                queue.append(link)
    return rendered


USERS = ["demo-steel", "demo-cement", "demo-glass", "demo-aluminium", "demo-chemicals", "demo-regulator",
         "demo-city", "demo-evaluator", "demo-admin"]


@pytest.mark.parametrize("username", USERS)
def test_every_page_speaks_chinese(platform: Platform, username: str) -> None:
    rendered = pages_of(platform, username)
    assert len(rendered) >= 6, sorted(rendered)
    found: list[str] = []
    for url, html_text in rendered.items():
        found += problems(f"{username} {url}", visible(html_text).texts)
    assert not found, f"{len(found)} codes or English sentences in zh-CN pages:\n" + "\n".join(found[:60])


def test_the_detail_pages_are_all_checked(platform: Platform) -> None:
    """The crawl reaches a result, an import, an evaluation, an application, a capacity plan, a meter,
    an enterprise benchmark and the admin pages (a page missing here would go unchecked)."""
    kinds = set()
    for username in ("demo-steel", "demo-regulator", "demo-admin", "demo-evaluator"):
        kinds |= {re.sub(r"\d+", "N", url) for url in pages_of(platform, username)}
    for expected in ("/results/N", "/imports/N", "/green-factory/N", "/green-list/applications/N",
                     "/capacity/plans/N", "/meters/N", "/benchmark?enterprise=N", "/admin/users/N",
                     "/admin/organisations/N", "/admin/audit", "/region", "/region/compliance", "/region/green"):
        assert expected in kinds, (expected, sorted(kinds))


def test_the_checker_sees_codes_and_english() -> None:
    """The check itself: codes and English are found, words and quoted citations pass."""
    page = visible('<p>电解铝</p><td>electrolytic_aluminium</td><p>规格 oir.110kW.0.8MPa.air</p>'
                   '<span title="fuel_parameters/ndrc-steel-2013">燃料参数</span><b>（状态：secondary）</b>'
                   '<p>The factor comes from the steel guideline</p><p lang="en">quoted source text in English</p>'
                   '<script>var x = "not_visible";</script><p>kgce/t · 2024-01 · activity.csv</p>'
                   '<p>fuel_parameters/ndrc-steel-2013</p>')
    found = [offences(text) for text in page.texts]
    assert found == [[], ["electrolytic_aluminium"], ["oir.110kW.0.8MPa.air"], [], ["secondary"],
                     ["The factor comes from the steel guideline"], [], ["fuel_parameters", "fuel_parameters/ndrc-steel-2013"]]


def exported(platform: Platform, *, workbooks: bool) -> list[str]:
    """What the exports linked from the pages of an enterprise and a regulator show: the header rows
    of the xlsx workbooks, or the HTML the PDF reports are printed from."""
    found: list[str] = []
    seen: set[str] = set()
    for username in ("demo-steel", "demo-regulator"):
        client = platform.client(username)
        for url, html_text in pages_of(platform, username).items():
            for link in visible(html_text).links:
                link = link.replace("&amp;", "&")
                if not link.startswith("/") or not EXPORT.search(link) or link in seen:
                    continue
                seen.add(link)
                # a workbook, or the HTML of a report (its PDF is printed from that HTML: not fetched here)
                if ("xlsx" in link) != workbooks or "pdf" in link:
                    continue
                answer = client.get(link)
                kind = answer.headers.get("content-type", "")
                if answer.status_code != 200:  # a report that fails is no report at all
                    found.append(f"{username} {link} (from {url}): {answer.status_code}")
                    continue
                if "spreadsheetml" in kind and workbooks:
                    book = load_workbook(io.BytesIO(answer.content), read_only=True)
                    for sheet in book.worksheets:
                        for row in sheet.iter_rows(min_row=1, max_row=1, values_only=True):
                            found += problems(f"{username} {link} [{sheet.title}] header",
                                              [str(v) for v in row if v is not None])
                elif "text/html" in kind and not workbooks:
                    found += problems(f"{username} {link} (from {url})", visible(answer.text).texts)
    return found


def test_report_html_speaks_chinese(platform: Platform) -> None:
    found = exported(platform, workbooks=False)
    assert not found, "\n".join(found[:60])


def test_workbook_headers_speak_chinese(platform: Platform) -> None:
    found = exported(platform, workbooks=True)
    assert not found, "\n".join(found[:60])


# --- the cells of every workbook, in zh-CN and in English (issue #15 item 2) -----------------------------

#: columns whose cells are identifiers on purpose, by their key (the defined name of the header cell) or, in
#: a workbook without keys, by their header in either language; each with the reason it keeps its codes
IDENTIFIER_COLUMNS = {
    "code": "a finding's dotted code, to filter and to quote to support; its message is in words beside it",
    "key": "the reference library's key of an indicator or a benchmark level, to look it up; named beside it",
    "benchmark_key": "the benchmark level's key in the reference library (the indicator is named beside it)",
    "quota_key": "the quota row's key in the reference library (the indicator is named beside it)",
    "ref": "the id of a cited value (dataset:key.parameter) in the reference library; named in the other columns",
    "source": "a source citation, quoted as its publisher or transcriber wrote it (file names, URL paths)",
    "deadline_source": "a source citation, quoted as written",
    "reference_source": "a source citation, quoted as written",
    "value_source": "where the evaluated enterprise's value came from, quoted as written",
    "measure_key": "the measure's code (the library's industry.key, or the enterprise's own), to refer to it; "
                   "named in words beside it",
}
#: sheets that are the run's machine record, as the JSON API gives it (option names, dataset ids, hashes)
RECORD_SHEETS = {"数据溯源", "Provenance"}
#: a sheet's name in English: words (letters, digits, spaces and a little punctuation), no Chinese
ENGLISH_TITLE = re.compile(r"[A-Za-z0-9 ,()&'’-]+")
#: a latin word (two letters or more, lower-case): no part of a Chinese sheet's name (CO2, LMDI may be)
LATIN_WORD = re.compile(r"[a-z]{2,}")


def sheet_name_offences(title: str, locale: str) -> list[str]:
    """What is wrong with a sheet's name in a workbook of ``locale``: a code, or words of the other language
    (issue #15: zh-CN sheets named in Chinese only, English ones in English only)."""
    if SNAKE.search(title):
        return ["a code"]
    if locale.startswith("zh"):
        return [] if CJK.search(title) and not LATIN_WORD.search(title) else ["not Chinese only"]
    return [] if ENGLISH_TITLE.fullmatch(title) else ["not English only"]
#: a verification status, benchmark class or quota grade as a whole cell: a code (in English, only the codes
#: whose words differ from them: "uncertain" is a word)
CELL_CODES = {"secondary", "recalled", "crosschecked", "not_found", "below_baseline", "not_classified",
              "no_indicator", "fails", "between"}


def _source_tokens() -> frozenset[str]:
    """snake_case tokens of the reference library's source citations that name nothing of the library (a
    transcriber's file name, an article id): a message quoting its source may show them."""
    from greenmfg.refdata.catalog import load_catalog
    from greenmfg.refdata.words import key_name

    tokens: set[str] = set()
    for dataset in load_catalog():
        for text in [*(row.source for row in dataset.rows), *(str(r.get("source") or "") for r in dataset.records)]:
            tokens |= set(SNAKE.findall(text))
    return frozenset(t for t in tokens if key_name(t, zh=True) == t)


def cell_offences(value: str, *, quoted: frozenset[str]) -> list[str]:
    """The codes in one cell: snake_case keys (not quoted from a source), a status or class code as the
    whole cell, and in a Chinese text (not an English sentence quoting a Chinese title) a status code anywhere."""
    plain = NOT_WORDS.sub(" ", value)
    found = [token for token in SNAKE.findall(plain) if token not in quoted]
    if value.strip() in CELL_CODES:
        found.append(value.strip())
    if CJK.search(value) and not ENGLISH.search(plain):
        found += STATUS.findall(plain)
    return list(dict.fromkeys(found))


def workbook_offences(where: str, content: bytes, *, quoted: frozenset[str], locale: str | None = None) -> list[str]:
    from greenmfg.exports import keyed_cells

    found: list[str] = []
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        if locale is not None and (wrong := sheet_name_offences(sheet.title, locale)):
            found.append(f"{where} sheet name “{sheet.title}”: {', '.join(wrong)}")
        if sheet.title in RECORD_SHEETS:
            continue
        keys = {column: key for key, (row, column) in keyed_cells(sheet).items() if row == 1}
        rows = list(sheet.iter_rows(values_only=True))
        headers = rows[0] if rows else ()
        skipped = {index for index, header in enumerate(headers, start=1)
                   if keys.get(index) in IDENTIFIER_COLUMNS or (index not in keys and header in IDENTIFIER_COLUMNS)}
        for number, row in enumerate(rows[1:], start=2):
            for index, value in enumerate(row, start=1):
                if isinstance(value, str) and index not in skipped:
                    codes = cell_offences(value, quoted=quoted)
                    if codes:
                        found.append(f"{where} [{sheet.title}] row {number} column {keys.get(index) or index}: "
                                     f"{codes} in “{value[:120]}”")
    return found


@pytest.fixture(scope="module")
def command_line_run() -> object:
    """The demo region's activity data (as seeded) accounted, benchmarked and put to the carbon market's rules:
    what ``greenmfg account|benchmark|ets --format xlsx`` write."""
    from greenmfg.accounting import account_table
    from greenmfg.benchmarking.service import BenchmarkOptions, benchmark
    from greenmfg.demo.generator import generate_region
    from greenmfg.ets.service import account_ets

    table = generate_region(enterprises=8, months=2, seed=1)
    run = account_table(table, name="demo-region")
    return run, benchmark(run, BenchmarkOptions()), account_ets(table)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_workbook_cells_are_words(platform: Platform, command_line_run: tuple[object, object, object],
                                  locale: str, tmp_path: Path) -> None:
    """Every workbook the platform offers for download (from the pages of an enterprise and a regulator) and
    every one the command line writes, built from the seeded demo data in zh-CN and in English, holds no
    snake_case key and no status or class code in a cell outside the identifier columns above."""
    from greenmfg.accounting.output import write_xlsx as accounting_xlsx
    from greenmfg.benchmarking.output import write_xlsx as benchmark_xlsx
    from greenmfg.ets.output import write_xlsx as ets_xlsx
    from greenmfg.i18n import load_catalogs

    quoted = _source_tokens()
    found: list[str] = []
    built: list[str] = []
    for username in ("demo-steel", "demo-regulator"):
        links = sorted({link.replace("&amp;", "&") for html_text in pages_of(platform, username).values()
                        for link in visible(html_text).links
                        if link.startswith("/") and EXPORT.search(link) and "xlsx" in link and "pdf" not in link})
        client = platform.client(username)
        assert client.get(f"/lang/{locale}?next=/", follow_redirects=False).status_code == 303
        try:
            for link in links:
                url = link.replace("lang=zh-CN", f"lang={locale}")  # a report in the language asked
                answer = client.get(url)
                assert answer.status_code == 200, (username, url, answer.status_code)
                assert "spreadsheetml" in answer.headers["content-type"], url
                built.append(url.split("?")[0])
                # a link may ask for a language of its own (the equipment template is offered in both)
                asked = re.search(r"[?&]lang=([A-Za-z-]+)", url)
                found += workbook_offences(f"{username} {url}", answer.content, quoted=quoted,
                                           locale=asked.group(1) if asked else locale)
        finally:
            client.get("/lang/zh-CN?next=/", follow_redirects=False)
    run, bench, ets = command_line_run
    translator = load_catalogs().translator(locale)
    accounting_xlsx(run, tmp_path / "account.xlsx", translator=translator)  # type: ignore[arg-type]
    benchmark_xlsx(bench, tmp_path / "benchmark.xlsx", translator=translator)  # type: ignore[arg-type]
    ets_xlsx(ets, tmp_path / "ets.xlsx", lang=locale)  # type: ignore[arg-type]
    for name in ("account", "benchmark", "ets"):
        found += workbook_offences(f"greenmfg {name} --format xlsx", (tmp_path / f"{name}.xlsx").read_bytes(),
                                   quoted=quoted, locale=locale)
    # the carbon-market workbook keeps its columns' keys as defined names, like every other (issue #15)
    from greenmfg.exports import keyed_cells

    ets_book = load_workbook(tmp_path / "ets.xlsx")
    assert all(keyed_cells(sheet) for sheet in ets_book.worksheets), ets_book.sheetnames
    assert {"emission_source", "item", "co2e_t", "parameters"} <= set(keyed_cells(ets_book.worksheets[1]))
    # the downloads of the pages: the blank templates, the report, the benchmark and compliance views, the
    # green-factory template and report
    for expected in ("/imports/template", "/benchmark/export.xlsx", "/region/compliance/export.xlsx",
                     "/green-factory/template.xlsx", "/api/v1/diagnosis/equipment-template.xlsx"):
        assert expected in built, (expected, sorted(set(built)))
    assert any(url.endswith("/report") for url in built) and any(url.endswith("/report.xlsx") for url in built), built
    assert not found, f"{len(found)} codes in workbook cells ({locale}):\n" + "\n".join(found[:60])


def test_the_sheet_name_check_sees_codes_and_mixed_languages() -> None:
    assert sheet_name_offences("below_baseline 基准以下", "zh-CN") == ["a code"]
    assert sheet_name_offences("benchmark 对标", "zh-CN") == ["not Chinese only"]
    assert sheet_name_offences("能效对标", "en") == ["not English only"]
    assert sheet_name_offences("summary", "zh-CN") == ["not Chinese only"]
    assert sheet_name_offences("能效对标", "zh-CN") == [] and sheet_name_offences("LMDI 效应", "zh-CN") == []
    assert sheet_name_offences("Iron and steel works", "en") == [] and sheet_name_offences("By scope", "en") == []


def test_the_cell_check_sees_codes() -> None:
    quoted = frozenset({"build_first_batch"})
    assert cell_offences("below_baseline", quoted=quoted) == ["below_baseline"]
    assert cell_offences("secondary", quoted=quoted) == ["secondary"]
    assert cell_offences("核实状态为 secondary", quoted=quoted) == ["secondary"]
    assert cell_offences("crude_steel", quoted=quoted) == ["crude_steel"]
    assert cell_offences("the level is a secondary source (tools/build_first_batch.py)", quoted=quoted) == []
    assert cell_offences("二手来源", quoted=quoted) == [] and cell_offences("uncertain", quoted=quoted) == []
    assert cell_offences("grade 1 (GB 21256-2025 《粗钢》): its source is secondary, not verified", quoted=quoted) == []
