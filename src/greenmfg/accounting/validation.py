"""Validate located activity rows and turn them into canonical activity data.

Names, units, flows, periods, industries and regions are resolved once per *distinct* text in
Python (so that messages can suggest close names), then joined to the rows as small tables: one
code path handles ten rows or ten million. Every problem becomes an :class:`~greenmfg.errors.Issue`
naming file, sheet, row and column; if there is any, nothing is computed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from greenmfg.accounting.plans import Planner, StoredValues
from greenmfg.accounting.reader import ActivitySource
from greenmfg.accounting.template_spec import COLUMNS
from greenmfg.calc.accounting import CLINKER_ITEM, CLINKER_OXIDES, PFC_INPUTS, PFC_ITEM
from greenmfg.calc.steam import (
    FEED_WATER_ENTHALPY_GJ_PER_T,
    FEED_WATER_ENTHALPY_KJ_PER_KG,
    MAX_STEAM_ENTHALPY_KJ_PER_KG,
    steam_state,
)
from greenmfg.errors import Issue, UnitError, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.refdata.vocabulary import FLOW_NAMES, FLOWS, Item, Names, Vocabulary
from greenmfg.units import Measure, conversion_factor, display_unit, measure_of

# The lookups, rules and canonical columns named here beside validate_activity are shared
# with its fast path, greenmfg.accounting.screening (the same rules, screened while the input is accounted).
__all__ = [
    "MAX_LISTED_ISSUES", "SINGLE_TEXTS", "TEXT_RULES", "Maps", "canonical_columns", "canonical_quantity",
    "distinct_keys", "distinct_lines", "duplicate_key", "formula_like_column", "id_rules", "looked_up",
    "normalize_period", "stripped", "stripped_ids", "validate_activity", "value_rules",
]

#: At most this many issues are listed; all are counted.
MAX_LISTED_ISSUES = 1000

#: units to offer (English, Chinese) for a canonical unit whose measure's examples would mislead
_UNIT_HINTS = {
    "weight box": ("weight box, t", "重量箱、t、吨"),
}
_NCV_TARGET = {"fuel": "GJ/{unit}", "steam": "GJ/{unit}"}
_CARBON_TARGET = {"fuel": "tC/GJ", "carbon_material": "tC/{unit}"}
_PERIOD_PATTERNS = (
    re.compile(r"^(\d{4})$"),
    re.compile(r"^(\d{4})年$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
)


def normalize_period(text: object) -> str | None:
    """``'YYYY'`` or ``'YYYY-MM'`` for an accepted period spelling, else None.

    Accepted: 2024, 2024-01, 2024-1, 2024/01, 2024.01, 202401, 2024年, 2024年1月.
    """
    s = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    for pattern in _PERIOD_PATTERNS:
        match = pattern.match(s)
        if not match:
            continue
        year = int(match.group(1))
        if not 1990 <= year <= 2100:
            return None
        if match.lastindex == 1:
            return f"{year:04d}"
        month = int(match.group(2))
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
    return None


@dataclass(frozen=True)
class _Rule:
    code: str
    column: str
    message: str
    message_zh: str
    fix: str
    fix_zh: str


# Messages name a column as the file headed it ({col}: 数量, or quantity in an English template;
# {n_<column>}/{z_<column>}: any other column, English/Chinese) and say what is wrong and how to
# fix it in words a factory's staff use: no unit-library terms, flows and units named, no commands.
_RULES = {r.code: r for r in (
    _Rule("accounting.input.missing_value", "{column}", 'the cell under "{col}" is empty', "“{col_zh}”为空",
          'fill in "{col}" in this row', "请在本行填写“{col_zh}”"),
    _Rule("accounting.input.formula_text", "{column}",
          '"{value}" under "{col}" starts with = + - or @: a spreadsheet would run it as a formula',
          "“{col_zh}”中的“{value}”以 = + - 或 @ 开头，电子表格会把它当作公式执行",
          "rename it so that it starts with a letter, digit or Chinese character (e.g. remove the leading sign)",
          "请修改名称，使其以字母、数字或汉字开头（例如去掉开头的符号）"),
    _Rule("accounting.input.unknown_item", "item", 'unknown item "{value}"{suggest}',
          "无法识别的品种“{value}”{suggest_zh}",
          "write the item's Chinese or English name as the item list gives it (the Item list page, or the "
          "lists sheet of the blank template)",
          "请填写品种目录中的中文或英文名称（见“品种目录”页面，或空白模板的“选项”工作表）"),
    _Rule("accounting.input.unknown_flow", "flow", 'unknown flow "{value}"', "无法识别的流向“{value}”",
          "write one of: {flows}", "请填写以下之一：{flows_zh}"),
    _Rule("accounting.input.flow_not_allowed", "flow", '{item_en} cannot have the flow "{value}"',
          "{item_zh}不能使用流向“{value}”", "for {item_en} use one of: {allowed}", "{item_zh}可用的流向：{allowed_zh}"),
    _Rule("accounting.input.unit_mismatch", "unit", "{reason}", "{reason_zh}",
          "use a unit of {needed} such as {examples}", "请使用{needed_zh}单位，如 {examples_zh}"),
    _Rule("accounting.input.not_a_number", "{column}", '"{value}" under "{col}" is not a number',
          "“{col_zh}”中的“{value}”不是数字", "write a plain number such as 1200.5 (no units or text)",
          "请填写数字，如 1200.5（不含单位或文字）"),
    _Rule("accounting.input.negative_quantity", "quantity", '"{col}" {value} is negative',
          "“{col_zh}”{value} 为负数",
          'give quantities as positive numbers; for energy supplied outside use the flow "exported" (输出)',
          "数量应为正数；向外供出的能源请使用流向“输出”"),
    _Rule("accounting.input.bad_period", "period", 'period "{value}" is neither a year nor a month',
          "期间“{value}”格式不正确", "write the period as 2024 (a year) or 2024-03 (a month)",
          "请写成 2024（年度）或 2024-03（月度）"),
    _Rule("accounting.input.unknown_industry", "industry", 'unknown industry "{value}"{suggest}',
          "无法识别的行业“{value}”{suggest_zh}", "write the industry's name, such as {industries}",
          "请填写行业名称，如 {industries_zh}"),
    _Rule("accounting.input.unknown_region", "region", 'unknown province "{value}"{suggest}',
          "无法识别的省份“{value}”{suggest_zh}",
          "give the province's code (GB/T 2260, e.g. 320000) or its name (江苏)",
          "请填写省级行政区划代码（如 320000）或省份名称（如 江苏）"),
    _Rule("accounting.input.parameter_not_applicable", "{column}",
          '"{col}" is given for {item_en}, which takes no such value',
          "{item_zh}不需要填写“{col_zh}”", 'leave "{col}" empty in this row', "请将本行的“{col_zh}”留空"),
    _Rule("accounting.input.parameter_unit", "{column}", "{reason}", "{reason_zh}",
          "give a unit of {needed} such as {examples}", "请填写{needed_zh}单位，如 {examples_zh}"),
    _Rule("accounting.input.parameter_range", "{column}", '"{col}" {value} is out of range',
          "“{col_zh}”{value} 超出合理范围", "{range_fix}", "{range_fix_zh}"),
    _Rule("accounting.input.steam_state", "{column}", "{reason}", "{reason_zh}",
          'give the steam\'s absolute pressure [MPa] under "{n_steam_pressure}" (and its temperature [°C] under '
          '"{n_steam_temperature}" if superheated), or its measured enthalpy under "{n_ncv}"',
          "请填写蒸汽绝对压力“{z_steam_pressure}”（MPa；过热蒸汽再填“{z_steam_temperature}”，°C），"
          "或在“{z_ncv}”列填写实测焓值"),
    _Rule("accounting.input.steam_state_missing", "ncv",
          "steam has no state: its heat for emissions is mass × (enthalpy − 83.74 kJ/kg) (NDRC GHG "
          "accounting guidelines), and no guideline gives a default enthalpy",
          "蒸汽未给出状态：排放按 质量 ×（焓值 − 83.74 kJ/kg）计算（发改委温室气体核算指南），指南未给出缺省焓值",
          'give the measured enthalpy under "{n_ncv}" (e.g. 2756 kJ/kg), or the absolute pressure under '
          '"{n_steam_pressure}" (MPa; saturated steam) and, if superheated, the temperature under '
          '"{n_steam_temperature}" (°C)',
          "请在“{z_ncv}”列填写实测焓值（如 2756 kJ/kg），或填写“{z_steam_pressure}”（绝对压力 MPa，饱和蒸汽）"
          "及过热蒸汽的“{z_steam_temperature}”（°C）"),
    _Rule("accounting.input.steam_two_states", "steam_pressure",
          'steam has both a measured enthalpy ("{n_ncv}") and a pressure or temperature: they may disagree',
          "蒸汽同时给出了实测焓值（“{z_ncv}”）和压力/温度，二者可能不一致",
          "keep one: the measured enthalpy, or the pressure (and temperature)",
          "只保留一种：实测焓值，或蒸汽压力（及温度）"),
    _Rule("accounting.input.clinker_oxide_missing", "{column}",
          'the clinker\'s "{col}" is empty while its other oxide contents are given: the clinker emission '
          "factor (CaO − CaO non-carbonate) × 44/56 + (MgO − MgO non-carbonate) × 44/40 (GB/T 32151.8-2015) "
          "needs both the CaO and the MgO content",
          "熟料的“{col_zh}”为空，但填写了其他氧化物含量：熟料排放因子 =（CaO − 非碳酸盐CaO）× 44/56 +"
          "（MgO − 非碳酸盐MgO）× 44/40（GB/T 32151.8-2015），需同时填写 CaO 和 MgO 含量",
          'give the measured "{col}" (0 if there is none), or leave all clinker oxide columns empty to use the '
          "default factor",
          "请填写实测的“{col_zh}”（没有则填 0），或将熟料氧化物各列都留空以使用缺省排放因子"),
    _Rule("accounting.input.pfc_input_missing", "{column}",
          'the aluminium\'s "{col}" is empty while its anode-effect overvoltage or current efficiency is given: the '
          "overvoltage method E_CF4 = OVC × AEO / CE × P (IPCC 2006 Vol.3 Ch.4, eq. 4.27) needs both",
          "铝液的“{col_zh}”为空，但填写了阳极效应过电压或电流效率：过电压法 E_CF4 = OVC × AEO / CE × P"
          "（IPCC 2006 第3卷第4章 式4.27）需同时填写两者",
          'give the measured "{col}", or leave both empty (the anode-effect minutes, or the default factor, '
          "then apply)",
          "请填写实测的“{col_zh}”，或两者都留空（此时采用阳极效应持续时间或缺省排放因子）"),
    _Rule("accounting.input.clinker_non_carbonate", "{column}",
          '"{col}" {value} is larger than the clinker\'s "{total_col}" {total}',
          "“{col_zh}”{value} 大于熟料的“{total_col_zh}”{total}",
          "the non-carbonate part is a part of the clinker's content: check both values and their % signs",
          "非碳酸盐来源部分是熟料中含量的一部分，不能大于总含量：请核对两个数值及其 % 号"),
    _Rule("accounting.input.duplicate_row", "item",
          "duplicate row: same enterprise, facility, period, item, flow and measured values as row {first}",
          "重复行：与第 {first} 行的企业、设施、期间、品种、流向和实测参数相同",
          "delete the duplicate, or merge the quantities into one row",
          "删除重复行，或将数量合并为一行"),
    _Rule("accounting.input.inconsistent_enterprise", "{column}",
          'enterprise {enterprise} has "{col}" "{value}" here but "{other}" in row {first}',
          "企业 {enterprise} 的“{col_zh}”在此为“{value}”，在第 {first} 行为“{other}”",
          'give the enterprise one "{col}" in every row', "同一企业各行的“{col_zh}”应一致"),
    _Rule("accounting.input.mixed_periods", "period",
          'facility {facility} mixes years and months ("{value}" and "{other}" in row {first})',
          "设施 {facility} 同时使用年度和月度期间（“{value}”与第 {first} 行的“{other}”）",
          "use either years (2024) or months (2024-03) for one facility, not both",
          "同一设施请统一使用年度（2024）或月度（2024-03）期间"),
)}


def _suggestion(names: Names, value: str) -> tuple[str, str]:
    close = names.suggest(value)
    if not close:
        return "", ""
    quoted = [f'"{c}"' for c in close]
    english = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"; did you mean {english}?", f"；您是否要填写{'、'.join(f'“{c}”' for c in close)}？"


#: Texts that are looked up: joined to the rows by their raw spelling (nulls included), so that
#: no row is stripped or normalised one by one; each distinct spelling is resolved once here.
_LINE_TEXTS = ("item", "unit", "flow", "ncv_unit", "carbon_content_unit")
#: Steam state numbers (absolute pressure [MPa], temperature [°C]): each distinct pair is turned into
#: an enthalpy (IAPWS-IF97) once, in Python, and joined to the rows as a small table.
_STEAM_NUMBERS = ("steam_pressure_number", "steam_temperature_number")
#: Texts with one value per row that are looked up by their distinct spellings (not per line).
SINGLE_TEXTS = ("industry", "region", "period")
_ID_COLUMNS = ("enterprise_id", "enterprise_name", "facility_id")
#: identifiers starting like a spreadsheet formula are refused (see greenmfg.exports)
_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
#: Bits of an int64 used by the duplicate screen (the sign bit stays clear).
_BITS_PER_WORD = 63
#: Typed, nullable columns of the line map (the rest are strings).
_LINE_TYPES = {"flow_allowed": "boolean", "ncv_kind": "boolean", "carbon_kind": "boolean", "fuel_kind": "boolean",
               "unit_factor": "float64", "ncv_factor": "float64", "cc_factor": "float64", "set_code": "int64"}


def stripped(column: ir.StringValue) -> ir.StringValue:
    """A text column without surrounding blanks, empty text as null (how identifiers are compared)."""
    return column.strip().nullif("")


def distinct_lines(raw: ir.Table) -> ir.Table:
    """The distinct spellings of the line texts (item, unit, flow, parameter units) as read, each
    with its stripped copy (``s_*``), and with the steam state numbers of the rows that have them."""
    combos = raw.select(*_LINE_TEXTS, *_STEAM_NUMBERS).distinct()
    return combos.mutate(**{f"s_{c}": stripped(combos[c]) for c in _LINE_TEXTS})


def distinct_keys(raw: ir.Table) -> ir.Table:
    """The distinct (industry, region, period) spellings as read, each with its stripped copy."""
    triples = raw.select(*SINGLE_TEXTS).distinct()
    return triples.mutate(**{f"s_{c}": stripped(triples[c]) for c in SINGLE_TEXTS})


class Maps:
    """Distinct-text lookups, resolved in Python and shipped to the engine as small tables.

    ``lines`` (item, unit, flow and parameter units), ``industries``, ``regions`` and ``periods``
    are keyed by the raw text(s) as read (``k_*`` columns, null for an empty cell) and carry the
    stripped text under the column's own name, what it resolves to and ``<table>_ok`` (it passes
    the text rules on those columns). They also number what rows are grouped by: each valid
    industry, region and period key (``keys``: the keys in order of their numbers) and each
    parameter set (``set_keys``), and give each valid (item, flow) its bits for the duplicate
    screen (``dup_plain_<w>``, ``dup_measured_<w>``).
    """

    def __init__(self, raw: ir.Table, vocabulary: Vocabulary,
                 put: Callable[[str, pa.Table], ir.Table] | None = None) -> None:
        # a few cheap scans of the (dictionary-encoded) text columns: a few thousand values at most
        self._build(distinct_lines(raw).to_pyarrow().to_pylist(), distinct_keys(raw).to_pyarrow(), vocabulary, put)

    @classmethod
    def from_distinct(cls, combos: list[dict[str, object]], triples: pa.Table, vocabulary: Vocabulary,
                      put: Callable[[str, pa.Table], ir.Table]) -> Maps:
        """The maps of the distinct spellings already read: ``combos`` of the line texts (with
        ``s_*`` stripped copies), ``triples`` of industry, region and period (likewise)."""
        maps = cls.__new__(cls)
        maps._build(combos, triples, vocabulary, put)
        return maps

    def _build(self, combos: list[dict[str, object]], triples: pa.Table, vocabulary: Vocabulary,
               put: Callable[[str, pa.Table], ir.Table] | None) -> None:
        def table(name: str, data: Mapping[str, Sequence[object]], schema: dict[str, str]) -> ir.Table:
            arrow = pa.table(data, schema=ibis.schema(schema).to_pyarrow())
            return put(name, arrow) if put is not None else ibis.memtable(arrow)

        resolve = _LineResolver(vocabulary)
        spellings = {tuple(combo[c] for c in _LINE_TEXTS): combo for combo in combos}
        lines = [resolve(combo) for combo in spellings.values()]
        self.steam = table("greenmfg_map_steam", *_steam_map(combos))
        resolvers: dict[str, Callable[[object], str | None]] = {
            "industry": vocabulary.industry_names.resolve, "region": vocabulary.region_names.resolve,
            "period": normalize_period,
        }
        # industry, region and period together: a few hundred combinations, split here
        singles: dict[str, list[tuple[object, object, str | None]]] = {}  # raw text, stripped, key
        for column in SINGLE_TEXTS:
            spellings = dict(zip(triples.column(column).to_pylist(), triples.column(f"s_{column}").to_pylist(),
                                 strict=True))
            singles[column] = [(text, s, resolvers[column](s) if s is not None else None)
                               for text, s in sorted(spellings.items(), key=repr)]

        codes = {column: {k: code for code, k in enumerate(sorted({k for _, _, k in rows if k}))}
                 for column, rows in singles.items()}
        self.keys = {column: list(code) for column, code in codes.items()}
        #: years of the valid periods in the input (for year-dependent parameters)
        self.years = sorted({int(k[:4]) for k in codes["period"]})
        #: whether annual and monthly periods both occur in the input
        self.mixed_periods = len({len(k) for k in codes["period"]}) > 1
        #: raw flow texts that mean 'produced' (to read only product lines)
        self.produced_flows = sorted({str(r["k_flow"]) for r in lines if r["flow_key"] == "produced"})
        year_code = {year: code for code, year in enumerate(self.years)}
        self.set_shape = (max(len(codes["industry"]), 1), max(len(codes["region"]), 1), max(len(year_code), 1))
        industries, regions, years = self.set_shape

        self.set_keys = self._set_keys(self._number_lines(lines), codes["industry"], codes["region"], year_code,
                                       vocabulary, table)
        for row in lines:  # the set number's part that the line's spelling decides (see _parameter_set)
            row["set_base"] = (None if row["set_code"] is None
                               else int(row["set_code"]) * industries * regions * years * _SET_BITS)  # type: ignore[call-overload]
        names = [*(f"k_{c}" for c in _LINE_TEXTS), *_LINE_TEXTS, "item_key", "flow_key", "kind",
                 "canonical_unit", "flow_allowed", "ncv_kind", "carbon_kind", "fuel_kind",
                 *(f"{p}_{c}" for p in ("unit", "ncv", "cc") for c in ("factor", "reason", "target")),
                 "set_code", "set_base",
                 *(f"dup_{kind}_{w}" for kind in ("plain", "measured") for w in range(self.duplicate_words))]
        # the verdict columns are Ibis expressions that only a plan being compiled reads: built
        # on first use (a run whose plans are compiled already never builds them)
        self._unjudged: dict[str, ir.Table] = {}
        self._unjudged["lines"] = (table(
            "greenmfg_map_lines", {n: [r[n] for r in lines] for n in names},
            {n: "int64" if n.startswith("dup_") or n == "set_base" else _LINE_TYPES.get(n, "string") for n in names}))
        self.produced = table("greenmfg_map_produced", {"k_flow": list(self.produced_flows)}, {"k_flow": "string"})

        for column, rows in singles.items():
            data: dict[str, list[object]] = {
                f"k_{column}": [r[0] for r in rows], column: [r[1] for r in rows],
                f"{column}_key": [r[2] for r in rows], f"{column}_code": [codes[column].get(r[2] or "") for r in rows]}
            schema = {f"k_{column}": "string", column: "string", f"{column}_key": "string", f"{column}_code": "int64"}
            if column == "period":
                years_of: list[int | None] = [int(r[2][:4]) if r[2] else None for r in rows]
                data |= {"year": list(years_of), "year_code": [year_code.get(y) if y else None for y in years_of]}
                data["year_base"] = [None if c is None else c * _SET_BITS for c in data["year_code"]]  # type: ignore[operator]
                schema |= {"year": "int32", "year_code": "int64", "year_base": "int64"}
            if column == "region":
                data["region_base"] = [None if c is None else c * years * _SET_BITS for c in data["region_code"]]  # type: ignore[operator]
                schema |= {"region_base": "int64"}
            if column == "industry":
                data["industry_base"] = [None if c is None else c * regions * years * _SET_BITS  # type: ignore[operator]
                                         for c in data["industry_code"]]
                schema |= {"industry_base": "int64"}
            self._unjudged[column] = table(f"greenmfg_map_{column}", data, schema)
        #: per industry, region and period: the number of each key (``code``) and the key
        self.key_tables = {column: table(f"greenmfg_keys_{column}", {"code": list(range(len(keys))), "key": keys},
                                         {"code": "int64", "key": "string"})
                           for column, keys in self.keys.items()}

    def _number_lines(self, lines: list[dict[str, object]]) -> list[tuple[object, object, object]]:
        """Give each valid line spelling its ``set_code`` (its (item, flow, unit) among those of the
        input) and its duplicate-screen bits: one bit per (item, flow) for rows without measured
        parameters and one for rows with some, spread over 63-bit words. Returns the triples."""
        triples = sorted({(r["item_key"], r["flow_key"], r["unit"]) for r in lines if r["valid_line"]}, key=repr)
        set_code = {triple: code for code, triple in enumerate(triples)}
        pairs = sorted({(r["item_key"], r["flow_key"]) for r in lines if r["valid_line"]}, key=repr)
        pair_code = {pair: code for code, pair in enumerate(pairs)}
        self.duplicate_words = max(1, -(-2 * len(pairs) // _BITS_PER_WORD))
        for row in lines:
            valid = bool(row["valid_line"])
            row["set_code"] = set_code.get((row["item_key"], row["flow_key"], row["unit"])) if valid else None
            code = pair_code[(row["item_key"], row["flow_key"])] if valid else -1
            for offset, kind in enumerate(("plain", "measured")):
                word, bit = divmod(code + offset * len(pairs), _BITS_PER_WORD)
                for w in range(self.duplicate_words):
                    row[f"dup_{kind}_{w}"] = 1 << bit if valid and w == word else 0
        return triples

    @functools.cached_property
    def lines(self) -> ir.Table:
        return self._with_verdict("lines", self._unjudged["lines"])

    @functools.cached_property
    def industries(self) -> ir.Table:
        return self._with_verdict("industry", self._unjudged["industry"])

    @functools.cached_property
    def regions(self) -> ir.Table:
        return self._with_verdict("region", self._unjudged["region"])

    @functools.cached_property
    def periods(self) -> ir.Table:
        return self._with_verdict("period", self._unjudged["period"])

    @staticmethod
    def _with_verdict(name: str, table: ir.Table) -> ir.Table:
        """``table`` with ``{name}_ok``: its spelling passes every text rule on its columns."""
        return table.mutate(**{f"{name}_ok": ~ibis.or_(*TEXT_RULES[name](table).values())})

    def _set_keys(self, triples: Sequence[tuple[object, ...]], industry_code: dict[str, int],
                  region_code: dict[str, int], year_code: dict[int, int], vocabulary: Vocabulary,
                  table: Callable[[str, Mapping[str, Sequence[object]], dict[str, str]], ir.Table]) -> ir.Table:
        """Every parameter set a valid row can have, numbered as :func:`_parameter_set` numbers rows."""
        industries, regions, years = self.set_shape
        columns: dict[str, list[object]] = defaultdict(list)
        for code, (item_key, flow_key, unit) in enumerate(triples):
            item = vocabulary.item(str(item_key))
            measurable = (item.kind in _NCV_TARGET, item.kind in _CARBON_TARGET, item.kind == "fuel",
                          item_key == CLINKER_ITEM and flow_key == "produced",
                          item_key == PFC_ITEM and flow_key == "produced",
                          item_key == PFC_ITEM and flow_key == "produced")
            for industry, i in industry_code.items():
                for region, r in region_code.items():
                    for year, y in year_code.items():
                        for bits in range(_SET_BITS):
                            given = [bool(bits & (1 << b)) for b in range(len(_MEASURED_FLAGS))]
                            if any(g and not m for g, m in zip(given, measurable, strict=True)):
                                continue  # a row giving that parameter fails a rule
                            values = {
                                "parameter_set": (((code * industries + i) * regions + r) * years + y) * _SET_BITS + bits,
                                "item": item_key, "kind": item.kind, "flow": flow_key, "unit": item.canonical_unit,
                                "unit_input": unit, "industry": industry, "region": region, "year": year,
                                **dict(zip(_MEASURED_FLAGS, given, strict=True)),
                            }
                            for name, value in values.items():
                                columns[name].append(value)
        schema = {"parameter_set": "int64", "item": "string", "kind": "string", "flow": "string", "unit": "string",
                  "unit_input": "string", "industry": "string", "region": "string", "year": "int32",
                  **{flag: "boolean" for flag in _MEASURED_FLAGS}}
        #: the same rows as Arrow (what the run's parameter sets are looked up by)
        self.set_keys_arrow = pa.table({name: columns[name] for name in schema},
                                       schema=ibis.schema(schema).to_pyarrow())
        return table("greenmfg_set_keys", {name: columns[name] for name in schema}, schema)


def _steam_map(combos: list[dict[str, object]]) -> tuple[dict[str, list[object]], dict[str, str]]:
    """The steam map: per distinct (pressure, temperature) of the input, the IAPWS-IF97 enthalpy
    [GJ/t] or what is wrong with the reading (and which column)."""
    def number(value: object) -> float | None:
        return float(value) if isinstance(value, int | float) else None

    states: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for combo in combos:
        pair = (number(combo["steam_pressure_number"]), number(combo["steam_temperature_number"]))
        if pair != (None, None):
            states.setdefault((repr(pair[0]), repr(pair[1])), pair)  # repr: one key for every NaN

    def computed(key: str) -> list[object]:
        found = steam_state(*states_by_key[key])
        return [found.enthalpy_kj_per_kg, found.problem, found.problem_zh, found.column]

    # IAPWS-IF97 (and the import of iapws and SciPy, ≈ 0.4 s) only for states not seen before
    states_by_key = {f"{p} {t}": pair for (p, t), pair in states.items()}
    found = _STEAM_STATES.get_many(list(states_by_key), computed)
    data: dict[str, list[object]] = {name: [] for name in _STEAM_MAP_SCHEMA}
    for key, (pressure, temperature) in states_by_key.items():
        reading = found[key]
        if not (isinstance(reading, list) and len(reading) == 4 and isinstance(reading[0], int | float | None)):
            reading = computed(key)  # a kept value of another shape (a hand-edited file): not used
        enthalpy, problem, problem_zh, column = reading
        for name, value in (("k_steam_pressure_number", pressure), ("k_steam_temperature_number", temperature),
                            ("steam_enthalpy", enthalpy / 1000.0 if isinstance(enthalpy, int | float) else None),
                            ("steam_problem", problem), ("steam_problem_zh", problem_zh), ("steam_column", column)):
            data[name].append(value)
    return data, dict(_STEAM_MAP_SCHEMA)


#: the IAPWS-IF97 reading of each (pressure, temperature) met so far: enthalpy [kJ/kg], problem
#: (English, Chinese), column; kept on disk beside the plans for the next process
_STEAM_STATES = StoredValues("steam-states", ("iapws", "scipy", "numpy"))


_STEAM_MAP_SCHEMA = {"k_steam_pressure_number": "float64", "k_steam_temperature_number": "float64",
                     "steam_enthalpy": "float64", "steam_problem": "string", "steam_problem_zh": "string",
                     "steam_column": "string"}


class _LineResolver:
    """What one distinct (item, unit, flow, ncv_unit, carbon_content_unit) spelling resolves to;
    unit conversions are worked out once per (unit, target)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._conversions: dict[tuple[str, str, str], tuple[float | None, str]] = {}

    def __call__(self, combo: dict[str, object]) -> dict[str, object]:
        vocabulary = self.vocabulary
        item_text, flow_text = combo["s_item"], combo["s_flow"]
        key = vocabulary.item_names.resolve(item_text) if item_text is not None else None
        flow_key = vocabulary.flow_names.resolve(flow_text) if flow_text is not None else None
        item = vocabulary.item(key) if key is not None else None
        row: dict[str, object] = {f"k_{c}": combo[c] for c in _LINE_TEXTS}
        row |= {c: combo[f"s_{c}"] for c in _LINE_TEXTS}
        row |= {
            "item_key": key, "flow_key": flow_key,
            "kind": item.kind if item else None,
            "canonical_unit": item.canonical_unit if item else None,
            "flow_allowed": bool(item and flow_key in item.allowed_flows),
            "ncv_kind": bool(item and item.kind in _NCV_TARGET),
            "carbon_kind": bool(item and item.kind in _CARBON_TARGET),
            "fuel_kind": bool(item and item.kind == "fuel"),
        }
        for prefix, unit_column, targets in (("unit", "unit", None), ("ncv", "ncv_unit", _NCV_TARGET),
                                             ("cc", "carbon_content_unit", _CARBON_TARGET)):
            factor, reason, target = self._conversion(item, combo[f"s_{unit_column}"], targets)
            row |= {f"{prefix}_factor": factor, f"{prefix}_reason": reason, f"{prefix}_target": target}
        row["valid_line"] = bool(row["flow_allowed"] and row["unit_factor"] is not None)
        return row

    def _conversion(self, item: Item | None, unit_text: object, targets: dict[str, str] | None
                    ) -> tuple[float | None, str | None, str | None]:
        """Factor from ``unit_text`` to the item's canonical unit (``targets`` None) or to the unit
        its kind's parameter takes (``targets``: kind → pattern); with the reason and target when
        it fails. Nothing (all None) when the item is unknown or the unit is empty: other rules
        report those."""
        if item is None or unit_text is None:
            return None, None, None
        if targets is None:
            target: str | None = item.canonical_unit
        else:
            pattern = targets.get(item.kind)
            target = pattern.format(unit=f"({item.canonical_unit})") if pattern else None
        if target is None:
            return None, "not applicable", ""
        cache_key = (str(unit_text), target, item.name_zh)
        if cache_key not in self._conversions:
            try:
                self._conversions[cache_key] = (conversion_factor(str(unit_text), target, what=item.name_zh), "")
            except UnitError as exc:
                self._conversions[cache_key] = (None, str(exc))
        factor, reason = self._conversions[cache_key]
        return factor, reason, target


