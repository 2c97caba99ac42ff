"""Capacity rule keys, region sets and cited rules in words (issue #15 item 2)."""

from __future__ import annotations

import pytest

from greenmfg.capacity.labels import in_words, rule_name
from greenmfg.capacity.rules import load_rulebook
from greenmfg.i18n import Translator, load_catalogs


@pytest.fixture(scope="module")
def zh() -> Translator:
    return load_catalogs().translator("zh-CN")


def test_every_rule_of_the_rule_book_has_a_name(zh: Translator) -> None:
    book = load_rulebook()
    keys = [rule.key for measure in book.measures for rule in measure.rules]
    assert keys
    for key in keys:
        assert "_" not in rule_name(key, zh) and "." not in rule_name(key, zh), key
    assert rule_name("ironmaking.standard.key_region", zh) == "炼铁 · 一般置换比例 · 大气污染防治重点区域"


def test_capacity_messages_read_as_words(zh: Translator) -> None:
    text = in_words("capacity_replacement/steel-2021:ironmaking.standard.key_region.ratio_min 的核实状态为“二手来源”；"
                    "属于重点区域（jjj_2p26）；capacity_replacement/steel-2021:key_region.set.jjj_2p26", zh)
    assert text == ("炼铁 · 一般置换比例 · 大气污染防治重点区域 最低置换比例 的核实状态为“二手来源”；"
                    "属于重点区域（京津冀大气污染传输通道“2+26”城市）；重点区域范围：京津冀大气污染传输通道“2+26”城市")


@pytest.mark.parametrize(("locale", "words"), [
    ("zh-CN", "京津冀大气污染传输通道“2+26”城市: 河北省唐山市；京津冀: 北京市"),
    ("en", "the “2+26” air-pollution transport cities of Beijing-Tianjin-Hebei: Tangshan, Hebei；Beijing-Tianjin-Hebei: Beijing"),
])
def test_region_set_members_are_places_in_words(locale: str, words: str) -> None:
    """A cited member of a region set (``130000/唐山``: a city of a province; ``110000``: a province) is named
    as a place (refdata.words.place_name), not by its code."""
    translator = load_catalogs().translator(locale)
    text = in_words("capacity_replacement/regions-2026.1:jjj_2p26.130000/唐山；"
                    "capacity_replacement/regions-2026.1:jingjinji.110000", translator)
    assert text == words
    assert "130000" not in text and "110000" not in text
