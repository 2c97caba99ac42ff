"""The glossary (issue #15 item 8): every term in Chinese and English with the standard it comes
from, open before sign-in, linked from every page's footer and from each form's in-page help."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from greenmfg.help.glossary import GLOSSARY
from tests.factories import Pages, page_text

EXPECTED = {"tce", "tco2e", "scope1", "scope2", "equivalent_value", "equal_value", "benchmark_level",
            "baseline_level", "mv", "cv_rmse", "green_factory"}


def test_the_glossary_names_the_terms_the_issue_asks_for() -> None:
    keys = {term.key for term in GLOSSARY}
    assert keys >= EXPECTED and len(keys) == len(GLOSSARY)
    for term in GLOSSARY:
        assert re.search(r"[\u4e00-\u9fff]", term.name_zh + term.text_zh), term.key
        assert term.name_en.isascii() and term.text_en.isascii(), term.key
        assert re.search(r"\b(GB|GB/T|ISO|ASHRAE|IPMVP|发改|工信|greenmfg)", term.source), term.key


@pytest.mark.parametrize(("locale", "heading", "term", "source"), [
    ("zh-CN", "术语表", "等价值", "GB/T 2589-2020"),
    ("en", "Glossary", "equal value (primary-energy basis)", "GB/T 2589-2020"),
])
def test_the_glossary_page_in_both_languages(client: TestClient, locale: str, heading: str, term: str,
                                             source: str) -> None:
    answer = client.get("/help/glossary", headers={"Accept-Language": locale})
    assert answer.status_code == 200 and answer.headers["content-language"] == locale
    text = page_text(answer)
    assert heading in text and term in text and source in text
    assert text.count("ASHRAE Guideline 14-2014") >= 2  # CV(RMSE) and NMBE each name their source
    assert len(re.findall(r"<dt id=", answer.text)) == len(GLOSSARY)


def test_the_footer_and_the_form_help_link_the_glossary(pages: Pages, world: object) -> None:
    steel = pages("steel")
    home = steel.get("/")
    assert 'href="/help/glossary"' in home.text
    glossary = steel.get("/help/glossary")
    assert glossary.status_code == 200 and 'class="mainnav"' in glossary.text  # signed in: the navigation stays
    form = steel.get("/imports")
    assert 'data-testid="help"' in form.text and form.text.count('href="/help/glossary"') >= 2