#: Which measured parameters a parameter set's rows give (bits 1, 2, 4, 8 of its number): the
#: last, the clinker's CaO and MgO content (the clinker emission factor computed from them).
#: then the aluminium's anode-effect minutes (slope method) and its anode-effect overvoltage with
#: the current efficiency (overvoltage method).
_MEASURED_FLAGS = ("measured_ncv", "measured_carbon_content", "measured_oxidation_rate", "measured_clinker_oxides",
                   "measured_pfc_slope", "measured_pfc_overvoltage")
#: Numbers a set's measured bits take (the set number's last factor).
_SET_BITS = 1 << len(_MEASURED_FLAGS)
#: rules per bitmask word of the checked rows (bits 0–61 of a signed 64-bit integer)
_FLAGS_PER_WORD = 62


def _parameter_set(t: ir.Table, measured: tuple[ir.FloatingValue, ...]) -> ir.IntegerValue:
    """The number of a looked-up row's parameter set (null for a row that fails a rule):
    (((set_code · industries + industry_code) · regions + region_code) · years + year_code) · 16 +
    measured bits, its parts read from the maps (``set_base``, ``industry_base``, ``region_base``,
    ``year_base``) so that no number of the input's industries, regions or years is written into
    the plan. The industry is part of the set: it decides the methodology, hence the default fuel
    parameters."""
    bits = sum((ibis.ifelse(value.notnull(), 1 << i, 0) for i, value in enumerate(measured)), ibis.literal(0, "int64"))
    return t.set_base + t.industry_base + t.region_base + t.year_base + bits


