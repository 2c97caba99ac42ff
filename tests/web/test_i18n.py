"""Locale negotiation, catalog loading and the Translator's messages and formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenmfg.i18n import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    CatalogConflict,
    Catalogs,
    load_catalogs,
    negotiate,
)


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return load_catalogs()


# -- negotiate -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("accept_language", "chosen", "expected"),
    [
        (None, None, "zh-CN"),
        ("", "", "zh-CN"),
        ("zh-CN,zh;q=0.9", "en", "en"),  # an explicit choice beats the browser
        ("en-US,en;q=0.9", "zh_CN", "zh-CN"),
        ("zh-CN", "EN-gb", "en"),
        ("en-US,en;q=0.9", "fr", "en"),  # unsupported choice: fall through to the header
        ("en-US,en;q=0.9", None, "en"),
        ("fr-FR, en;q=0.5, zh;q=0.8", None, "zh-CN"),  # highest q wins, not first listed
        ("fr-FR, en;q=0.8, zh;q=0.5", None, "en"),
        ("en-GB;q=0.9, zh-Hans;q=0.9", None, "en"),  # a tie goes to the earlier range
        ("zh-TW", None, "zh-CN"),  # the only Chinese offered
        ("zh-Hans-CN", None, "zh-CN"),
        ("fr, de", None, "zh-CN"),  # nothing supported: the default
        ("en;q=0", None, "zh-CN"),  # q=0 means "not acceptable"
        ("en;q=0, zh;q=0.1", None, "zh-CN"),
        ("*;q=0.5, en;q=0.4", None, "zh-CN"),  # the wildcard accepts the default
        ("en;q=abc, fr", None, "zh-CN"),  # a malformed weight drops that range
        ("en;q=1.5", None, "zh-CN"),  # q above 1 is invalid
        (" , ;q=0.5, EN ", None, "en"),
    ],
)
def test_negotiate(accept_language: str | None, chosen: str | None, expected: str) -> None:
    assert negotiate(accept_language, chosen) == expected


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_negotiate_always_returns_a_supported_locale(header: str | None, chosen: str | None) -> None:
    assert negotiate(header, chosen) in SUPPORTED_LOCALES


def test_default_locale_is_chinese() -> None:
    assert DEFAULT_LOCALE == "zh-CN" and SUPPORTED_LOCALES[0] == "zh-CN"


# -- catalogs ---------------------------------------------------------------------------------

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'


def _po(root: Path, folder: str, name: str, body: str) -> None:
    path = root / folder / "LC_MESSAGES" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + body, encoding="utf-8")


def test_every_po_file_of_a_locale_is_merged(tmp_path: Path) -> None:
    _po(tmp_path, "zh_CN", "messages.po", 'msgid "Results"\nmsgstr "核算结果"\n')
    _po(tmp_path, "zh_CN", "accounting.po", 'msgid "Fuel"\nmsgstr "燃料"\n\nmsgid "Results"\nmsgstr "核算结果"\n')
    catalogs = load_catalogs(tmp_path)
    zh = catalogs.translator("zh-CN")
    assert (zh.gettext("Results"), zh.gettext("Fuel")) == ("核算结果", "燃料")
    assert catalogs.sources["zh-CN"]["Fuel"] == "accounting.po"
    # a locale without files falls back to the English message ids
    assert catalogs.translator("en").gettext("Fuel") == "Fuel"


def test_conflicting_translations_are_refused(tmp_path: Path) -> None:
    _po(tmp_path, "zh_CN", "accounting.po", 'msgid "Plant"\nmsgstr "工厂"\n')
    _po(tmp_path, "zh_CN", "orgs.po", 'msgid "Plant"\nmsgstr "厂区"\n')
    with pytest.raises(CatalogConflict, match=r"accounting\.po and orgs\.po"):
        load_catalogs(tmp_path)


def test_fuzzy_and_empty_entries_are_not_used(tmp_path: Path) -> None:
    _po(tmp_path, "zh_CN", "messages.po",
        '#, fuzzy\nmsgid "Draft"\nmsgstr "草案"\n\nmsgid "Pending"\nmsgstr ""\n')
    zh = load_catalogs(tmp_path).translator("zh-CN")
    assert (zh.gettext("Draft"), zh.gettext("Pending")) == ("Draft", "Pending")


def test_unsupported_locale_is_an_error(catalogs: Catalogs) -> None:
    with pytest.raises(KeyError, match="fr"):
        catalogs.translator("fr")
    with pytest.raises(KeyError, match="fr"):
        load_catalogs(locales=["fr"])


# -- messages ---------------------------------------------------------------------------------

def test_gettext_translates_and_fills_placeholders(catalogs: Catalogs) -> None:
    zh, en = catalogs.translator("zh-CN"), catalogs.translator("en")
    assert zh.gettext("Sign out") == "退出登录"
    assert en.gettext("Sign out") == "Sign out"
    assert zh.gettext("Signed in as %(username)s", username="wang") == "当前账号：wang"
    assert zh.gettext("A message nobody translated") == "A message nobody translated"


def test_ngettext_uses_each_language_s_plural_rules(catalogs: Catalogs) -> None:
    zh, en = catalogs.translator("zh-CN"), catalogs.translator("en")
    one, many = "%(num)s row", "%(num)s rows"
    assert [en.ngettext(one, many, n) for n in (1, 2)] == ["1 row", "2 rows"]
    assert [zh.ngettext(one, many, n) for n in (1, 2)] == ["共 1 行", "共 2 行"]


# -- formats ----------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_number_formats(catalogs: Catalogs, locale: str) -> None:
    t = catalogs.translator(locale)
    assert t.format_decimal(12840.56, 1) == "12,840.6"
    assert t.format_decimal(3, 2) == "3.00"
    assert t.format_decimal(2.5, None) == "2.5"
    assert t.format_number(1234567) == "1,234,567"
    assert t.format_number(1234.5678, 2) == "1,234.57"
    assert t.format_percent(0.1234) == "12.3%"
    assert t.format_percent(-0.05, 0) == "-5%"
    assert t.format_decimal(None) == t.format_percent(None) == t.format_date(None) == "—"


def test_rounding_is_half_to_even_as_gb_t_8170(catalogs: Catalogs) -> None:
    """GB/T 8170-2008 §3.3: a dropped 5 rounds to the even digit ("四舍六入五成双")."""
    t = catalogs.translator("zh-CN")
    assert [t.format_decimal(Decimal(v), 2) for v in ("0.125", "0.135", "0.1251")] == ["0.12", "0.14", "0.13"]


def test_dates_follow_the_locale(catalogs: Catalogs) -> None:
    zh, en = catalogs.translator("zh-CN"), catalogs.translator("en")
    day = dt.date(2024, 3, 5)
    assert zh.format_date(day) == "2024年3月5日"
    assert en.format_date(day) == "Mar 5, 2024"
    assert en.format_date(day, "long") == "March 5, 2024"


def test_times_are_shown_in_china_standard_time(catalogs: Catalogs) -> None:
    moment = dt.datetime(2024, 3, 5, 16, 30, tzinfo=dt.UTC)
    assert catalogs.translator("zh-CN").format_datetime(moment) == "2024年3月6日 00:30:00"
    assert catalogs.translator("en", timezone="UTC").format_datetime(moment, "short").startswith("3/5/24, 4:30")
