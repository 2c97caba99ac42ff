"""Names users write: the newest items edition, 碳/炭 twins, common spellings and did-you-mean by sound."""

from __future__ import annotations

import pytest

from greenmfg.refdata import (
    Catalog,
    Dataset,
    DatasetInfo,
    load_catalog,
    load_vocabulary,
    normalize_name,
)
from greenmfg.refdata import vocabulary as vocabulary_module
from greenmfg.refdata.vocabulary import Names, newest_edition

_SWAP = str.maketrans({"炭": "碳", "碳": "炭"})


def _info(edition: str) -> DatasetInfo:
    return DatasetInfo(id=f"vocabulary/{edition}", family="vocabulary", edition=edition, file="", title="",
                       title_zh="", publisher="", valid_from="", valid_to="", licence="", description="",
                       sha256="")


def test_the_newest_items_edition_is_used() -> None:
    assert load_vocabulary().items_dataset == "vocabulary/items-2026.3"
    # editions compare as numbers (2026.10 is newer than 2026.2), a revision beats its edition
    catalog = Catalog(Dataset(info=_info(e)) for e in ("items-2026.1", "items-2026.10", "items-2026.2-r2",
                                                       "industries-2027.1", "regions-gbt2260"))
    assert newest_edition(catalog, "items-") == "vocabulary/items-2026.10"
    assert newest_edition(catalog, "industries-") == "vocabulary/industries-2027.1"


@pytest.mark.parametrize(("older", "newer"), [("items-2026.1", "items-2026.2"), ("items-2026.2", "items-2026.3")])
def test_new_edition_keeps_every_item_and_spelling_of_the_old_one(older: str, newer: str) -> None:
    catalog = load_catalog()
    old = {r["key"]: r for r in catalog.dataset(f"vocabulary/{older}").records}
    new = {r["key"]: r for r in catalog.dataset(f"vocabulary/{newer}").records}
    assert list(new)[:len(old)] == list(old)
    names = load_vocabulary().item_names
    for key, row in old.items():
        same = ("name_zh", "name_en", "kind", "canonical_unit", "allowed_flows")
        assert {c: new[key][c] for c in same} == {c: row[c] for c in same}
        for spelling in [row["name_zh"], row["name_en"], *row["aliases"].split("|")]:
            assert not spelling or names.resolve(spelling) == key, spelling


def test_every_tan_spelling_has_its_twin() -> None:
    """炭 and 碳 are written for one another (全国科学技术名词审定委员会, 《关于"碳"与"炭"在科技术语中
    用法的意见》, 2006: 碳 for the element and its compounds, 炭 for carbon materials; trade usage
    mixes them). Every item spelling with either character is also listed with the other one."""
    rows = load_catalog().dataset(load_vocabulary().items_dataset).records
    names = load_vocabulary().item_names
    twins = 0
    for row in rows:
        listed = {row["name_zh"], *row["aliases"].split("|")}
        for spelling in listed:
            twin = spelling.translate(_SWAP)
            if twin != spelling:
                assert twin in listed, (row["key"], spelling)
                assert names.resolve(twin) == row["key"]
                twins += 1
    assert twins >= 40
    assert names.resolve("碳阳极") == names.resolve("炭阳极") == "carbon_anode"
    assert names.resolve("焦碳") == "coke" and names.resolve("碳黑") == "carbon_black"


@pytest.mark.parametrize(
    ("spelling", "key"),
    [("阳极炭块", "carbon_anode"), ("液化气", "lpg"), ("焦炉气", "coke_oven_gas"), ("高炉气", "blast_furnace_gas"),
     ("新鲜水", "fresh_water"), ("0#柴油", "diesel"), ("０＃柴油", "diesel"), ("Diesel Fuel", "diesel"),
     ("蒸气", "steam"), ("煤炭", "raw_coal"), ("天然 气", "natural_gas"), ("天然\u200b气", "natural_gas")],
)
def test_common_spellings(spelling: str, key: str) -> None:
    assert load_vocabulary().item_names.resolve(spelling) == key


def test_normalize_name_joins_chinese_split_by_spaces_only() -> None:
    assert normalize_name(" 天 然  气 ") == "天然气"
    assert normalize_name("企业编号 enterprise_id") == "企业编号 enterprise id"


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("烟媒", ["烟煤"]), ("天燃气", ["天然气"]), ("柴由", ["柴油"]), ("气油", ["汽油"]),
     ("碳阳级", ["炭阳极"]),  # the item's own name is shown, not the alias that sounded alike
     ("yanmei", ["烟煤"]), ("天然汽", ["天然气"])],
)
def test_suggestions_by_sound(typo: str, expected: list[str]) -> None:
    assert load_vocabulary().item_names.suggest(typo)[:len(expected)] == expected


def test_suggestions_show_each_item_once_by_its_name() -> None:
    suggested = load_vocabulary().item_names.suggest("电力力")
    assert suggested[0] == "电力" and len(suggested) == len({load_vocabulary().item_names.resolve(s) for s in suggested})
    assert load_vocabulary().region_names.suggest("河被") == ["河北省"]  # he bei sounds like 河北 only


def test_pinyin_is_worked_out_once_per_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = vocabulary_module.pinyin_keys

    def counting(text: str) -> tuple[str, str] | None:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(vocabulary_module, "pinyin_keys", counting)
    names = Names("item", [("bituminous_coal", ["烟煤", "bituminous coal"]), ("diesel", ["柴油", "diesel"])])
    assert calls == []  # nothing before a suggestion is asked for
    for _ in range(1000):
        assert names.suggest("烟媒") == ["烟煤"]
    assert names.suggest("柴由") == ["柴油"]
    # each distinct known spelling once (a key and a name spelled alike are one), then once per distinct typo
    assert sorted(calls) == sorted(["bituminous coal", "烟煤", "diesel", "柴油", "烟媒", "柴由"])