def _blank(column: ir.StringColumn) -> ir.BooleanColumn:
    return column.isnull() | (column.strip() == "")


def looked_up(raw: ir.Table, maps: Maps, columns: Sequence[str] | None = None) -> ir.Table:
    """Raw rows with every lookup joined (only ``columns`` of the lookups, if given): the
    looked-up text columns come back stripped (from the maps); identifiers stay as read."""
    def lean(table: ir.Table) -> ir.Table:
        return table if columns is None else table.select(
            *(c for c in table.columns if c.startswith("k_") or c in columns))

    t = raw.rename(**{f"k_{c}": c for c in (*_LINE_TEXTS, *SINGLE_TEXTS)})
    m = lean(maps.lines)
    t = t.left_join(m, [t[f"k_{c}"].identical_to(m[f"k_{c}"]) for c in _LINE_TEXTS])
    s = lean(maps.steam)
    t = t.left_join(s, [t[c].identical_to(s[f"k_{c}"]) for c in _STEAM_NUMBERS])
    for column, table in (("industry", maps.industries), ("region", maps.regions), ("period", maps.periods)):
        table = lean(table)
        t = t.left_join(table, t[f"k_{column}"].identical_to(table[f"k_{column}"]))
    return t.drop(*(c for c in t.columns if c.startswith("k_")))


