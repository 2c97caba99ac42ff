"""The scenario definition file of carbon-peak pathways: YAML, read and checked with located findings.

The format is documented in ``README.md`` beside this module (section "Scenario file"). Reading is
all-or-nothing: every problem is a :class:`~greenmfg.errors.Finding` naming the file, the line
(``row``), the field path (``column``, e.g. ``sectors[steel].routes[bf_bof].energy_intensity``) and
the value, in English and Chinese, and :class:`~greenmfg.errors.ValidationFailed` is raised with all
of them. YAML anchors and aliases are refused (a few lines of aliases can expand to gigabytes), as
are files over :data:`MAX_BYTES`.

Policies (``policies:``) are written as changes to the baseline: their mappings are merged over the
baseline's, lists of keyed items (sectors, routes, measures) are merged by ``key``, and anything
else given replaces the baseline's value. Each finding still points at the line that gave the value.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from greenmfg.calc.montecarlo import DISTRIBUTIONS, Distribution
from greenmfg.errors import Finding, InputError, ValidationFailed
from greenmfg.findings import Locator, nul_line

__all__ = [
    "MAX_BYTES",
    "MAX_DRAWS",
    "QUANTITIES",
    "BenchmarkSpec",
    "CcusSpec",
    "MeasureSpec",
    "RouteSpec",
    "ScenarioFile",
    "ScenarioSpec",
    "SectorSpec",
    "TargetSpec",
    "UncertainSpec",
    "read_scenario_file",
]

MAX_BYTES = 1_000_000
#: most Monte Carlo draws of one run (draws × years × routes arrays stay within a few hundred MB)
MAX_DRAWS = 100_000
FIRST_YEAR, LAST_YEAR = 1990, 2100
#: the quantities an uncertainty may apply to: growth is an additive shift of the annual rate [percentage points];
#: the others are factors multiplying the quantity in every year
QUANTITIES = ("growth", "output", "energy_intensity", "fuel_ef", "process_ef", "grid_factor", "capture_rate",
              "value_added_growth")
TARGET_KINDS = ("peak_by", "intensity_reduction", "energy_intensity_reduction", "budget", "cap")
Path_ = dict[int, float]


@dataclass(frozen=True)
class Leaf:
    """A scalar of the file with where it was written."""

    value: Any
    line: int
    path: str


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    savings_fraction: float
    start_year: int
    ramp_years: int
    source: str


@dataclass(frozen=True)
class BenchmarkSpec:
    """Reach ``level`` [kgce/t] by ``year``; ``ref``/``status`` when the level comes from the reference library."""

    level: float | None
    year: int
    indicator: str | None = None
    level_kind: str = "benchmark_level"
    line: int = 0
    path: str = ""


@dataclass(frozen=True)
class CcusSpec:
    capture_rate: Path_
    start_year: int
    ramp_years: int
    combustion: bool
    process: bool


@dataclass(frozen=True)
class RouteSpec:
    key: str
    name_zh: str
    name_en: str
    share: Path_
    energy_intensity: Path_
    fuel_mix: dict[str, Path_]
    process_ratio: Path_
    process_ef: Path_
    benchmark: BenchmarkSpec | None
    measures: tuple[MeasureSpec, ...]
    ccus: CcusSpec | None
    line: int = 0
    path: str = ""


@dataclass(frozen=True)
class SectorSpec:
    key: str
    name_zh: str
    name_en: str
    unit: str
    base_output: float
    growth: dict[int, float] | None
    output_path: Path_ | None
    routes: tuple[RouteSpec, ...]
    line: int = 0
    path: str = ""
    #: the industry the sector belongs to (a key of the reference library, e.g. ``steel``): a region's
    #: results are also given per industry (the sectors of one industry summed)
    industry: str | None = None


@dataclass(frozen=True)
class TargetSpec:
    kind: str
    name_zh: str
    name_en: str
    year: int
    base_year: int | None = None
    value: float | None = None         # % for reductions, tCO2 for budget and cap
    basis: str = "value_added"         # value_added or output (of ``sector``)
    sector: str | None = None
    first_year: int | None = None      # budget
    ref: str | None = None
    status: str = "user"
    source: str = ""


@dataclass(frozen=True)
class UncertainSpec:
    name: str
    quantity: str
    distribution: Distribution
    sector: str | None = None
    route: str | None = None


@dataclass(frozen=True)
class ScenarioSpec:
    key: str
    name_zh: str
    name_en: str
    sectors: tuple[SectorSpec, ...]
    grid_factor: Path_ | None
    grid_source: str
    fuel_ef: dict[str, float]
    value_added_base: float | None
    value_added_unit: str
    value_added_growth: dict[int, float] | None
    targets: tuple[TargetSpec, ...]
    #: the projection of ``pathway_grid_factors`` to follow after the published years (its ``scenario`` key, or
    #: ``published``: hold the last published value); None: the default projection (unused when a path is given)
    grid_scenario: str | None = None


@dataclass(frozen=True)
class ScenarioFile:
    """A checked scenario file: the baseline first, then each policy scenario."""

    file: str
    title_zh: str
    title_en: str
    scope: str
    region: str | None
    base_year: int
    end_year: int
    plateau_tolerance: float
    scenarios: tuple[ScenarioSpec, ...]
    uncertainties: tuple[UncertainSpec, ...] = ()
    correlations: tuple[tuple[str, str, float], ...] = ()
    draws: int | None = None
    seed: int | None = None
    warnings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def years(self) -> list[int]:
        return list(range(self.base_year, self.end_year + 1))


# --- YAML with lines -------------------------------------------------------------------------------

def _load(text: str, name: str, issues: list[Finding], at: Locator) -> Any:
    """The document as dicts, lists and :class:`Leaf` scalars; aliases refused."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        issues.append(at.finding("too_deep", "", "", "the file nests too deeply to be a scenario file",
                                 "文件嵌套层级过深，不是有效的情景文件", "write the scenario as documented",
                                 "请按文档格式编写情景文件", row=None))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        issues.append(at.finding("not_yaml", "", "", f"the file is not valid YAML: {getattr(exc, 'problem', exc)}",
                                 f"文件不是有效的 YAML：{getattr(exc, 'problem', exc)}",
                                 "check indentation, colons and quotes at this line",
                                 "请检查该行的缩进、冒号和引号", row=mark.line + 1 if mark else None))
        return None
    if root is None:
        return None
    seen: set[int] = set()
    constructor = yaml.SafeLoader("")

    def build(node: Any, path: str) -> Any:
        if id(node) in seen:
            issues.append(at.finding("alias", path, "", "YAML anchors and aliases (&, *) are not accepted",
                                     "不接受 YAML 锚点和别名（&、*）", "write the values out",
                                     "请直接写出取值", row=node.start_mark.line + 1))
            return None
        seen.add(id(node))
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {"__line__": line}
            for key_node, value_node in node.value:
                key = str(constructor.construct_object(key_node)) if isinstance(key_node, yaml.ScalarNode) else "?"
                out[key] = build(value_node, f"{path}.{key}" if path else key)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        try:
            value = constructor.construct_object(node)
        except yaml.YAMLError:
            value = node.value
        return Leaf(value, line, path)

    try:
        return build(root, "")
    except RecursionError:
        issues.append(at.finding("too_deep", "", "", "the file nests too deeply to be a scenario file",
                                 "文件嵌套层级过深，不是有效的情景文件", "write the scenario as documented",
                                 "请按文档格式编写情景文件", row=None))
        return None


