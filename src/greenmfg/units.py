"""One unit registry for greenmfg, with the spellings Chinese and English users type.

Quantities are converted at the boundary (importers, reference-data loading); the calculation
layer then works in each item's canonical unit. Conversion factors are computed once per distinct
unit text, never per row.

Definitions
-----------
- 1 kgce (kilogram of standard coal equivalent) = 29 307.6 kJ (7000 kcal), GB/T 2589-2020 §3.
- 1 kgoe (kilogram of oil equivalent) = 41 868 kJ (10 000 kcal), GB 30251-2024 附录A.
- 1 weight box (重量箱) = 50 kg: 10 m² of 2 mm flat glass, the output unit of flat-glass statistics.
- Money (yuan, 万元 = 10^4 yuan, 亿元 = 10^8 yuan) is its own dimension, for output-value intensities
  (万元/m2, 元/m3); 1 亩 (mu) = 10000/15 m².
- Nm3 is a normal cubic metre (0 °C, 101.325 kPa), the basis of GB/T 32151 gas volumes.
- CO2(e), carbon and each non-CO2 gas are their own dimensions so that a tonne of CO2 can never
  pass for a tonne of coal; the stoichiometric 44/12 is applied in formulas, not in units.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

import pint

from greenmfg.errors import UnitError

__all__ = [
    "MEASURES",
    "Measure",
    "UnitChoice",
    "conversion_factor",
    "display_unit",
    "normalize_unit_text",
    "measure_of",
    "parse_unit",
    "registry",
    "unit_choices",
    "units_converting_to",
]

_DEFINITIONS = """
kgce = 29307.6 * kilojoule = kgce
gce = 0.001 * kgce
tce = 1000 * kgce
wan_tce = 10000 * tce
kgoe = 41868 * kilojoule = kgoe
toe = 1000 * kgoe
kgCO2e = [co2e_mass]
tCO2e = 1000 * kgCO2e
kgCO2 = kgCO2e
tCO2 = tCO2e
wan_tCO2 = 10000 * tCO2e
kgC = [carbon_mass]
tC = 1000 * kgC
kgCF4 = [cf4_mass]
tCF4 = 1000 * kgCF4
kgC2F6 = [c2f6_mass]
tC2F6 = 1000 * kgC2F6
kgCH4 = [ch4_mass]
tCH4 = 1000 * kgCH4
kgN2O = [n2o_mass]
tN2O = 1000 * kgN2O
Nm3 = meter ** 3
wan_Nm3 = 10000 * Nm3
wan_m3 = 10000 * meter ** 3
wan_t = 10000 * metric_ton
wan_kWh = 10000 * kilowatt_hour
weight_box = 50 * kilogram
yuan = [currency]
wan_yuan = 10000 * yuan
yi_yuan = 100000000 * yuan
mu = 10000 / 15 * meter ** 2
"""

# Chinese and alternative spellings, longest first when applied. Values are pint expressions.
_ALIASES: dict[str, str] = {
    "万吨标准煤": "wan_tce",
    "万吨标煤": "wan_tce",
    "吨标准煤": "tce",
    "吨标煤": "tce",
    "千克标准煤": "kgce",
    "公斤标准煤": "kgce",
    "千克标煤": "kgce",
    "公斤标煤": "kgce",
    "千克标准油": "kgoe",
    "千克标油": "kgoe",
    "吨标准油": "toe",
    "吨标油": "toe",
    "吨二氧化碳当量": "tCO2e",
    "吨二氧化碳": "tCO2",
    "千克二氧化碳": "kgCO2",
    "吨碳": "tC",
    "万千瓦时": "wan_kWh",
    "万度": "wan_kWh",
    "千瓦时": "kWh",
    "千瓦·时": "kWh",
    "兆瓦时": "MWh",
    "吉瓦时": "GWh",
    "度": "kWh",
    "万标准立方米": "wan_Nm3",
    "万标立方米": "wan_Nm3",
    "万立方米": "wan_m3",
    "万方": "wan_m3",
    "标准立方米": "Nm3",
    "标立方米": "Nm3",
    "立方米": "m**3",
    "吉焦": "GJ",  # before 百万千焦: the first Chinese spelling names the unit (unit_choices)
    "百万千焦": "GJ",
    "兆焦": "MJ",
    "千焦": "kJ",
    "重量箱": "weight_box",
    "万吨": "wan_t",
    "吨": "t",
    "千克": "kg",
    "公斤": "kg",
    "克": "g",
    "千升": "kL",
    "升": "L",
    "百分比": "percent",
    "亿元": "yi_yuan",
    "万元": "wan_yuan",
    "元": "yuan",
    "亩": "mu",
    "weight box": "weight_box",
    "weight boxes": "weight_box",
    "tonne": "t",
    "tonnes": "t",
    "tons": "t",
    "ton": "t",
}
_ALIAS_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(_ALIASES, key=len, reverse=True)))
# "10^4 Nm3", "10^4Nm3", "10**4 m3" and "万Nm3" all mean ten thousand of the unit that follows.
_TEN_THOUSAND = re.compile(r"(?:10\s*(?:\^|\*\*)\s*4|万)\s*\*?\s*(?=[A-Za-z])")
# m3 / m2 written without an exponent sign (but leave the defined name Nm3 alone)
_BARE_POWER = re.compile(r"(?<![A-Za-z_])(m|km|cm|mm)([23])(?![0-9])")


@functools.cache
def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """Return greenmfg's single unit registry (created on first use)."""
    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)  # type: ignore[type-arg]
    for line in _DEFINITIONS.strip().splitlines():
        ureg.define(line.strip())
    return ureg