def canonical_quantity(t: ir.Table) -> ir.FloatingValue:
    """The quantity of a looked-up row in its item's canonical unit."""
    return t.quantity_number * t.unit_factor


def stripped_ids(t: ir.Table) -> ir.Table:
    """Identifiers stripped, empty ones null (the canonical form that totals are keyed by)."""
    return t.mutate(**{c: stripped(t[c]) for c in _ID_COLUMNS})


def id_rules(t: ir.Table) -> dict[str, ir.BooleanValue]:
    """Rules on the identifiers of ``t`` (stripped)."""
    return {"f_missing_enterprise_id": t.enterprise_id.isnull(), "f_missing_facility_id": t.facility_id.isnull(),
            **{f"f_formula_{c}": formula_like_column(t[c]) for c in _ID_COLUMNS}}


def formula_like_column(column: ir.StringValue) -> ir.BooleanValue:
    """An identifier a spreadsheet would run as a formula (as :func:`greenmfg.exports.formula_like`):
    starting with = + - @ (tabs and CRs are stripped already), unless it is a plain number."""
    return (column.re_search(_FORMULA_START) & ~column.re_search(_PLAIN_NUMBER)).fill_null(False)


def _joined(raw: ir.Table, maps: Maps) -> ir.Table:
    """Raw rows with every lookup joined, identifiers stripped and every rule evaluated as a
    boolean column."""
    t = stripped_ids(looked_up(raw, maps))
    return t.mutate(**id_rules(t), **_row_rules(t))


