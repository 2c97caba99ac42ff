"""Words for the reference library's codes (issue #15 item 2): keys, cited values, datasets, units,
statuses and equipment ratings named from the vocabulary and the reference data."""

from __future__ import annotations

import re

import pytest

from greenmfg.refdata import load_catalog, load_vocabulary
from greenmfg.refdata.words import (
    dataset_name,
    in_words,
    key_name,
    place_name,
    rating_name,
    reference_name,
    romanized,
    status_name,
    unit_name,
)


@pytest.mark.parametrize(("key", "zh", "en"), [
    ("electrolytic_aluminium", "电解铝", "Electrolytic aluminium"),        # an industry
    ("aluminium_liquid", "电解铝", "Primary aluminium (liquid)"),          # an item
    ("steel_products", "钢材", "Finished steel"),
    ("refined_oil_products", "成品油", "Refined oil products"),
    ("steel_route", "钢铁生产流程（设施所属工序）", "Steel route (process of the facility)"),  # a facility attribute
    ("baseline_level", "基准水平", "Baseline level"),                         # a parameter
    ("grade_1", "1级", "Grade 1"),
])
def test_keys_are_named_from_the_reference_data(key: str, zh: str, en: str) -> None:
    assert key_name(key, zh=True) == zh
    assert key_name(key, zh=False) == en


def test_the_names_are_the_vocabularys_own() -> None:
    vocabulary = load_vocabulary()
    for key, item in list(vocabulary.items.items())[:40]:
        assert key_name(key, zh=True) == item.name_zh
    assert key_name("electrolytic_aluminium", zh=True) == vocabulary.industries["electrolytic_aluminium"]["name_zh"]
    assert key_name("no_such_key", zh=True) == "no_such_key"  # unknown: left as it is, so a check still finds it
    assert key_name(None, zh=True) == "—"


def test_units_statuses_and_ratings_in_words() -> None:
    assert unit_name("kgce/weight_box", zh=True) == "千克标准煤/重量箱"
    assert unit_name("kgce/weight_box", zh=False) == "kgce/weight box"
    assert unit_name("kgce/t", zh=False) == "kgce/t" and unit_name("kgce/t", zh=True) == "千克标准煤/吨"
    assert status_name("secondary", zh=True) == "二手来源" and status_name("recalled", zh=False) == "recalled, not verified"
    assert rating_name("oir.110kW.0.8MPa.air", zh=True) == "喷油螺杆空压机 110 kW 0.8 MPa 风冷"
    assert rating_name("oir.110kW.0.8MPa.liquid", zh=False) == "oil-injected rotary compressor 110 kW 0.8 MPa water-cooled"
    assert rating_name("4p.75kW", zh=True) == "4极 75 kW"
    assert rating_name("oil.1000kVA", zh=True) == "油浸式 1000 kVA"
    assert rating_name("chamber.natural_gas", zh=True) == "室燃锅炉 天然气"
    assert rating_name("layered.bituminous_II.le14MW", zh=True) == "层燃锅炉 Ⅱ类烟煤 ≤14 MW"
    assert rating_name("chamber.oil", zh=True) == "室燃锅炉 燃油"  # the fuel of a boiler, not an oil-immersed transformer


def test_cited_values_and_datasets_in_words() -> None:
    catalog = load_catalog()
    title = catalog.dataset("fuel_parameters/ndrc-steel-2013").info.title_zh
    assert reference_name("fuel_parameters/ndrc-steel-2013:coke.ncv", zh=True) == f"焦炭 低位发热量（{title}）"
    assert dataset_name("fuel_parameters/ndrc-steel-2013", zh=True) == f"{title}（ndrc-steel-2013）"
    assert reference_name("grid_factors/mee-nbs-2023:north.ef", zh=True).startswith("华北电网 排放因子（")
    english = reference_name("benchmarks/ndrc-2021-r2:flat_glass_float_gt800td.baseline_level", zh=False)
    assert english.startswith("Flat-glass") and "baseline level" in english and "_" not in english


def test_a_message_with_codes_reads_as_words() -> None:
    message = ("使用了未经原文核实的参数 fuel_parameters/ndrc-steel-2013:coke.ncv = 28.447 GJ/t（状态：secondary）；"
               "基准水平 benchmarks/ndrc-2021-r2:flat_glass_float_gt800td.baseline_level = 12.0 kgce/weight_box；"
               "未定义 steel_products；数据集 grid_factors/mee-nbs-2023")
    zh = in_words(message, zh=True)
    for code in ("fuel_parameters", "secondary", "baseline_level", "weight_box", "steel_products", "grid_factors/"):
        assert code not in zh, (code, zh)
    assert "焦炭 低位发热量" in zh and "二手来源" in zh and "重量箱" in zh and "钢材" in zh
    english = in_words("status: secondary; steel_products", zh=False)
    assert english == "status: secondary; Finished steel"  # "secondary" is a word in English


def test_every_equipment_rating_of_the_library_reads_as_words() -> None:
    """Each key of the equipment_efficiency datasets (motors, transformers, compressors, pumps, fans,
    boilers) in words: no snake_case, no bracketed range, no bare bound such as le14MW."""
    catalog = load_catalog()
    keys = [(d.id, key) for d in catalog.family("equipment_efficiency") for key in sorted({row.key for row in d})]
    assert len(keys) > 300
    for dataset_id, key in keys:
        for zh in (True, False):
            words = rating_name(key, zh=zh)
            assert not re.search(r"[a-z]_[a-z]|[\[\]]|\binf\b|\b(?:le|gt)\d|\bq\d", words), (dataset_id, key, words)
    assert rating_name("axial.hub[0.3,0.4).No[10,inf)", zh=True) == "轴流通风机 轮毂比 0.3–0.4 机号 ≥ 10"
    assert rating_name("double_suction.q50-600", zh=True) == "双吸离心泵 流量（m³/h） 50–600"


@pytest.mark.parametrize(("province", "city", "zh", "en"), [
    ("130000", "唐山", "河北省唐山市", "Tangshan, Hebei"),     # a city of the vocabulary
    ("110000", "北京", "北京市", "Beijing"),                  # a municipality: named once
    ("610000", "西安", "陕西省西安", "Xi'an, Shaanxi"),       # not in the vocabulary: as given / in pinyin
    ("130000", "雄安", "河北省雄安", "Xiong'an, Hebei"),
    ("440000", "东莞", "广东省东莞", "Dongguan, Guangdong"),
    ("130000", None, "河北省", "Hebei"),
])
def test_a_place_in_words(province: str, city: str | None, zh: str, en: str) -> None:
    assert (place_name(province, city, zh=True), place_name(province, city, zh=False)) == (zh, en)


def test_romanized_follows_the_pinyin_orthography() -> None:
    """GB/T 16159-2012: syllables written together, an apostrophe before a syllable starting with a, o, e."""
    assert [romanized(n) for n in ("定州", "六安", "西安", "济源", "Tangshan")] == [
        "Dingzhou", "Lu'an", "Xi'an", "Jiyuan", "Tangshan"]
