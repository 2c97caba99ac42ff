"""The words of the reference library: what a key, a dataset, a cited value, a unit or a verification
status is called in Chinese and in English.

Pages, reports and workbooks show these words, never the keys (issue #15: words, not codes). Every
name comes from the reference data itself where it has one: items, industries and regions from the
vocabulary, indicators (product and variant) from ``indicators/``, facility attributes from
``facility_attributes/``, dataset titles from ``catalog.toml`` (``title``/``title_zh``). What the data
files have no column for is named here, once: the parameters of the parameter tables (``ncv``,
``grade_1`` …), the units and the verification statuses (``refdata/README.md``), and the parts of
an equipment rating key (``oir.110kW.0.8MPa.air``, the keys of ``equipment_efficiency/``, whose
meaning the datasets' notes give: GB 18613-2020, GB 19153-2019, GB 20052-2020, GB 24500-2020,
GB 19761-2020, GB 19762-2025).

:func:`in_words` rewrites the codes inside a message (a cited value ``dataset:key.parameter``, a
dataset id, a snake_case key, a status) so a message built for a log still reads as words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType

from greenmfg.refdata.catalog import load_catalog
from greenmfg.refdata.vocabulary import load_vocabulary

__all__ = ["GRID_NAMES", "PARAMETER_NAMES", "STATUS_NAMES", "UNIT_NAMES", "dataset_name", "in_words", "key_name",
           "parameter_name", "place_name", "rating_name", "reference_name", "romanized", "status_name", "unit_name"]

Pair = tuple[str, str]  # (Chinese, English)

#: verification status of a reference value (refdata/README.md)
STATUS_NAMES: Mapping[str, Pair] = MappingProxyType({
    "verified": ("已核验", "verified"), "definitional": ("定义值", "definitional"),
    "crosschecked": ("已交叉核对", "cross-checked"), "secondary": ("二手来源", "secondary source"),
    "uncertain": ("存疑", "uncertain"), "recalled": ("凭经验取值，未核验", "recalled, not verified"),
    "not_found": ("未找到原文", "not found"),
})

#: the parameters of the parameter tables (column ``parameter``)
PARAMETER_NAMES: Mapping[str, Pair] = MappingProxyType({
    "ncv": ("低位发热量", "net calorific value"), "carbon_content": ("单位热值含碳量", "carbon content"),
    "oxidation_rate": ("碳氧化率", "oxidation rate"), "ef": ("排放因子", "emission factor"),
    "fixed_ef": ("固碳排放因子", "carbon-fixing factor"), "coefficient": ("折标准煤系数", "standard coal coefficient"),
    "coefficient_equal_value": ("折标准煤系数（等价值）", "standard coal coefficient (equal value)"),
    "benchmark_level": ("标杆水平", "benchmark level"), "baseline_level": ("基准水平", "baseline level"),
    "grade_1": ("1级", "grade 1"), "grade_2": ("2级", "grade 2"), "grade_3": ("3级", "grade 3"),
    "ci_grade_1": ("1级", "grade 1"), "ci_grade_2": ("2级", "grade 2"), "ci_grade_3": ("3级", "grade 3"),
    "load_loss_grade_1": ("负载损耗（1级）", "load loss (grade 1)"),
    "load_loss_grade_2": ("负载损耗（2级）", "load loss (grade 2)"),
    "load_loss_grade_3": ("负载损耗（3级）", "load loss (grade 3)"),
    "no_load_loss_grade_1": ("空载损耗（1级）", "no-load loss (grade 1)"),
    "no_load_loss_grade_2": ("空载损耗（2级）", "no-load loss (grade 2)"),
    "no_load_loss_grade_3": ("空载损耗（3级）", "no-load loss (grade 3)"),
    "ef_cf4": ("CF4 排放因子", "CF4 emission factor"), "ef_c2f6": ("C2F6 排放因子", "C2F6 emission factor"),
    "gwp_cf4": ("CF4 全球增温潜势", "CF4 global warming potential"),
    "gwp_c2f6": ("C2F6 全球增温潜势", "C2F6 global warming potential"),
    "anode_ash": ("炭阳极灰分", "anode ash content"), "anode_sulfur": ("炭阳极硫分", "anode sulphur content"),
    "coef_grade_1": ("1级修正系数", "grade 1 correction coefficient"),
    "coef_grade_2": ("2级修正系数", "grade 2 correction coefficient"),
    "coef_grade_3": ("3级修正系数", "grade 3 correction coefficient"),
    "reference_ratio": ("基准比例", "reference ratio"), "reference_moisture": ("基准水分", "reference moisture"),
    "reference_pressure": ("基准压力", "reference pressure"), "threshold_altitude": ("海拔阈值", "altitude threshold"),
    "target_share": ("目标占比", "target share"), "target_year": ("目标年份", "target year"),
    "max_evaluations_per_year": ("每年评价数量上限", "evaluations a year at most"),
    "equipping_rate": ("配备率", "equipping rate"), "unit": ("进出用能单位", "enterprise boundary"),
    "secondary_unit": ("主要次级用能单位", "main secondary units"), "equipment": ("主要用能设备", "main equipment"),
    "evaluator": ("第三方评价机构", "third-party evaluator"),
    "green_factory_output_share": ("绿色工厂产值占比", "output share of green factories"),
    "ratio_min": ("最低置换比例", "minimum replacement ratio"),
    # the corrections of quota_corrections/ (GB 16780-2021, GB 21256-2025, GB 21342-2025)
    "altitude": ("海拔修正", "altitude correction"), "clinker_ratio": ("熟料配比修正", "clinker-ratio correction"),
    "bof_scrap": ("转炉废钢比修正", "converter scrap-ratio correction"),
    "eaf_hot_metal": ("电弧炉铁水比修正", "EAF hot-metal correction"), "oven_age": ("炉龄修正", "oven-age correction"),
    "stamp_charged_mixed_gas": ("捣固焦炉混合煤气加热修正", "stamp-charged oven mixed-gas correction"),
    "stamp_charged_moisture": ("捣固焦炉入炉煤水分修正", "stamp-charged oven coal-moisture correction"),
    "stamp_charged_volatile": ("捣固焦炉入炉煤挥发分修正", "stamp-charged oven coal-volatile correction"),
    "top_charged_mixed_gas": ("顶装焦炉混合煤气加热修正", "top-charged oven mixed-gas correction"),
    "top_charged_moisture": ("顶装焦炉入炉煤水分修正", "top-charged oven coal-moisture correction"),
    "top_charged_volatile": ("顶装焦炉入炉煤挥发分修正", "top-charged oven coal-volatile correction"),
    "wet_quenching": ("湿法熄焦修正", "wet-quenching correction"),
})

#: the regional grids of the MEE/NBS factor announcements (``grid_region`` of the regions vocabulary)
GRID_NAMES: Mapping[str, Pair] = MappingProxyType({
    "CN": ("全国电网", "national grid"), "north": ("华北电网", "North China grid"),
    "northeast": ("东北电网", "Northeast grid"), "east": ("华东电网", "East China grid"),
    "central": ("华中电网", "Central China grid"), "northwest": ("西北电网", "Northwest grid"),
    "south": ("南方电网", "China Southern grid"), "southwest": ("西南电网", "Southwest grid"),
})

#: unit symbols and their Chinese names (GB 3100/3101 names; 重量箱 of GB 21340 for flat glass)
UNIT_NAMES: Mapping[str, Pair] = MappingProxyType({
    "kgce": ("千克标准煤", "kgce"), "tce": ("吨标准煤", "tce"), "kgoe": ("千克标准油", "kgoe"),
    "t": ("吨", "t"), "weight_box": ("重量箱", "weight box"), "weight box": ("重量箱", "weight box"),
    "kWh": ("千瓦时", "kWh"), "MWh": ("兆瓦时", "MWh"), "GJ": ("吉焦", "GJ"), "TJ": ("太焦", "TJ"),
    "tCO2": ("吨二氧化碳", "tCO2"), "tCO2e": ("吨二氧化碳当量", "tCO2e"), "kgCO2": ("千克二氧化碳", "kgCO2"),
    "Nm3": ("标准立方米", "Nm3"), "m3": ("立方米", "m3"), "tC": ("吨碳", "tC"),
    # an activity index (1 in a scenario's base year: energy use without a product, greenmfg.pathways)
    "index": ("指数（基准年 = 1）", "index (base year = 1)"),
})

#: parts of an equipment rating key (``equipment_efficiency/`` datasets)
_RATING_PARTS: Mapping[str, Pair] = MappingProxyType({
    "oir": ("喷油螺杆空压机", "oil-injected rotary compressor"), "air": ("风冷", "air-cooled"),
    "liquid": ("水冷", "water-cooled"), "oil": ("油浸式", "oil-immersed"), "dry": ("干式", "dry-type"),
    "2p": ("2极", "2-pole"), "4p": ("4极", "4-pole"), "6p": ("6极", "6-pole"), "8p": ("8极", "8-pole"),
    "chamber": ("室燃锅炉", "chamber-fired boiler"), "fluidised": ("流化床锅炉", "fluidised-bed boiler"),
    "grate": ("层燃锅炉", "grate-fired boiler"), "biomass": ("生物质锅炉", "biomass boiler"),
    "electric": ("电加热锅炉", "electric boiler"), "natural_gas_condensing": ("天然气（冷凝式）", "natural gas (condensing)"),
    "coal": ("燃煤", "coal"), "centrifugal": ("离心通风机", "centrifugal fan"), "axial": ("轴流通风机", "axial fan"),
    "double_suction": ("双吸离心泵", "double-suction pump"), "inline": ("管道泵", "in-line pump"),
    "single_stage": ("单级离心泵", "single-stage pump"), "multistage": ("多级离心泵", "multistage pump"),
    "light_multistage_horizontal": ("轻型卧式多级泵", "light horizontal multistage pump"),
    "light_multistage_vertical": ("轻型立式多级泵", "light vertical multistage pump"),
    "formula": ("按公式", "by formula"), "gt": ("大于", "over"), "le": ("不大于", "up to"),
    "layered": ("层燃锅炉", "grate-fired boiler"), "single_suction": ("单吸离心泵", "single-suction pump"),
    "anthracite_II": ("Ⅱ类无烟煤", "anthracite class II"), "anthracite_III": ("Ⅲ类无烟煤", "anthracite class III"),
    "bituminous_I": ("Ⅰ类烟煤", "bituminous coal class I"), "bituminous_II": ("Ⅱ类烟煤", "bituminous coal class II"),
    "bituminous_III": ("Ⅲ类烟煤", "bituminous coal class III"), "lean": ("贫煤", "lean coal"),
    "lignite": ("褐煤", "lignite"),
})

_REF = re.compile(r"\b(?P<dataset>[a-z_]+/[A-Za-z0-9.\-]+?):(?P<key>[^\s:=,;，；（）()]+)\.(?P<parameter>[a-z][a-z0-9_]*)\b")
_DATASET_ID = re.compile(r"\b[a-z_]+/[a-z0-9]+(?:[.-][a-z0-9]+)+\b")
#: a snake_case key standing alone (a part of a dotted code is named only with the whole code)
_SNAKE = re.compile(r"(?<![A-Za-z0-9_]\.)\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\.[A-Za-z0-9_])")
_DOTTED_KEY = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\b")
_STATUS = re.compile(r"(?<![A-Za-z])(" + "|".join(sorted(STATUS_NAMES, key=len, reverse=True)) + r")(?![A-Za-z_])")
_RATING_TOKEN = re.compile(r"q\d+(?:\.\d+)?-\d+(?:\.\d+)?|[A-Za-z]+[\[(][^\])]*[\])]|(?:le|lt|ge|gt)\d+(?:\.\d+)?(?:MW|kW)\b|\d+(?:\.\d+)?(?:kW|kVA|MPa|MW|t)\b|\[[^\]]*\]|[A-Za-z_][A-Za-z0-9_]*|[^.]+")
#: the ranges of a fan or pump rating (GB 19761-2020: hub ratio, pressure coefficient, specific speed, fan
#: size number; GB 19762-2025: flow in m³/h)
_INTERVAL = re.compile(r"^(?P<name>[A-Za-z]+)[\[(](?P<low>[^,\])]+),(?P<high>[^\])]+)[\])]$")
_FLOW_RANGE = re.compile(r"^(?P<name>q)(?P<low>\d+(?:\.\d+)?)-(?P<high>\d+(?:\.\d+)?)$")
_INTERVAL_NAMES: Mapping[str, Pair] = MappingProxyType({
    "hub": ("轮毂比", "hub ratio"), "psi": ("压力系数", "pressure coefficient"), "ns": ("比转速", "specific speed"),
    "No": ("机号", "size No."), "q": ("流量（m³/h）", "flow (m³/h)"),
})
_BOUND = re.compile(r"^(?P<op>le|lt|ge|gt)(?P<value>\d+(?:\.\d+)?)(?P<unit>MW|kW|t/h)$")
_BOUNDS: Mapping[str, str] = MappingProxyType({"le": "≤", "lt": "<", "ge": "≥", "gt": ">"})
_QUANTITY = re.compile(r"^(?P<value>\d+(?:\.\d+)?)(?P<unit>kW|kVA|MPa|MW|t)$")


def _pick(pair: Pair, zh: bool) -> str:
    return pair[0] if zh else pair[1]


def _english(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


@functools.cache
def _records() -> dict[str, Pair]:
    """Every named key of the reference library → (Chinese, English), first name wins."""
    vocabulary = load_vocabulary()
    catalog = load_catalog()
    names: dict[str, Pair] = {}
    for item in vocabulary.items.values():
        names.setdefault(item.key, (item.name_zh, item.name_en))
    for key, record in vocabulary.industries.items():
        names.setdefault(key, (record["name_zh"], record["name_en"]))
    for family, zh_column, en_column in (("facility_attributes", "name_zh", "name_en"),
                                         ("methodologies", "name_zh", "name_en")):
        for dataset in catalog.family(family):
            for record in dataset.records:
                names.setdefault(record["key"], (record[zh_column], record[en_column]))
    for dataset in catalog.family("indicators"):
        for record in dataset.records:
            zh = record["name_zh"] + (f"（{record['variant_zh']}）" if record.get("variant_zh") else "")
            en = record["name_en"] + (f" ({record['variant_en']})" if record.get("variant_en") else "")
            names.setdefault(record["key"], (zh, en))
            if record.get("benchmark_key"):
                names.setdefault(record["benchmark_key"], (zh, en))
            if record.get("quota_key"):
                names.setdefault(record["quota_key"], (zh, en))
    for dataset in catalog.family("process_methods"):
        for record in dataset.records:
            names.setdefault(record["key"], (f"{record['process_name_zh']}（{record['method_name_zh']}）",
                                             f"{record['process_name_en']} ({record['method_name_en']})"))
            names.setdefault(record["process"], (record["process_name_zh"], record["process_name_en"]))
            names.setdefault(record["method"], (record["method_name_zh"], record["method_name_en"]))
    for key, pair in {**PARAMETER_NAMES, **_RATING_PARTS}.items():
        names.setdefault(key, pair)
    for dataset in catalog:  # a dataset family by itself (``fuel_parameters``): its first title
        names.setdefault(dataset.info.family, (dataset.info.title_zh or dataset.info.title, dataset.info.title))
    return names


def key_name(key: str | None, *, zh: bool) -> str:
    """The name of a key of the reference library (item, industry, indicator, attribute, parameter …);
    an em dash when empty, the key itself when the library does not name it."""
    if not key:
        return "—"
    pair = _records().get(key)
    if pair is None:
        return key
    return _pick(pair, zh) if zh else _english(pair[1])


def place_name(province: str | None, city: str | None = None, *, zh: bool) -> str:
    """A province (GB/T 2260 code, ``130000``) and city (as stored: ``唐山``, ``唐山市``, a code) in
    words: ``河北省唐山市`` / ``Tangshan, Hebei``; a part the vocabulary does not know is shown as given."""
    vocabulary = load_vocabulary()
    region = vocabulary.regions.get(province or "")
    record = vocabulary.cities.get(city or "") or vocabulary.city(city)
    province_words = (region["name_zh"] if zh else region["name_en"]) if region else (province or "")
    city_words = (record["name_zh"] if zh else record["name_en"]) if record else (city or "")
    if not record and city and not zh:
        city_words = romanized(city)
    if record and region and record["name_zh"] == region["name_zh"]:  # a municipality: 北京市, not 北京市北京市
        city_words = ""
    if zh:
        return f"{province_words}{city_words}" or "—"
    return ", ".join(part for part in (city_words, province_words) if part) or "—"


def romanized(name: str) -> str:
    """A Chinese place name the vocabulary does not list in Hanyu Pinyin, as Chinese places are named in
    English: syllables joined, an apostrophe before one starting with a, o or e (GB/T 16159-2012 隔音符号),
    the first letter capital (``西安`` → ``Xi'an``, ``定州`` → ``Dingzhou``); a name without Chinese
    characters is returned as it is."""
    if not re.search(r"[\u3400-\u9fff]", name):
        return name
    from pypinyin import lazy_pinyin  # imported here: only an unlisted city needs it

    syllables = [s for s in lazy_pinyin(name.strip()) if s.strip()]
    text = "".join(("'" if index and s[:1] in "aoe" else "") + s for index, s in enumerate(syllables))
    return text[:1].upper() + text[1:]


def parameter_name(parameter: str, *, zh: bool) -> str:
    """The name of a parameter of a parameter table (``ncv`` → 低位发热量)."""
    pair = PARAMETER_NAMES.get(parameter)
    if pair is None:
        return key_name(parameter, zh=zh)
    return _pick(pair, zh)


def status_name(status: str | None, *, zh: bool) -> str:
    """A verification status in words (``secondary`` → 二手来源)."""
    if not status:
        return "—"
    pair = STATUS_NAMES.get(status)
    return _pick(pair, zh) if pair else status


def unit_name(unit: str | None, *, zh: bool) -> str:
    """A unit in the page's language: ``kgce/weight_box`` → 千克标准煤/重量箱 (zh), kgce/weight box (en)."""
    if not unit:
        return ""
    parts = re.split(r"(/|·|\*)", unit)
    out = []
    for part in parts:
        pair = UNIT_NAMES.get(part.strip())
        out.append(_pick(pair, zh) if pair and (zh or "_" in part) else part)
    return "".join(out)


def rating_name(key: str, *, zh: bool) -> str:
    """An equipment rating key in words: ``oir.110kW.0.8MPa.air`` → 喷油螺杆空压机 110 kW 0.8 MPa 风冷."""
    words = []
    tokens = _RATING_TOKEN.findall(key)
    boiler = bool(tokens) and tokens[0] in ("chamber", "layered", "fluidised", "biomass")
    for part in tokens:
        quantity = _QUANTITY.match(part)
        bound = _BOUND.match(part)
        interval = _INTERVAL.match(part) or _FLOW_RANGE.match(part)
        if interval and interval["name"] in _INTERVAL_NAMES:
            low, high = interval["low"], interval["high"]
            span = f"≥ {low}" if high == "inf" else f"{low}–{high}"
            words.append(f"{_pick(_INTERVAL_NAMES[interval['name']], zh)} {span}")
        elif quantity:
            words.append(f"{quantity['value']} {quantity['unit']}")
        elif bound:
            words.append(f"{_BOUNDS[bound['op']]}{bound['value']} {bound['unit']}")
        elif boiler and part == "oil":
            words.append(_pick(("燃油", "oil-fired"), zh))
        elif part in _RATING_PARTS:
            words.append(_pick(_RATING_PARTS[part], zh))
        else:
            name = key_name(part, zh=zh)
            words.append(name if name != part else part.replace("_", " "))
    return " ".join(words)


def dataset_name(dataset_id: str | None, *, zh: bool) -> str:
    """A dataset edition by its title (``catalog.toml``) and edition: 燃料参数（ndrc-steel-2013）."""
    if not dataset_id:
        return "—"
    catalog = load_catalog()
    if dataset_id not in catalog:
        family = dataset_id.partition("/")[0]
        return key_name(family, zh=zh) if family != dataset_id else dataset_id
    info = catalog.dataset(dataset_id).info
    title = (info.title_zh or info.title) if zh else info.title
    return f"{title}（{info.edition}）" if zh else f"{title} ({info.edition})"


def _title(dataset_id: str, zh: bool) -> str:
    """The title a cited value is named by: the dataset's title without the edition."""
    catalog = load_catalog()
    if dataset_id not in catalog:
        return dataset_name(dataset_id, zh=zh)
    info = catalog.dataset(dataset_id).info
    return (info.title_zh or info.title) if zh else info.title


def reference_name(reference: str, *, zh: bool) -> str:
    """A cited value ``dataset:key.parameter`` in words: 焦炭 低位发热量（燃料参数 ndrc-steel-2013）."""
    match = _REF.fullmatch(reference.strip())
    if match is None:
        return reference
    return _reference(match, zh)


def _reference(match: re.Match[str], zh: bool) -> str:
    dataset, key, parameter = match["dataset"], match["key"], match["parameter"]
    family = dataset.partition("/")[0]
    if family == "process_methods":  # a method key is <industry>.<process>.<method>: named as a whole
        return f"{key_name(f'{key}.{parameter}', zh=zh)}（{_title(dataset, zh)}）" if zh else \
            f"{key_name(f'{key}.{parameter}', zh=zh)} ({_title(dataset, zh)})"
    if family == "equipment_efficiency":
        subject = rating_name(key, zh=zh)
    elif family == "grid_factors":
        region = load_vocabulary().regions.get(key)
        grid = GRID_NAMES.get(key)
        subject = (region["name_zh"] if zh else region["name_en"]) if region else (_pick(grid, zh) if grid else key)
    else:
        subject = in_words(key.replace(".", " "), zh=zh) if "." in key else key_name(key, zh=zh)
    what = f"{subject} {parameter_name(parameter, zh=zh)}"
    source = _title(dataset, zh)
    return f"{what}（{source}）" if zh else f"{what} ({source})"


def in_words(text: object, *, zh: bool) -> str:
    """``text`` with the codes in it named: cited values, dataset ids, keys and (in Chinese) statuses.

    A code the library does not name is left as it is, so a check for codes still finds it.
    """
    if text is None:
        return ""
    out = _REF.sub(lambda m: _reference(m, zh), str(text))
    out = _DATASET_ID.sub(lambda m: dataset_name(m.group(0), zh=zh) if m.group(0) in load_catalog() else m.group(0),
                          out)
    if zh:
        out = _STATUS.sub(lambda m: status_name(m.group(1), zh=True), out)
    out = _DOTTED_KEY.sub(lambda m: key_name(m.group(0), zh=zh) if m.group(0) in _records() else m.group(0), out)
    out = _SNAKE.sub(lambda m: _snake(m.group(0), zh), out)
    return out


def _snake(key: str, zh: bool) -> str:
    if key in UNIT_NAMES:
        return unit_name(key, zh=zh)
    return key_name(key, zh=zh)