def _row_rules(t: ir.Table) -> dict[str, ir.BooleanValue]:
    """Every rule that one looked-up row can fail, but those on its identifiers."""
    return {**_text_rules(t), **value_rules(t)}


def _text_rules(t: ir.Table) -> dict[str, ir.BooleanValue]:
    """Rules on the looked-up texts alone."""
    return {name: rule for rules in TEXT_RULES.values() for name, rule in rules(t).items()}


def _line_text_rules(t: ir.Table) -> dict[str, ir.BooleanValue]:
    has_item = t.item_key.notnull()
    return {
        "f_missing_item": t.item.isnull(),
        "f_missing_unit": t.unit.isnull(),
        "f_missing_flow": t.flow.isnull(),
        "f_unknown_item": t.item.notnull() & ~has_item,
        "f_unknown_flow": t.flow.notnull() & t.flow_key.isnull(),
        "f_flow_not_allowed": has_item & t.flow_key.notnull() & ~t.flow_allowed,
        "f_unit_mismatch": has_item & t.unit.notnull() & t.unit_factor.isnull(),
    }


def _lookup_rules(column: str, problem: str) -> Callable[[ir.Table], dict[str, ir.BooleanValue]]:
    def rules(t: ir.Table) -> dict[str, ir.BooleanValue]:
        return {f"f_missing_{column}": t[column].isnull(),
                f"f_{problem}": t[column].notnull() & t[f"{column}_key"].isnull()}
    return rules


#: Text rules by the lookup table whose columns they read: :class:`Maps` evaluates them once
#: per distinct spelling, each row carries the verdict.
TEXT_RULES: dict[str, Callable[[ir.Table], dict[str, ir.BooleanValue]]] = {
    "lines": _line_text_rules,
    "period": _lookup_rules("period", "bad_period"),
    "industry": _lookup_rules("industry", "unknown_industry"),
    "region": _lookup_rules("region", "unknown_region"),
}


def value_rules(t: ir.Table) -> dict[str, ir.BooleanValue]:
    """Rules on the numbers of a looked-up row (some with what its item is)."""
    has_item = t.item_key.notnull()
    has_ncv = t.ncv_number.notnull() | ~_blank(t.ncv)
    has_cc = t.carbon_content_number.notnull() | ~_blank(t.carbon_content)
    has_of = t.oxidation_rate_number.notnull() | ~_blank(t.oxidation_rate)
    return dict(
        f_missing_quantity=t.quantity_number.isnull() & _blank(t.quantity),
        f_nan_quantity=t.quantity_number.isnull() & ~_blank(t.quantity),
        f_negative_quantity=t.quantity_number.notnull()
        & ((t.quantity_number < 0) | t.quantity_number.isnan() | t.quantity_number.isinf()),
        f_nan_ncv=t.ncv_number.isnull() & ~_blank(t.ncv),
        f_nan_carbon_content=t.carbon_content_number.isnull() & ~_blank(t.carbon_content),
        f_nan_oxidation_rate=t.oxidation_rate_number.isnull() & ~_blank(t.oxidation_rate),
        f_ncv_not_applicable=has_item & has_ncv & ~t.ncv_kind,
        f_carbon_not_applicable=has_item & has_cc & ~t.carbon_kind,
        f_of_not_applicable=has_item & has_of & ~t.fuel_kind,
        f_ncv_unit=has_item & t.ncv_number.notnull() & t.ncv_kind & t.ncv_factor.isnull(),
        f_carbon_unit=has_item & t.carbon_content_number.notnull() & t.carbon_kind & t.cc_factor.isnull(),
        f_ncv_range=t.ncv_number.notnull() & (t.ncv_number <= 0),
        **_steam_rules(t, has_ncv),
        f_carbon_range=t.carbon_content_number.notnull() & (t.carbon_content_number <= 0),
        f_of_range=t.oxidation_rate_number.notnull()
        & ((t.oxidation_rate_number <= 0) | (t.oxidation_rate_number > 1)),
        **_clinker_rules(t),
        **_pfc_rules(t),
    )


def _pfc_rules(t: ir.Table) -> dict[str, ir.BooleanValue]:
    """Rules on an aluminium output row's anode-effect figures: numbers, on that row only, in range
    (minutes and overvoltage ≥ 0, current efficiency above 0 and at most 1), AEO and CE together."""
    numbers = {c: t[f"{c}_number"] for c in PFC_INPUTS}
    given = {c: numbers[c].notnull() | ~_blank(t[c]) for c in PFC_INPUTS}
    aluminium = (t.item_key == PFC_ITEM) & (t.flow_key == "produced")
    rules: dict[str, ir.BooleanValue] = {}
    for c in PFC_INPUTS:
        rules[f"f_nan_{c}"] = numbers[c].isnull() & ~_blank(t[c])
        rules[f"f_{c}_not_applicable"] = t.item_key.notnull() & given[c] & ~aluminium.fill_null(False)
    minutes, overvoltage, efficiency = (numbers[c] for c in PFC_INPUTS)
    rules["f_anode_effect_minutes_range"] = minutes.notnull() & ~((minutes >= 0) & (minutes <= 1440))
    rules["f_anode_effect_overvoltage_range"] = overvoltage.notnull() & ~((overvoltage >= 0) & (overvoltage <= 10000))
    rules["f_current_efficiency_range"] = efficiency.notnull() & ~((efficiency > 0) & (efficiency <= 1))
    rules["f_anode_effect_overvoltage_missing"] = (aluminium.fill_null(False) & ~given["anode_effect_overvoltage"]
                                                   & given["current_efficiency"])
    rules["f_current_efficiency_missing"] = (aluminium.fill_null(False) & ~given["current_efficiency"]
                                             & given["anode_effect_overvoltage"])
    return rules


def _clinker_rules(t: ir.Table) -> dict[str, ir.BooleanValue]:
    """Rules on the clinker's oxide contents: numbers, on a clinker output row only, mass fractions
    from 0 to 1, CaO and MgO together, and a non-carbonate part within its total."""
    numbers = {c: t[f"{c}_number"] for c in CLINKER_OXIDES}
    given = {c: numbers[c].notnull() | ~_blank(t[c]) for c in CLINKER_OXIDES}
    clinker = (t.item_key == CLINKER_ITEM) & (t.flow_key == "produced")
    rules: dict[str, ir.BooleanValue] = {}
    for c in CLINKER_OXIDES:
        rules[f"f_nan_{c}"] = numbers[c].isnull() & ~_blank(t[c])
        rules[f"f_{c}_not_applicable"] = t.item_key.notnull() & given[c] & ~clinker.fill_null(False)
        rules[f"f_{c}_range"] = numbers[c].notnull() & ~((numbers[c] >= 0) & (numbers[c] <= 1))
    for c in CLINKER_OXIDES[:2]:
        rules[f"f_{c}_missing"] = clinker.fill_null(False) & ~given[c] & ibis.or_(
            *(given[o] for o in CLINKER_OXIDES if o != c))
        part = numbers[f"{c}_non_carbonate"]
        rules[f"f_{c}_non_carbonate"] = numbers[c].notnull() & part.notnull() & (part > numbers[c])
    return rules