def _line(node: Any) -> int | None:
    if isinstance(node, Leaf):
        return node.line
    if isinstance(node, dict):
        return node.get("__line__")
    if isinstance(node, list) and node:
        return _line(node[0])
    return None


def _merge(base: Any, change: Any) -> Any:
    """``change`` over ``base``: mappings merged, keyed lists merged by key, the rest replaced."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for key, value in change.items():
            if key == "__line__":
                continue
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(change, list) and all(_key_of(i) for i in base + change):
        merged = {_key_of(i): i for i in base}
        order = [_key_of(i) for i in base]
        for item in change:
            k = _key_of(item)
            if k in merged:
                merged[k] = _merge(merged[k], item)
            else:
                merged[k] = item
                order.append(k)
        return [merged[k] for k in order]
    return change


def _key_of(item: Any) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("key"), Leaf):
        return str(item["key"].value)
    return None


# --- checks ----------------------------------------------------------------------------------------

class _Check:
    """Typed values out of the loaded tree, every problem a located finding."""

    def __init__(self, file: str, issues: list[Finding]) -> None:
        self.at = Locator(file=file, code_prefix="pathways.scenario.")
        self.issues = issues

    def add(self, code: str, node: Any, path: str, message: str, message_zh: str, fix: str, fix_zh: str,
            *, severity: str = "error") -> None:
        value = node.value if isinstance(node, Leaf) else ""
        self.issues.append(self.at.finding(code, path, value, message, message_zh, fix, fix_zh, row=_line(node),
                                           severity=severity))

    def mapping(self, node: Any, path: str, *, required: bool = True) -> dict[str, Any] | None:
        if node is None:
            if required:
                self.add("missing", node, path, f"{path} is required", f"缺少 {path}", f"add {path}",
                         f"请填写 {path}")
            return None
        if not isinstance(node, dict):
            self.add("not_mapping", node, path, f"{path} must be a mapping (name: value lines)",
                     f"{path} 必须是映射（“名称: 值”形式）", "indent its fields under it",
                     "请在其下缩进填写各字段")
            return None
        return node

    def items(self, node: Any, path: str, *, required: bool = True) -> list[Any]:
        if node is None:
            if required:
                self.add("missing", node, path, f"{path} is required", f"缺少 {path}", f"add {path} as a list",
                         f"请以列表形式填写 {path}")
            return []
        if not isinstance(node, list):
            self.add("not_list", node, path, f"{path} must be a list (lines starting with '- ')",
                     f"{path} 必须是列表（以“- ”开头的各行）", "write each item on a line starting with '- '",
                     "请每项以“- ”开头")
            return []
        return node

    def text(self, node: Any, path: str, *, required: bool = True, limit: int = 200) -> str | None:
        if node is None:
            if required:
                self.add("missing", node, path, f"{path} is required", f"缺少 {path}", f"fill in {path}",
                         f"请填写 {path}")
            return None
        if not isinstance(node, Leaf) or node.value is None:
            self.add("not_text", node, path, f"{path} must be a text", f"{path} 必须是文本", "write a text",
                     "请填写文本")
            return None
        value = str(node.value).strip()
        if not value or len(value) > limit or nul_line(value) is not None:
            self.add("bad_text", node, path, f"{path} must be 1 to {limit} characters", f"{path} 须为 1 至 {limit} 个字符",
                     "shorten or fill it", "请修改长度")
            return None
        return value

    def number(self, node: Any, path: str, *, required: bool = True, low: float | None = None,
               high: float | None = None, positive: bool = False) -> float | None:
        if node is None:
            if required:
                self.add("missing", node, path, f"{path} is required", f"缺少 {path}", f"fill in {path}",
                         f"请填写 {path}")
            return None
        value = node.value if isinstance(node, Leaf) else None
        if isinstance(value, str):  # YAML 1.1 reads 1.0e9 (no sign in the exponent) as a text
            with contextlib.suppress(ValueError):
                value = float(value.replace(",", ""))
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(float(value)):
            self.add("not_a_number", node, path, f"{path} must be a number", f"{path} 必须是数字",
                     "write a number such as 0.85 (no units, no %)", "请填写数字，如 0.85（不带单位和 %）")
            return None
        number = float(value)
        if (low is not None and number < low) or (high is not None and number > high) or (positive and number <= 0):
            bounds = ("greater than 0" if positive else "") + (f" at least {low:g}" if low is not None else "") \
                + (f" at most {high:g}" if high is not None else "")
            bounds_zh = ("大于 0" if positive else "") + (f" 不小于 {low:g}" if low is not None else "") \
                + (f" 不大于 {high:g}" if high is not None else "")
            self.add("out_of_range", node, path, f"{path} must be{bounds}", f"{path} 必须{bounds_zh}",
                     "correct the value", "请修改取值")
            return None
        return number

    def year(self, node: Any, path: str, *, required: bool = True) -> int | None:
        number = self.number(node, path, required=required, low=FIRST_YEAR, high=LAST_YEAR)
        if number is None:
            return None
        if not number.is_integer():
            self.add("not_a_year", node, path, f"{path} must be a year such as 2030", f"{path} 必须是年份，如 2030",
                     "write the year", "请填写年份")
            return None
        return int(number)

    def path_of(self, node: Any, path: str, *, required: bool = True, low: float | None = 0.0,
                high: float | None = None, scale: float = 1.0) -> Path_ | None:
        """A constant (``0.8``) or a path ``{2020: 0.9, 2030: 0.8}``; values × ``scale``."""
        if node is None:
            if required:
                self.add("missing", node, path, f"{path} is required", f"缺少 {path}",
                         f"give {path} as a number or as year: value lines", f"请以数字或“年份: 值”形式填写 {path}")
            return None
        if isinstance(node, Leaf):
            number = self.number(node, path, low=low, high=high)
            return None if number is None else {FIRST_YEAR: number * scale}
        if not isinstance(node, dict):
            self.add("not_path", node, path, f"{path} must be a number or year: value lines",
                     f"{path} 必须是数字或“年份: 值”各行", "write e.g. {2020: 0.9, 2030: 0.8}",
                     "例如 {2020: 0.9, 2030: 0.8}")
            return None
        out: dict[int, float] = {}
        for key, value in node.items():
            if key == "__line__":
                continue
            try:
                year = int(key)
            except ValueError:
                year = 0
            if not FIRST_YEAR <= year <= LAST_YEAR:
                self.add("not_a_year", value, f"{path}.{key}", f"'{key}' is not a year ({FIRST_YEAR}–{LAST_YEAR})",
                         f"“{key}”不是年份（{FIRST_YEAR}–{LAST_YEAR}）", "write year: value lines such as 2030: 0.8",
                         "请按“2030: 0.8”形式填写")
                continue
            number = self.number(value, f"{path}.{key}", low=low, high=high)
            if number is not None:
                out[year] = number * scale
        if not out and not any(i.column.startswith(path) for i in self.issues):
            self.add("empty_path", node, path, f"{path} has no year", f"{path} 没有任何年份", "add year: value lines",
                     "请添加“年份: 值”")
        return out or None

    def choice(self, node: Any, path: str, choices: Iterable[str], *, required: bool = True) -> str | None:
        value = self.text(node, path, required=required)
        allowed = list(choices)
        if value is not None and value not in allowed:
            self.add("unknown_choice", node, path, f"'{value}' is not one of {', '.join(allowed)}",
                     f"“{value}”不是可选值之一：{'、'.join(allowed)}", f"write one of {', '.join(allowed)}",
                     f"请填写其中之一：{'、'.join(allowed)}")
            return None
        return value

    def unknown(self, node: dict[str, Any], path: str, known: Iterable[str]) -> None:
        allowed = set(known) | {"__line__"}
        for key, value in node.items():
            if key not in allowed:
                from rapidfuzz import process

                guess = process.extractOne(key, sorted(allowed - {"__line__"}))
                hint, hint_zh = (f"did you mean {guess[0]}?", f"是否应为 {guess[0]}？") if guess and guess[1] > 70 \
                    else (f"known fields: {', '.join(sorted(allowed - {'__line__'}))}",
                          f"可用字段：{', '.join(sorted(allowed - {'__line__'}))}")
                self.add("unknown_field", value if value is not None else node, f"{path}.{key}" if path else key,
                         f"unknown field {key}", f"未知字段 {key}", hint, hint_zh)


def _rates(check: _Check, node: Any, path: str) -> dict[int, float] | None:
    """Growth rates ``{year: rate}`` in % per year (or one number), as fractions."""
    return check.path_of(node, path, low=-50.0, high=100.0, scale=0.01)


def _route(check: _Check, node: Any, path: str, base_year: int) -> RouteSpec | None:
    data = check.mapping(node, path)
    if data is None:
        return None
    check.unknown(data, path, ("key", "name", "name_en", "share", "energy_intensity", "fuel_mix", "process",
                               "benchmark", "measures", "ccus"))
    key = check.text(data.get("key"), f"{path}.key", limit=60)
    here = f"{path.rsplit('[', 1)[0]}[{key}]" if key else path
    name = check.text(data.get("name"), f"{here}.name", required=False) or key or ""
    name_en = check.text(data.get("name_en"), f"{here}.name_en", required=False) or name
    share = check.path_of(data.get("share"), f"{here}.share", required=False, high=1.0) or {FIRST_YEAR: 1.0}
    # negative: a route that supplies more energy than it uses (a converter recovering its gas, 负能炼钢)
    intensity = check.path_of(data.get("energy_intensity"), f"{here}.energy_intensity", low=None)
    mix_node = check.mapping(data.get("fuel_mix"), f"{here}.fuel_mix")
    mix: dict[str, Path_] = {}
    for fuel, value in (mix_node or {}).items():
        if fuel != "__line__":
            p = check.path_of(value, f"{here}.fuel_mix.{fuel}", high=1.0)
            if p is not None:
                mix[fuel] = p
    process = check.mapping(data.get("process"), f"{here}.process", required=False) or {}
    if process:
        check.unknown(process, f"{here}.process", ("ratio", "ef"))
    ratio = check.path_of(process.get("ratio"), f"{here}.process.ratio", required=False) or {FIRST_YEAR: 1.0}
    # a negative factor is allowed: carbon fixed in products (the steel guideline's 固碳产品) or exported
    # electricity and heat credited per unit of output, as a scenario from stored results carries them
    ef = check.path_of(process.get("ef"), f"{here}.process.ef", required=False, low=None) or {FIRST_YEAR: 0.0}
    benchmark = None
    bench = check.mapping(data.get("benchmark"), f"{here}.benchmark", required=False)
    if bench is not None:
        check.unknown(bench, f"{here}.benchmark", ("level", "indicator", "class", "year"))
        level = check.number(bench.get("level"), f"{here}.benchmark.level", required=False, positive=True)
        indicator = check.text(bench.get("indicator"), f"{here}.benchmark.indicator", required=False)
        kind = check.choice(bench.get("class"), f"{here}.benchmark.class", ("benchmark", "baseline"),
                            required=False) or "benchmark"
        year = check.year(bench.get("year"), f"{here}.benchmark.year")
        if level is None and indicator is None:
            check.add("benchmark_level_missing", bench, f"{here}.benchmark",
                      "give the level [kgce/t] or the indicator of the reference library",
                      "请填写标杆水平数值（kgce/t）或参考库中的指标编号（indicator）",
                      "add level: 361 or indicator: <key>", "请添加 level: 361 或 indicator: <编号>")
        if year is not None and year <= base_year:
            check.add("benchmark_year", bench.get("year"), f"{here}.benchmark.year",
                      "the attainment year must come after the base year", "达标年份须晚于基准年",
                      "write a later year", "请填写更晚的年份")
        if year is not None and (level is not None or indicator is not None):
            benchmark = BenchmarkSpec(level=level, year=year, indicator=indicator, level_kind=f"{kind}_level",
                                      line=_line(bench) or 0, path=f"{here}.benchmark")
    measures: list[MeasureSpec] = []
    for i, m in enumerate(check.items(data.get("measures"), f"{here}.measures", required=False)):
        mpath = f"{here}.measures[{i}]"
        md = check.mapping(m, mpath)
        if md is None:
            continue
        check.unknown(md, mpath, ("key", "name", "savings_pct", "start_year", "ramp_years", "source"))
        mname = check.text(md.get("name"), f"{mpath}.name", required=False) or check.text(
            md.get("key"), f"{mpath}.key")
        savings = check.number(md.get("savings_pct"), f"{mpath}.savings_pct", low=0.0, high=100.0)
        start = check.year(md.get("start_year"), f"{mpath}.start_year")
        ramp = check.number(md.get("ramp_years"), f"{mpath}.ramp_years", required=False, low=0, high=50) or 0
        source = check.text(md.get("source"), f"{mpath}.source", required=False) or ""
        if mname and savings is not None and start is not None:
            measures.append(MeasureSpec(mname, savings / 100.0, start, int(ramp), source))
    ccus = None
    cc = check.mapping(data.get("ccus"), f"{here}.ccus", required=False)
    if cc is not None:
        check.unknown(cc, f"{here}.ccus", ("capture_rate_pct", "start_year", "ramp_years", "applies_to"))
        rate = check.path_of(cc.get("capture_rate_pct"), f"{here}.ccus.capture_rate_pct", high=100.0, scale=0.01)
        start = check.year(cc.get("start_year"), f"{here}.ccus.start_year")
        ramp = check.number(cc.get("ramp_years"), f"{here}.ccus.ramp_years", required=False, low=0, high=50) or 0
        applies = [check.choice(a, f"{here}.ccus.applies_to[{j}]", ("combustion", "process"))
                   for j, a in enumerate(check.items(cc.get("applies_to"), f"{here}.ccus.applies_to", required=False))]
        targets = {a for a in applies if a} or {"combustion", "process"}
        if rate is not None and start is not None:
            ccus = CcusSpec(rate, start, int(ramp), "combustion" in targets, "process" in targets)
    if key is None or intensity is None or not mix:
        return None
    return RouteSpec(key=key, name_zh=name, name_en=name_en, share=share, energy_intensity=intensity, fuel_mix=mix,
                     process_ratio=ratio, process_ef=ef, benchmark=benchmark, measures=tuple(measures), ccus=ccus,
                     line=_line(data) or 0, path=here)


def _sector(check: _Check, node: Any, path: str, base_year: int) -> SectorSpec | None:
    data = check.mapping(node, path)
    if data is None:
        return None
    check.unknown(data, path, ("key", "name", "name_en", "unit", "industry", "output", "routes"))
    key = check.text(data.get("key"), f"{path}.key", limit=60)
    here = f"sectors[{key}]" if key else path
    name = check.text(data.get("name"), f"{here}.name", required=False) or key or ""
    name_en = check.text(data.get("name_en"), f"{here}.name_en", required=False) or name
    unit = check.text(data.get("unit"), f"{here}.unit", required=False) or "t"
    industry = check.text(data.get("industry"), f"{here}.industry", required=False, limit=60)
    output = check.mapping(data.get("output"), f"{here}.output")
    base = growth = output_path = None
    if output is not None:
        check.unknown(output, f"{here}.output", ("base", "growth_pct", "path"))
        base = check.number(output.get("base"), f"{here}.output.base", low=0.0)
        if output.get("growth_pct") is not None and output.get("path") is not None:
            check.add("growth_and_path", output, f"{here}.output", "give growth_pct or path, not both",
                      "growth_pct 与 path 只能填写其一", "delete one of them", "请删除其中之一")
        elif output.get("path") is not None:
            output_path = check.path_of(output.get("path"), f"{here}.output.path")
        else:
            growth = _rates(check, output.get("growth_pct"), f"{here}.output.growth_pct") \
                if output.get("growth_pct") is not None else {FIRST_YEAR: 0.0}
    routes = [_route(check, r, f"{here}.routes[{i}]", base_year)
              for i, r in enumerate(check.items(data.get("routes"), f"{here}.routes"))]
    keys = [r.key for r in routes if r]
    for dup in sorted({k for k in keys if keys.count(k) > 1}):
        check.add("duplicate_key", data.get("routes"), f"{here}.routes", f"two routes have the key {dup}",
                  f"有两个工艺路线的 key 都是 {dup}", "give each route its own key", "请为每个工艺路线设置不同的 key")
    if key is None or base is None or None in routes or not routes:
        return None
    return SectorSpec(key=key, name_zh=name, name_en=name_en, unit=unit, base_output=base, growth=growth,
                      output_path=output_path, routes=tuple(r for r in routes if r), line=_line(data) or 0, path=here,
                      industry=industry)


def _target(check: _Check, node: Any, path: str) -> TargetSpec | None:
    data = check.mapping(node, path)
    if data is None:
        return None
    check.unknown(data, path, ("kind", "name", "name_en", "year", "base_year", "from_year", "reduction_pct",
                               "tco2", "basis", "sector", "ref"))
    ref = check.text(data.get("ref"), f"{path}.ref", required=False)
    if ref is not None:
        return TargetSpec(kind="ref", name_zh="", name_en="", year=0, ref=ref, source=str(_line(data) or ""))
    kind = check.choice(data.get("kind"), f"{path}.kind", TARGET_KINDS)
    year = check.year(data.get("year"), f"{path}.year")
    name = check.text(data.get("name"), f"{path}.name", required=False) or ""
    name_en = check.text(data.get("name_en"), f"{path}.name_en", required=False) or name
    if kind is None or year is None:
        return None
    if kind in ("intensity_reduction", "energy_intensity_reduction"):
        base_year = check.year(data.get("base_year"), f"{path}.base_year")
        value = check.number(data.get("reduction_pct"), f"{path}.reduction_pct", low=-100.0, high=100.0)
        basis = check.choice(data.get("basis"), f"{path}.basis", ("value_added", "output"), required=False) \
            or "value_added"
        sector = check.text(data.get("sector"), f"{path}.sector", required=False)
        if basis == "output" and sector is None:
            check.add("sector_missing", data, f"{path}.sector", "an intensity per output names its sector",
                      "按产量计算的强度须指定行业（sector）", "add sector: <key>", "请添加 sector: <行业 key>")
        if base_year is None or value is None:
            return None
        return TargetSpec(kind=kind, name_zh=name, name_en=name_en, year=year, base_year=base_year, value=value,
                          basis=basis, sector=sector)
    if kind == "budget":
        first = check.year(data.get("from_year"), f"{path}.from_year")
        value = check.number(data.get("tco2"), f"{path}.tco2", low=0.0)
        if first is None or value is None:
            return None
        return TargetSpec(kind=kind, name_zh=name, name_en=name_en, year=year, first_year=first, value=value)
    if kind == "cap":
        value = check.number(data.get("tco2"), f"{path}.tco2", low=0.0)
        return None if value is None else TargetSpec(kind=kind, name_zh=name, name_en=name_en, year=year, value=value)
    return TargetSpec(kind=kind, name_zh=name, name_en=name_en, year=year)


def _scenario(check: _Check, data: dict[str, Any], key: str, name: str, name_en: str, base_year: int,
              end_year: int) -> ScenarioSpec | None:
    sectors = [_sector(check, s, f"sectors[{i}]", base_year)
               for i, s in enumerate(check.items(data.get("sectors"), "sectors"))]
    keys = [s.key for s in sectors if s]
    for dup in sorted({k for k in keys if keys.count(k) > 1}):
        check.add("duplicate_key", data.get("sectors"), "sectors", f"two sectors have the key {dup}",
                  f"有两个行业的 key 都是 {dup}", "give each sector its own key", "请为每个行业设置不同的 key")
    grid = check.mapping(data.get("grid_factor"), "grid_factor", required=False)
    grid_path, grid_source, grid_scenario = None, "", None
    if grid is not None:
        check.unknown(grid, "grid_factor", ("path", "scenario", "source"))
        if grid.get("scenario") is not None and grid.get("path") is not None:
            check.add("grid_path_and_scenario", grid.get("scenario"), "grid_factor.scenario",
                      "give either grid_factor.path or grid_factor.scenario, not both",
                      "grid_factor.path 与 grid_factor.scenario 只能填写其一",
                      "keep the path (your own projection) or the scenario (a projection of the reference library)",
                      "保留自定义路径（path）或参考库中的预测情景（scenario）之一")
        elif grid.get("scenario") is not None:
            grid_scenario = check.text(grid.get("scenario"), "grid_factor.scenario", limit=60)
        else:
            grid_path = check.path_of(grid.get("path"), "grid_factor.path")
        grid_source = check.text(grid.get("source"), "grid_factor.source", required=False) or ""
    fuels = check.mapping(data.get("fuel_ef"), "fuel_ef", required=False) or {}
    fuel_ef: dict[str, float] = {}
    for fuel, value in fuels.items():
        if fuel != "__line__":
            number = check.number(value, f"fuel_ef.{fuel}", low=0.0)
            if number is not None:
                fuel_ef[fuel] = number
    va = check.mapping(data.get("value_added"), "value_added", required=False)
    va_base = va_growth = None
    va_unit = ""
    if va is not None:
        check.unknown(va, "value_added", ("base", "unit", "growth_pct"))
        va_base = check.number(va.get("base"), "value_added.base", positive=True)
        va_unit = check.text(va.get("unit"), "value_added.unit", required=False) or "10^4 CNY"
        va_growth = _rates(check, va.get("growth_pct"), "value_added.growth_pct")
    targets = [_target(check, t, f"targets[{i}]") for i, t in enumerate(check.items(data.get("targets"), "targets",
                                                                                      required=False))]
    for t in targets:
        if t is not None and t.kind in ("intensity_reduction", "energy_intensity_reduction") \
                and t.basis == "value_added" and va is None:
            check.add("value_added_missing", data.get("targets"), "targets",
                      "an intensity target per value added needs value_added (base and growth_pct)",
                      "按增加值（GDP）计算的强度目标需要填写 value_added（base 与 growth_pct）",
                      "add value_added or set basis: output", "请添加 value_added，或设置 basis: output")
            break
    if None in sectors or not sectors or grid is not None and grid_path is None and grid_scenario is None:
        return None
    return ScenarioSpec(key=key, name_zh=name, name_en=name_en, sectors=tuple(s for s in sectors if s),
                        grid_factor=grid_path, grid_source=grid_source, fuel_ef=fuel_ef, value_added_base=va_base,
                        value_added_unit=va_unit, value_added_growth=va_growth,
                        targets=tuple(t for t in targets if t), grid_scenario=grid_scenario)


def _uncertainty(check: _Check, node: Any) -> tuple[list[UncertainSpec], list[tuple[str, str, float]],
                                                    int | None, int | None]:
    data = check.mapping(node, "uncertainty", required=False)
    if data is None:
        return [], [], None, None
    check.unknown(data, "uncertainty", ("draws", "seed", "parameters", "correlations"))
    draws = check.number(data.get("draws"), "uncertainty.draws", required=False, low=1, high=MAX_DRAWS)
    seed = check.number(data.get("seed"), "uncertainty.seed", required=False, low=0, high=2**63 - 1)
    specs: list[UncertainSpec] = []
    for i, p in enumerate(check.items(data.get("parameters"), "uncertainty.parameters")):
        path = f"uncertainty.parameters[{i}]"
        pd = check.mapping(p, path)
        if pd is None:
            continue
        dist_name = check.choice(pd.get("distribution"), f"{path}.distribution", DISTRIBUTIONS)
        check.unknown(pd, path, ("name", "quantity", "sector", "route", "distribution",
                                 *(k for ks in DISTRIBUTIONS.values() for k in ks)))
        name = check.text(pd.get("name"), f"{path}.name", limit=60)
        quantity = check.choice(pd.get("quantity"), f"{path}.quantity", QUANTITIES)
        if dist_name is None or name is None or quantity is None:
            continue
        parameters = {k: check.number(pd.get(k), f"{path}.{k}") for k in DISTRIBUTIONS[dist_name]}
        if None in parameters.values():
            continue
        dist = Distribution(dist_name, {k: float(v) for k, v in parameters.items() if v is not None})
        problem = dist.check()
        if problem:
            check.add("bad_distribution", pd, path, problem, "分布参数不合理：" + problem.replace("is required", "必须满足"),
                      "correct the parameters", "请修改分布参数")
            continue
        specs.append(UncertainSpec(name=name, quantity=quantity, distribution=dist,
                                   sector=check.text(pd.get("sector"), f"{path}.sector", required=False),
                                   route=check.text(pd.get("route"), f"{path}.route", required=False)))
    names = [s.name for s in specs]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        check.add("duplicate_key", data.get("parameters"), "uncertainty.parameters", f"two parameters are named {dup}",
                  f"有两个不确定参数都命名为 {dup}", "give each its own name", "请为每个参数设置不同的名称")
    correlations: list[tuple[str, str, float]] = []
    for i, c in enumerate(check.items(data.get("correlations"), "uncertainty.correlations", required=False)):
        path = f"uncertainty.correlations[{i}]"
        if not isinstance(c, list) or len(c) != 3:
            check.add("bad_correlation", c, path, "a correlation is [name, name, rho]",
                      "相关系数应写作 [参数名, 参数名, 系数]", "write e.g. [steel_growth, cement_growth, 0.5]",
                      "例如 [steel_growth, cement_growth, 0.5]")
            continue
        a = check.text(c[0], f"{path}[0]")
        b = check.text(c[1], f"{path}[1]")
        rho = check.number(c[2], f"{path}[2]", low=-0.999, high=0.999)
        for n, node_ in ((a, c[0]), (b, c[1])):
            if n is not None and n not in names:
                check.add("unknown_parameter", node_, path, f"no uncertain parameter is named {n}",
                          f"没有名为 {n} 的不确定参数", f"use one of {', '.join(names)}", f"请使用：{'、'.join(names)}")
        if a and b and rho is not None and a in names and b in names:
            if a == b:
                check.add("bad_correlation", c[0], path, "a parameter cannot be correlated with itself",
                          "参数不能与自身相关", "name two different parameters", "请填写两个不同参数")
            else:
                correlations.append((a, b, rho))
    return specs, correlations, None if draws is None else int(draws), None if seed is None else int(seed)


def read_scenario_file(source: Path | tuple[str, bytes]) -> ScenarioFile:
    """Read and check a scenario file (path, or (name, content) of an upload).

    Raises
    ------
    InputError
        The file cannot be read, is too large or is not UTF-8 text.
    ValidationFailed
        With every located finding, when any field is wrong; nothing is computed.
    """
    if isinstance(source, tuple):
        name, content = source
    else:
        name = source.name
        try:
            if source.stat().st_size > MAX_BYTES:
                raise InputError(f"{name} is larger than {MAX_BYTES // 1000} kB", f"{name} 超过 {MAX_BYTES // 1000} kB")
            content = source.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror}", f"无法读取 {name}：{exc.strerror}") from exc
    if len(content) > MAX_BYTES:
        raise InputError(f"{name} is larger than {MAX_BYTES // 1000} kB", f"{name} 超过 {MAX_BYTES // 1000} kB")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not UTF-8 text: save it as UTF-8", f"{name} 不是 UTF-8 文本：请另存为 UTF-8") from exc
    line = nul_line(text)
    if line is not None:
        raise InputError(f"{name} line {line} has a NUL character: save it as UTF-8 text",
                         f"{name} 第 {line} 行含有 NUL 字符：请另存为 UTF-8 文本")
    issues: list[Finding] = []
    check = _Check(name, issues)
    root = _load(text, name, issues, check.at)
    if issues:
        raise ValidationFailed(issues[:100], len(issues))
    data = check.mapping(root, "(file)")
    if data is None:
        raise ValidationFailed(issues, len(issues))
    check.unknown(data, "", ("title", "title_en", "scope", "region", "base_year", "end_year", "plateau_tolerance_pct",
                             "grid_factor", "fuel_ef", "value_added", "sectors", "targets", "policies", "uncertainty"))
    title = check.text(data.get("title"), "title") or ""
    title_en = check.text(data.get("title_en"), "title_en", required=False) or title
    scope = check.choice(data.get("scope"), "scope", ("enterprise", "industry", "region"), required=False) or "region"
    region = check.text(data.get("region"), "region", required=False)
    base_year = check.year(data.get("base_year"), "base_year")
    end_year = check.year(data.get("end_year"), "end_year")
    tolerance = check.number(data.get("plateau_tolerance_pct"), "plateau_tolerance_pct", required=False, low=0.0,
                             high=50.0)
    if base_year is not None and end_year is not None and not base_year < end_year <= base_year + 100:
        check.add("bad_horizon", data.get("end_year"), "end_year", "end_year must come after base_year (at most 100 years)",
                  "end_year 须晚于 base_year（不超过 100 年）", "e.g. base_year: 2020, end_year: 2060",
                  "例如 base_year: 2020，end_year: 2060")
        end_year = None
    scenarios: list[ScenarioSpec] = []
    if base_year is not None and end_year is not None:
        base = _scenario(check, data, "baseline", "基准情景", "Baseline", base_year, end_year)
        if base is not None:
            scenarios.append(base)
        for i, p in enumerate(check.items(data.get("policies"), "policies", required=False)):
            path = f"policies[{i}]"
            pd = check.mapping(p, path)
            if pd is None:
                continue
            check.unknown(pd, path, ("key", "name", "name_en", "changes"))
            key = check.text(pd.get("key"), f"{path}.key", limit=60)
            name = check.text(pd.get("name"), f"{path}.name", required=False) or key or ""
            name_en = check.text(pd.get("name_en"), f"{path}.name_en", required=False) or name
            changes = check.mapping(pd.get("changes"), f"{path}.changes")
            if key == "baseline" or key in {s.key for s in scenarios}:
                check.add("duplicate_key", pd.get("key"), f"{path}.key", f"the scenario key {key} is taken",
                          f"情景 key {key} 已被使用", "give each policy its own key", "请为每个政策情景设置不同的 key")
                continue
            if key is None or changes is None:
                continue
            check.unknown(changes, f"{path}.changes", ("grid_factor", "fuel_ef", "value_added", "sectors", "targets"))
            spec = _scenario(check, _merge(data, changes), key, name, name_en, base_year, end_year)
            if spec is not None:
                scenarios.append(spec)
    uncertainties, correlations, draws, seed = _uncertainty(check, data.get("uncertainty"))
    if scenarios and uncertainties:
        sectors = {s.key: {r.key for r in s.routes} for s in scenarios[0].sectors}
        for i, u in enumerate(uncertainties):
            if u.sector is not None and u.sector not in sectors:
                check.add("unknown_sector", None, f"uncertainty.parameters[{i}].sector",
                          f"no sector has the key {u.sector}", f"没有 key 为 {u.sector} 的行业",
                          f"use one of {', '.join(sectors)}", f"请使用：{'、'.join(sectors)}")
            elif u.route is not None and u.sector is not None and u.route not in sectors[u.sector]:
                check.add("unknown_route", None, f"uncertainty.parameters[{i}].route",
                          f"sector {u.sector} has no route {u.route}", f"行业 {u.sector} 没有工艺路线 {u.route}",
                          f"use one of {', '.join(sorted(sectors[u.sector]))}", "请使用该行业已有的工艺路线")
    errors = [i for i in issues if i.severity == "error"]
    if errors or base_year is None or end_year is None or not scenarios:
        raise ValidationFailed(errors[:100] or issues[:100], len(errors) or len(issues))
    return ScenarioFile(file=name, title_zh=title, title_en=title_en, scope=scope, region=region, base_year=base_year,
                        end_year=end_year, plateau_tolerance=(2.0 if tolerance is None else tolerance) / 100.0,
                        scenarios=tuple(scenarios), uncertainties=tuple(uncertainties),
                        correlations=tuple(correlations), draws=draws, seed=seed)