def normalize_unit_text(text: str) -> str:
    """Rewrite a user's unit spelling into a pint expression.

    Full-width characters, superscripts, Chinese unit names, "10^4"/"万" prefixes and bare
    ``m3`` are handled. The result is only text; :func:`parse_unit` checks it.
    """
    # Superscript exponents first: NFKC would turn "10⁴" into "104".
    s = str(text).replace("⁴", "^4").replace("³", "^3").replace("²", "^2")
    s = unicodedata.normalize("NFKC", s).strip()
    s = re.sub(r"(?<![0-9])(m|km|cm|mm|Nm)\^([23])", r"\1\2", s)
    s = s.replace("·", "*").replace("×", "*")
    s = _ALIAS_PATTERN.sub(lambda m: f" {_ALIASES[m.group(0)]} ", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\s*/\s*", "/", s)
    s = _TEN_THOUSAND.sub("wan_", s)
    s = s.replace("wan_ ", "wan_")
    s = _BARE_POWER.sub(r"\1**\2", s)
    if s.startswith("wan_m**3"):
        s = "wan_m3" + s[len("wan_m**3") :]
    s = re.sub(r"wan_m\*\*3", "wan_m3", s)
    s = s.replace("%", "percent")
    return s


@functools.cache
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit written the way users write it (``吨``, ``万千瓦时``, ``10^4 Nm3``, ``GJ/t``).

    Raises
    ------
    UnitError
        If the text is empty or names no known unit.
    """
    if text is None or not str(text).strip():
        raise UnitError("empty unit / 单位为空: give a unit such as t, kWh, 10^4 Nm3 or GJ")
    expression = normalize_unit_text(text)
    try:
        unit = registry().parse_units(expression)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError, AttributeError, TypeError, AssertionError) as exc:
        raise UnitError(
            f"unknown unit '{text}' / 未知单位 '{text}': use a unit such as t, kg, kWh, MWh, GJ, "
            "10^4 Nm3, tce, 吨, 万千瓦时, 万立方米 or 吉焦"
        ) from exc
    return unit


def conversion_factor(from_unit: str, to_unit: str, *, what: str = "") -> float:
    """Factor ``f`` such that a value in ``from_unit`` times ``f`` is the value in ``to_unit``.

    Parameters
    ----------
    from_unit, to_unit
        Unit texts in any accepted spelling.
    what
        What the quantity is (an item name), used in the error message.

    Raises
    ------
    UnitError
        If either unit is unknown or the two do not share a dimension; the message names both.
    """
    source = parse_unit(from_unit)
    target = parse_unit(to_unit)
    ureg = registry()
    try:
        return float(ureg.Quantity(1.0, source).to(target).magnitude)
    except pint.errors.DimensionalityError as exc:
        subject = f" for {what}" if what else ""
        subject_zh = f"（{what}）" if what else ""
        raise UnitError(
            f"unit '{from_unit}' does not fit{subject}: it must convert to '{to_unit}' "
            f"({source.dimensionality} is not {target.dimensionality}) / 单位 '{from_unit}'{subject_zh} "
            f"不能换算为 '{to_unit}'"
        ) from exc


def display_unit(text: str) -> str:
    """A short, readable spelling of a canonical unit for reports (``10^4 Nm3``, ``kgce/t``)."""
    return str(text).replace("wan_", "10^4 ").replace("weight_box", "weight box")


class Measure(NamedTuple):
    """What a unit measures, in words a factory's staff use, with units that measure it."""

    name: str
    name_zh: str
    examples: str
    examples_zh: str


#: what units measure, each by a unit of it (its dimensionality is the measure's), in plain words
MEASURES: dict[str, Measure] = {
    "t": Measure("mass", "质量", "t, kg, 10^4 t", "t、kg、吨、万吨"),
    "GJ": Measure("energy", "能量", "kWh, MWh, GJ, 10^4 kWh", "kWh、MWh、GJ、千瓦时、万千瓦时、吉焦"),
    "m3": Measure("volume", "体积", "Nm3, m3, 10^4 Nm3", "Nm3、m3、10^4 Nm3、立方米、万立方米"),
    "m2": Measure("area", "面积", "m2", "m2、亩"),
    "yuan": Measure("money", "金额", "yuan, 10^4 yuan", "元、万元"),
    "tCO2e": Measure("mass of CO2 (equivalent)", "二氧化碳（当量）质量", "tCO2, tCO2e", "tCO2、tCO2e、吨二氧化碳"),
    "tC": Measure("mass of carbon", "碳质量", "tC", "tC、吨碳"),
    "kW": Measure("power", "功率", "kW, MW", "kW、MW"),
    "h": Measure("time", "时间", "h", "h"),
    "percent": Measure("a ratio", "比例", "%, 0.98", "%、0.98"),
    "GJ/t": Measure("heat per unit of mass", "单位质量的热量", "GJ/t, MJ/kg, kJ/kg", "GJ/t、MJ/kg、kJ/kg"),
    "GJ/m3": Measure("heat per unit of volume", "单位体积的热量", "GJ/10^4 Nm3, MJ/Nm3, kJ/Nm3",
                     "GJ/10^4 Nm3、MJ/Nm3、GJ/万立方米"),
    "tC/GJ": Measure("carbon per unit of heat", "单位热值含碳量", "tC/GJ, tC/TJ", "tC/GJ、tC/TJ"),
    "tC/t": Measure("carbon per unit of mass", "单位质量含碳量", "tC/t", "tC/t"),
}


@functools.cache
def _measures_by_dimensionality() -> dict[str, Measure]:
    return {str(parse_unit(unit).dimensionality): measure for unit, measure in MEASURES.items()}


def measure_of(text: str) -> Measure | None:
    """What the unit ``text`` measures (mass, energy, volume …), or None for a unit of another kind.

    Raises
    ------
    UnitError
        If the text names no known unit.
    """
    return _measures_by_dimensionality().get(str(parse_unit(text).dimensionality))


class UnitChoice(NamedTuple):
    """A unit a person picks: as a cell writes it (``10^4 t``, read back by :func:`parse_unit`), its
    Chinese name from the alias table (万吨) and what it measures (:data:`MEASURES`, None if nothing listed)."""

    symbol: str
    name_zh: str
    measure: Measure | None


_HAN = re.compile(r"[\u3400-\u9fff]")


@functools.cache
def unit_choices() -> tuple[UnitChoice, ...]:
    """Every unit the library names in Chinese (the alias table), once each, in the table's order."""
    first: dict[str, str] = {}
    for spelling, expression in _ALIASES.items():
        if _HAN.search(spelling):
            first.setdefault(expression, spelling)
    choices = []
    for expression, name_zh in first.items():
        symbol = display_unit(expression).replace("**", "")
        try:
            measure = measure_of(symbol)
        except UnitError:
            continue
        choices.append(UnitChoice(symbol, name_zh, measure))
    return tuple(choices)


@functools.cache
def units_converting_to(target: str) -> tuple[UnitChoice, ...]:
    """The choices of :func:`unit_choices` a quantity may be given in when it is kept in ``target``:
    those :func:`conversion_factor` converts (the rule the activity importer checks a unit by)."""
    accepted = []
    for choice in unit_choices():
        try:
            conversion_factor(choice.symbol, target)
        except UnitError:
            continue
        accepted.append(choice)
    return tuple(accepted)