def _steam_rules(t: ir.Table, has_ncv: ir.BooleanValue) -> dict[str, ir.BooleanValue]:
    """Rules on the steam state of a looked-up row: a state needs a steam item, a steam item needs
    one state (measured enthalpy, or pressure with or without temperature), and the state must be
    a state of steam."""
    steam = t.item_key.notnull() & (t.kind == "steam")
    has_state = t.steam_pressure_number.notnull() | t.steam_temperature_number.notnull()
    text_state = ~_blank(t.steam_pressure) | ~_blank(t.steam_temperature)
    enthalpy = t.ncv_number * t.ncv_factor  # [GJ/t]
    return dict(
        f_nan_steam_pressure=t.steam_pressure_number.isnull() & ~_blank(t.steam_pressure),
        f_nan_steam_temperature=t.steam_temperature_number.isnull() & ~_blank(t.steam_temperature),
        f_steam_not_applicable=t.item_key.notnull() & (has_state | text_state) & (t.kind != "steam"),
        f_steam_state=steam & has_state & ~has_ncv & t.steam_problem.notnull(),
        f_steam_two_states=steam & has_ncv & (has_state | text_state),
        f_steam_state_missing=steam & ~has_ncv & ~has_state & ~text_state,
        f_steam_enthalpy_range=steam & enthalpy.notnull()
        & ((enthalpy <= FEED_WATER_ENTHALPY_GJ_PER_T) | (enthalpy > MAX_STEAM_ENTHALPY_KJ_PER_KG / 1000.0)),
    )


_FLAG_RULES: dict[str, tuple[str, str]] = {
    # flag column -> (rule code, template column)
    **{f"f_missing_{c}": ("accounting.input.missing_value", c) for c in (
        "enterprise_id", "facility_id", "period", "item", "unit", "flow", "industry", "region", "quantity")},
    **{f"f_formula_{c}": ("accounting.input.formula_text", c) for c in _ID_COLUMNS},
    "f_unknown_item": ("accounting.input.unknown_item", "item"),
    "f_unknown_flow": ("accounting.input.unknown_flow", "flow"),
    "f_flow_not_allowed": ("accounting.input.flow_not_allowed", "flow"),
    "f_unit_mismatch": ("accounting.input.unit_mismatch", "unit"),
    "f_nan_quantity": ("accounting.input.not_a_number", "quantity"),
    "f_negative_quantity": ("accounting.input.negative_quantity", "quantity"),
    "f_bad_period": ("accounting.input.bad_period", "period"),
    "f_unknown_industry": ("accounting.input.unknown_industry", "industry"),
    "f_unknown_region": ("accounting.input.unknown_region", "region"),
    "f_nan_ncv": ("accounting.input.not_a_number", "ncv"),
    "f_nan_carbon_content": ("accounting.input.not_a_number", "carbon_content"),
    "f_nan_oxidation_rate": ("accounting.input.not_a_number", "oxidation_rate"),
    "f_ncv_not_applicable": ("accounting.input.parameter_not_applicable", "ncv"),
    "f_carbon_not_applicable": ("accounting.input.parameter_not_applicable", "carbon_content"),
    "f_of_not_applicable": ("accounting.input.parameter_not_applicable", "oxidation_rate"),
    "f_ncv_unit": ("accounting.input.parameter_unit", "ncv_unit"),
    "f_carbon_unit": ("accounting.input.parameter_unit", "carbon_content_unit"),
    "f_ncv_range": ("accounting.input.parameter_range", "ncv"),
    "f_carbon_range": ("accounting.input.parameter_range", "carbon_content"),
    "f_of_range": ("accounting.input.parameter_range", "oxidation_rate"),
    "f_nan_steam_pressure": ("accounting.input.not_a_number", "steam_pressure"),
    "f_nan_steam_temperature": ("accounting.input.not_a_number", "steam_temperature"),
    "f_steam_not_applicable": ("accounting.input.parameter_not_applicable", "steam_pressure"),
    "f_steam_state": ("accounting.input.steam_state", "steam_pressure"),
    "f_steam_two_states": ("accounting.input.steam_two_states", "steam_pressure"),
    "f_steam_state_missing": ("accounting.input.steam_state_missing", "ncv"),
    "f_steam_enthalpy_range": ("accounting.input.parameter_range", "ncv"),
    **{f"f_nan_{c}": ("accounting.input.not_a_number", c) for c in CLINKER_OXIDES},
    **{f"f_{c}_not_applicable": ("accounting.input.parameter_not_applicable", c) for c in CLINKER_OXIDES},
    **{f"f_{c}_range": ("accounting.input.parameter_range", c) for c in CLINKER_OXIDES},
    **{f"f_{c}_missing": ("accounting.input.clinker_oxide_missing", c) for c in CLINKER_OXIDES[:2]},
    **{f"f_{c}_non_carbonate": ("accounting.input.clinker_non_carbonate", f"{c}_non_carbonate")
       for c in CLINKER_OXIDES[:2]},
    **{f"f_nan_{c}": ("accounting.input.not_a_number", c) for c in PFC_INPUTS},
    **{f"f_{c}_not_applicable": ("accounting.input.parameter_not_applicable", c) for c in PFC_INPUTS},
    **{f"f_{c}_range": ("accounting.input.parameter_range", c) for c in PFC_INPUTS},
    **{f"f_{c}_missing": ("accounting.input.pfc_input_missing", c) for c in PFC_INPUTS[1:]},
}
_RANGE_FIX = {
    "ncv": ("give a positive net calorific value", "低位发热量应为正数"),
    "carbon_content": ("give a positive carbon content", "含碳量应为正数"),
    "oxidation_rate": ("give a fraction above 0 and at most 1 (0.98) or a percentage with % (98%)",
                       "请填写 0 到 1 之间的小数（0.98）或带 % 的百分数（98%）"),
    "steam_enthalpy": (f"a steam enthalpy lies above the feed water's {FEED_WATER_ENTHALPY_KJ_PER_KG} kJ/kg and "
                       f"at most {MAX_STEAM_ENTHALPY_KJ_PER_KG:g} kJ/kg: check the value and its unit (kJ/kg, GJ/t)",
                       f"蒸汽焓值应高于给水焓 {FEED_WATER_ENTHALPY_KJ_PER_KG} kJ/kg 且不超过 "
                       f"{MAX_STEAM_ENTHALPY_KJ_PER_KG:g} kJ/kg：请核对数值和单位（kJ/kg、GJ/t）"),
    **{c: ("give a mass fraction of the clinker from 0 to 1 (0.652) or a percentage with % (65.2%)",
           "请填写熟料中的质量分数：0 到 1 之间的小数（0.652）或带 % 的百分数（65.2%）") for c in CLINKER_OXIDES},
    "anode_effect_minutes": ("give the anode-effect minutes per cell-day, a number from 0 to 1440 (e.g. 0.05)",
                             "请填写每槽每日阳极效应分钟数，0 到 1440 之间的数字（如 0.05）"),
    "anode_effect_overvoltage": ("give the anode-effect overvoltage in mV, a number from 0 to 10 000 (e.g. 0.4)",
                                 "请填写阳极效应过电压（mV），0 到 10000 之间的数字（如 0.4）"),
    "current_efficiency": ("give the current efficiency as a fraction above 0 and at most 1 (0.93) or a percentage "
                           "with % (93%)", "请填写电流效率：0 到 1 之间的小数（0.93）或带 % 的百分数（93%）"),
}


class _ColumnNames:
    """How findings name the template's columns: as each file headed them (the header's text, in
    both languages, and the cell's letter), else by the template's Chinese header and an English label."""

    def __init__(self, source: ActivitySource) -> None:
        self.heading = source.heading
        self.names = source.column_names

    def context(self, file: str) -> dict[str, str]:
        """``n_<column>`` and ``z_<column>``: every template column's name in English and Chinese messages."""
        out: dict[str, str] = {}
        for c in COLUMNS:
            out[f"n_{c.name}"], out[f"z_{c.name}"] = self.names(file, c.name)
        return out


def _issue(code: str, column: str, row: dict[str, object], names: _ColumnNames, **extra: object) -> Issue:
    """The finding of rule ``code`` about ``column`` of a read row (its ``_file``, ``_sheet``, ``_row``),
    at the cell the file has it in, the column named as the file headed it."""
    rule = _RULES[code]
    value = row.get(column)
    file = str(row.get("_file") or "")
    col, col_zh = names.names(file, column)
    context: dict[str, object] = {"column": column, "col": col, "col_zh": col_zh,
                                  "value": "" if value is None else value, **names.context(file), **extra}
    context.setdefault("item", row.get("item") or "")
    context.setdefault("item_en", context["item"])
    context.setdefault("item_zh", context["item"])
    fmt = {k: ("" if v is None else v) for k, v in context.items()}
    number = int(row["_row"]) if row.get("_row") is not None else None  # type: ignore[call-overload]
    heading = names.heading(file, column)
    at = Locator(file=file, sheet=str(row.get("_sheet") or ""), row=number, value_limit=None)
    return at.finding(code, rule.column.format(**fmt), value, rule.message.format(**fmt),
                      rule.message_zh.format(**fmt), rule.fix.format(**fmt), rule.fix_zh.format(**fmt),
                      header=col if heading is not None else "",
                      cell=heading.cell(number) if heading is not None else "")


