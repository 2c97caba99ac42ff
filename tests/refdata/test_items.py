"""The item list (/reference/items): every item of the vocabulary, searched by name, pinyin or code."""

from __future__ import annotations

from fastapi.testclient import TestClient

from greenmfg.refdata.items import item_entries, search_items
from greenmfg.refdata.vocabulary import load_vocabulary
from tests.factories import PageSession, World, page_text


def _keys(query: str | None, kind: str | None = None) -> tuple[list[str], list[str]]:
    found, closest = search_items(query, kind)
    return [e.item.key for e in found], [e.item.key for e in closest]


def test_every_item_of_the_vocabulary_is_listed() -> None:
    assert [e.item.key for e in item_entries()] == list(load_vocabulary().items)
    coal = next(e for e in item_entries() if e.item.key == "bituminous_coal")
    assert (coal.pinyin, coal.initials) == ("yanmei", "ym") and "动力煤" in coal.aliases
    assert coal.measure is not None and coal.measure.name_zh == "质量"


def test_search_by_chinese_english_alias_pinyin_and_code() -> None:
    for query in ("烟煤", "Bituminous Coal", "动力煤", "yanmei", "YM", "bituminous_coal"):
        assert "bituminous_coal" in _keys(query)[0], query
    assert _keys("天然气")[0][0] == "natural_gas"


def test_a_mistyped_name_offers_the_closest_names() -> None:
    found, closest = _keys("烟媒")  # what an import error links to: the name as the file wrote it
    assert found == [] and closest[0] == "bituminous_coal"


def test_the_category_narrows_the_list() -> None:
    carriers, _ = _keys(None, "electricity")
    assert carriers == ["electricity"]
    assert all(load_vocabulary().item(k).kind == "fuel" for k in _keys("煤", "fuel")[0])
    assert len(_keys(None, "no such kind")[0]) == len(item_entries())  # an unknown category: every item


def test_the_item_list_page_in_both_languages(client: TestClient, world: World) -> None:
    steel = PageSession(client, "steel")
    page = steel.get("/reference/items?q=烟媒")
    assert page.status_code == 200
    text = page_text(page)
    assert "最接近的名称" in text and "烟煤" in text and "动力煤" in text and "燃料" in text
    assert "消耗" in text and "外购" in text and "质量：t、kg、吨、万吨" in text
    listed = page_text(steel.get("/reference/items?kind=steam"))
    assert "1 个品种" in listed and "蒸汽" in listed
    steel.language("en")
    text = page_text(steel.get("/reference/items?q=yanmei"))
    assert "Bituminous coal" in text and "Fuel" in text and "consumed" in text and "mass: t, kg, 10^4 t" in text
    assert "No item matches “zzzz”." in page_text(steel.get("/reference/items?q=zzzz"))