def _flow_words(flows: Sequence[str]) -> tuple[str, str]:
    """Flows in English and Chinese words (``consumed, feedstock`` / ``消耗、原料``)."""
    return ", ".join(flows), "、".join(FLOW_NAMES[f][1] for f in flows)


def _needed(canonical_unit: str) -> tuple[Measure | None, str, str]:
    """What a unit must measure to convert to ``canonical_unit``, and units to offer (English, Chinese)."""
    try:
        measure = measure_of(canonical_unit)
    except UnitError:  # no unit to convert to: nothing to offer but the words of the message
        return None, "", ""
    if canonical_unit in _UNIT_HINTS:
        return measure, _UNIT_HINTS[canonical_unit][0], _UNIT_HINTS[canonical_unit][1]
    if measure is None:
        return None, display_unit(canonical_unit), display_unit(canonical_unit)
    return measure, measure.examples, measure.examples_zh


def _unit_words(unit: str, target: str, subject: str, subject_zh: str) -> dict[str, object]:
    """Why ``unit`` does not convert to ``target``, in plain words: ``reason``/``reason_zh`` (what
    the unit measures and what ``subject`` needs), ``needed``/``needed_zh`` and ``examples``/``examples_zh``."""
    measure, examples, examples_zh = _needed(target)
    needed, needed_zh = (measure.name, measure.name_zh) if measure is not None else (display_unit(target),) * 2
    try:
        given = measure_of(unit)
    except UnitError:
        reason, reason_zh = f'unknown unit "{unit}"', f"无法识别的单位“{unit}”"
    else:
        if given is not None:
            reason = f'the unit "{unit}" measures {given.name}, but {subject} needs a unit of {needed}'
            reason_zh = f"单位“{unit}”表示{given.name_zh}，而{subject_zh}需要{needed_zh}单位"
        else:
            reason = f'the unit "{unit}" is not a unit of {needed}, which {subject} needs'
            reason_zh = f"单位“{unit}”不是{needed_zh}单位，而{subject_zh}需要{needed_zh}单位"
    return {"reason": reason, "reason_zh": reason_zh, "needed": needed, "needed_zh": needed_zh,
            "examples": examples, "examples_zh": examples_zh}


def _row_issues(flagged: list[dict[str, object]], vocabulary: Vocabulary, names: _ColumnNames) -> list[Issue]:
    issues: list[Issue] = []
    flows, flows_zh = _flow_words(FLOWS)
    industries = list(vocabulary.industries.values())[:6]
    for row in flagged:
        file = str(row.get("_file") or "")
        item = vocabulary.items.get(str(row.get("item_key"))) if row.get("item_key") else None
        for flag, (code, column) in _FLAG_RULES.items():
            if not row.get(flag):
                continue
            extra: dict[str, object] = {
                "flows": flows, "flows_zh": flows_zh,
                "industries": ", ".join(r["name_en"] for r in industries),
                "industries_zh": "、".join(r["name_zh"] for r in industries)}
            if item is not None:
                extra["item_en"], extra["item_zh"] = item.name_en, item.name_zh
            if code == "accounting.input.unknown_item":
                extra["suggest"], extra["suggest_zh"] = _suggestion(vocabulary.item_names, str(row["item"]))
            elif code == "accounting.input.unknown_industry":
                extra["suggest"], extra["suggest_zh"] = _suggestion(vocabulary.industry_names, str(row["industry"]))
            elif code == "accounting.input.unknown_region":
                extra["suggest"], extra["suggest_zh"] = _suggestion(vocabulary.region_names, str(row["region"]))
            elif code == "accounting.input.flow_not_allowed" and item is not None:
                extra["allowed"], extra["allowed_zh"] = _flow_words(item.allowed_flows)
            elif code == "accounting.input.unit_mismatch" and item is not None:
                extra |= _unit_words(str(row.get("unit") or ""), item.canonical_unit, item.name_en, item.name_zh)
            elif code == "accounting.input.parameter_unit" and item is not None:
                prefix, parameter = ("ncv", "ncv") if column == "ncv_unit" else ("cc", "carbon_content")
                # an empty unit has no target worked out in the maps: the item's kind gives it
                pattern = (_NCV_TARGET if prefix == "ncv" else _CARBON_TARGET).get(item.kind, "")
                target = str(row.get(f"{prefix}_target") or pattern.format(unit=f"({item.canonical_unit})"))
                of, of_zh = names.names(file, parameter)
                extra |= _unit_words(str(row.get(column) or ""), target, f'"{of}" of {item.name_en}',
                                     f"{item.name_zh}的“{of_zh}”")
                if row.get(column) is None:  # the value is given without its unit
                    extra["reason"] = f'"{of}" is given but its unit is empty'
                    extra["reason_zh"] = f"填写了“{of_zh}”，但其单位为空"
            elif code == "accounting.input.parameter_range":
                extra["range_fix"], extra["range_fix_zh"] = _RANGE_FIX[
                    "steam_enthalpy" if flag == "f_steam_enthalpy_range" else column]
            elif code == "accounting.input.clinker_non_carbonate":
                total_column = column.removesuffix("_non_carbonate")
                extra["total_col"], extra["total_col_zh"] = names.names(file, total_column)
                extra["total"] = row.get(total_column) or ""
            elif code == "accounting.input.steam_state":
                column = str(row.get("steam_column") or column)
                extra["reason"], extra["reason_zh"] = row.get("steam_problem") or "", row.get("steam_problem_zh") or ""
            issues.append(_issue(code, column, row, names, **extra))
    return issues


def duplicate_key(t: ir.Table) -> dict[str, ir.Value]:
    """What makes two canonical rows duplicates: same enterprise, facility, period, item, flow and
    measured parameters (empty ones compared null-safely)."""
    return {
        **{f"k_{c}": t[c] for c in ("enterprise_id", "facility_id", "period", "item", "flow")},
        **{f"k_{c}": t[f"{c}_number"].fill_null(-1.0) for c in ("ncv", "carbon_content", "oxidation_rate")},
        **{f"k_{c}": t[c].fill_null(-1.0) for c in ("steam_pressure", "steam_temperature")},
        **{f"k_{c}": t[f"{c}_measured"].fill_null(-1.0) for c in CLINKER_OXIDES},
        **{f"k_{c}": t[f"{c}_measured"].fill_null(-1.0) for c in PFC_INPUTS},
    }


def _group_issues(t: ir.Table, limit: int, names: _ColumnNames, steps: _Steps) -> tuple[list[Issue], int]:
    """Issues that need more than one row to see: duplicates, inconsistent enterprises, mixed periods.

    ``t`` holds canonical, individually valid rows.
    """
    issues: list[Issue] = []
    total = 0
    t = t.mutate(**duplicate_key(t))
    keys = list(duplicate_key(t))
    all_groups = t.group_by(keys).aggregate(n=t.count(), first=t._row.min())
    groups = all_groups.filter(all_groups.n > 1)
    summary = steps.rows("duplicates", lambda: groups.aggregate(rows=groups.n.sum(), groups=groups.count()))[0]
    duplicate_count = int(summary["rows"] or 0) - int(summary["groups"] or 0)
    if duplicate_count:
        total += duplicate_count
        dup = t.join(groups, keys).filter(lambda r: r._row != r.first)
        for row in steps.rows("duplicate_rows", lambda: dup.order_by(["_file", "_row"]).limit(limit)):
            issues.append(_issue("accounting.input.duplicate_row", "item", row, names, first=row["first"]))
    order = t._file + ":" + t._row.cast("string").lpad(12, "0")
    per_enterprise = t.group_by("enterprise_id").aggregate(
        industries=t.industry.nunique(), regions=t.region.nunique(), names=t.enterprise_name.nunique()
    )
    inconsistent = steps.count("inconsistent", lambda: per_enterprise.filter(
        (per_enterprise.industries > 1) | (per_enterprise.regions > 1) | (per_enterprise.names > 1)))
    for column in ("industry", "region", "enterprise_name") if inconsistent else ():
        firsts = t.group_by("enterprise_id").aggregate(first=t._row.argmin(order), other=t[column].argmin(order))
        joined = t.join(firsts, "enterprise_id").filter(
            lambda r, column=column: r[column].notnull() & (r[column] != r.other))
        count = steps.count(f"inconsistent_{column}", joined)
        total += count
        listed = steps.rows(f"inconsistent_{column}_rows", joined.order_by(["_file", "_row"]).limit(limit)) if count else []
        for row in listed:
            issues.append(_issue("accounting.input.inconsistent_enterprise", column, row, names,
                                 enterprise=row["enterprise_id"], other=row["other"], first=row["first"]))
    length = t.period.length()
    per_facility = t.group_by(["enterprise_id", "facility_id"]).aggregate(shortest=length.min(), longest=length.max())
    if steps.count("mixed", lambda: per_facility.filter(per_facility.shortest != per_facility.longest)):
        firsts = t.group_by(["enterprise_id", "facility_id"]).aggregate(
            first=t._row.argmin(order), other=t.period.argmin(order), other_text=t.period_text.argmin(order)
        )
        joined = t.join(firsts, ["enterprise_id", "facility_id"]).filter(
            lambda r: r.period.length() != r.other.length()
        )
        total += steps.count("mixed_count", lambda: joined)
        for row in steps.rows("mixed_rows", lambda: joined.order_by(["_file", "_row"]).limit(limit)):
            issues.append(_issue("accounting.input.mixed_periods", "period", row, names,
                                 facility=row["facility_id"], other=row["other_text"], first=row["first"]))
    return issues, total


class _Steps:
    """The detailed check's queries, run through a :class:`~greenmfg.accounting.plans.Planner` (each
    query's SQL compiled once per process where the engine allows; its tables and views the
    connection's own)."""

    def __init__(self, planner: Planner, words: int) -> None:
        self.planner, self.words = planner, words

    # each query is given as a function that builds it (built only when its SQL is compiled) or, where
    # building is what the loop does anyway, as the expression itself

    def view(self, name: str, build: Callable[[], ir.Table]) -> ir.Table:
        return self.planner.view(name, ("check", name, self.words), build)

    def table(self, name: str, build: Callable[[], ir.Table]) -> ir.Table:
        return self.planner.table(name, ("check", name, self.words), build)

    def arrow(self, stage: str, build: Callable[[], ir.Table] | ir.Table) -> pa.Table:
        return self.planner.arrow(("check", stage, self.words), build if callable(build) else lambda: build)

    def rows(self, stage: str, build: Callable[[], ir.Table] | ir.Table) -> list[dict[str, Any]]:
        return list(self.arrow(stage, build).to_pylist())

    def count(self, stage: str, build: Callable[[], ir.Table] | ir.Table) -> int:
        made = build if callable(build) else lambda: build
        return int(self.rows(stage, lambda: made().aggregate(n=ibis._.count()))[0]["n"] or 0)


def validate_activity(source: ActivitySource, vocabulary: Vocabulary, *, maps: Maps | None = None,
                      planner: Planner | None = None) -> ir.Table:
    """Check every row and return the canonical activity table.

    ``maps`` and ``planner``: the run's lookup tables and planner (the check then builds no maps of its
    own), else both are made here (the lookup tables put on the connection under fixed names, so that
    each query's SQL is the same from run to run and compiled once per process).

    Returns
    -------
    ibis.Table
        Columns: enterprise_id, enterprise_name, industry, region, facility_id, period, year, item,
        kind, flow, quantity [canonical unit of the item], unit (canonical), quantity_input,
        unit_input, ncv_measured [GJ per canonical unit], carbon_content_measured [tC/GJ for
        fuels, tC per canonical unit for carbon materials], oxidation_rate_measured [1],
        clinker_cao_measured, clinker_mgo_measured, clinker_cao_non_carbonate_measured,
        clinker_mgo_non_carbonate_measured [mass fractions of the clinker, 0–1],
        steam_pressure [MPa, absolute], steam_temperature [°C], steam_enthalpy [GJ/t] (IAPWS-IF97
        enthalpy of the steam's state, for steam without a measured enthalpy), _file, _row.

    Raises
    ------
    ValidationFailed
        Listing up to :data:`MAX_LISTED_ISSUES` located issues (all are counted) when any row is bad.
    """
    issues = list(source.issues)
    if any(i.code == "accounting.input.missing_column" for i in issues):
        raise ValidationFailed(issues=issues, total=len(issues))
    planner = planner or Planner(source.con, "detailed check")
    maps = maps or Maps(source.table, vocabulary, planner.put)
    names = _ColumnNames(source)
    steps = _Steps(planner, maps.duplicate_words)
    # The wide plan (joins + every rule) runs once: its detail stays a view for the error listing,
    # and the rows it checked are stored once, compactly, with the rules as bitmasks of 62 rules each
    # (``flags``, ``flags_1``: a 64-bit integer holds no more).
    joined = steps.view("greenmfg_joined", lambda: _joined(source.table, maps))
    flags = [c for c in joined.columns if c.startswith("f_")]
    words = [flags[i:i + _FLAGS_PER_WORD] for i in range(0, len(flags), _FLAGS_PER_WORD)]
    assert len(words) <= 2, "more rules than two flag words hold"
    masks = {("flags" if w == 0 else f"flags_{w}"): sum((joined[c].cast("int64") * (1 << i) for i, c in enumerate(word)),
                                                        ibis.literal(0, "int64"))
             for w, word in enumerate(words)}
    extra_words = tuple(m for m in masks if m != "flags")
    # the sheet is kept for the findings of the cross-row checks (they name the cell, on its sheet)
    t = steps.table("greenmfg_checked", lambda: canonical_columns(joined.mutate(**masks),
                                                                  extra=("_sheet", *extra_words)))
    failing = ibis.or_(*(t[m] != 0 for m in masks))
    bad = t.filter(failing)
    flag_counts = steps.arrow("flag_counts", lambda: t.aggregate(**{
        c: ((t[m] >> i) & 1).sum() for m, word in zip(masks, words, strict=True) for i, c in enumerate(word)}))
    total = len(issues) + sum(int(v[0].as_py() or 0) for v in flag_counts.columns)
    if total:
        def listed_rows() -> ir.Table:
            rows = bad.order_by(["_file", "_row"]).limit(MAX_LISTED_ISSUES).select("_file", "_row")
            return joined.join(rows, ["_file", "_row"]).order_by(["_file", "_row"])

        issues.extend(_row_issues(steps.rows("listed", listed_rows), vocabulary, names))
    group_issues, group_total = _group_issues(t.filter(~failing), MAX_LISTED_ISSUES, names, steps)
    issues.extend(group_issues)
    total += group_total
    if total:
        issues.sort(key=lambda i: (i.file, i.row or 0, i.column))
        raise ValidationFailed(issues=issues[:MAX_LISTED_ISSUES], total=total)
    t = t.drop(*extra_words)
    return t.drop("flags", "ncv_number", "carbon_content_number", "oxidation_rate_number", "period_text", "_sheet")


def canonical_columns(t: ir.Table, extra: tuple[str, ...] = ()) -> ir.Table:
    """The canonical columns of the joined rows (plus what the cross-row checks compare and
    ``extra`` columns)."""
    measured = (t.ncv_number * t.ncv_factor, t.carbon_content_number * t.cc_factor, t.oxidation_rate_number)
    oxides = {f"{c}_measured": t[f"{c}_number"] for c in CLINKER_OXIDES}
    pfc = {f"{c}_measured": t[f"{c}_number"] for c in PFC_INPUTS}
    return t.select(
        "_file", "_row", *extra, "enterprise_id", "enterprise_name",
        industry=t.industry_key, region=t.region_key, facility_id=t.facility_id,
        period=t.period_key, year=t.year,
        item=t.item_key, kind=t.kind, flow=t.flow_key,
        quantity=canonical_quantity(t), unit=t.canonical_unit,
        quantity_input=t.quantity_number, unit_input=t.unit,
        ncv_measured=measured[0], carbon_content_measured=measured[1], oxidation_rate_measured=measured[2],
        **oxides, **pfc,
        steam_pressure=t.steam_pressure_number, steam_temperature=t.steam_temperature_number,
        steam_enthalpy=ibis.ifelse((t.kind == "steam") & t.ncv_number.isnull(), t.steam_enthalpy,
                                   ibis.null("float64")),
        parameter_set=_parameter_set(t, (*measured, oxides["clinker_cao_measured"], pfc["anode_effect_minutes_measured"],
                                         pfc["anode_effect_overvoltage_measured"])),
        ncv_number=t.ncv_number, carbon_content_number=t.carbon_content_number,
        oxidation_rate_number=t.oxidation_rate_number, period_text=t.period, flags=t.flags,
    )
