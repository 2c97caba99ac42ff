"""Unit registry: Chinese spellings, 10^4 prefixes, dimensional safety, round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenmfg.errors import UnitError
from greenmfg.units import conversion_factor, normalize_unit_text, parse_unit


@pytest.mark.parametrize(
    ("text", "target", "factor"),
    [
        ("吨", "t", 1.0),
        ("万吨", "t", 1e4),
        ("万千瓦时", "MWh", 10.0),
        ("度", "kWh", 1.0),
        ("万立方米", "10^4 Nm3", 1.0),
        ("10⁴ m³", "Nm3", 1e4),
        ("吉焦", "GJ", 1.0),
        ("百万千焦", "GJ", 1.0),
        ("吨标准煤", "kgce", 1000.0),
        ("重量箱", "kg", 50.0),  # 1 weight box = 50 kg of 2 mm flat glass
        ("tC/TJ", "tC/GJ", 1e-3),
        ("kgce/kWh", "tce/MWh", 1.0),
        ("kgCO2/kWh", "tCO2/MWh", 1.0),
        ("%", "1", 0.01),
        ("kgoe", "kgce", 41868 / 29307.6),  # GB 30251-2024: 1 kgoe = 1.4286 kgce
        ("gce/kWh", "kgce/kWh", 1e-3),
    ],
)
def test_known_spellings_convert(text: str, target: str, factor: float) -> None:
    assert conversion_factor(text, target) == pytest.approx(factor, rel=1e-12)


def test_kgce_is_29307_6_kilojoules() -> None:
    # GB/T 2589-2020: 1 kgce = 29 307.6 kJ
    assert conversion_factor("kgce", "kJ") == pytest.approx(29307.6, rel=1e-12)
    # electricity on the equivalent basis: 3600 kJ/kWh / 29307.6 = 0.1229 kgce/kWh
    assert conversion_factor("kWh", "kgce") == pytest.approx(0.1228350, rel=1e-6)


def test_mismatch_names_both_units_and_item() -> None:
    with pytest.raises(UnitError) as raised:
        conversion_factor("kWh", "t", what="原煤")
    message = str(raised.value)
    assert "kWh" in message and "'t'" in message and "原煤" in message


def test_co2_never_passes_for_fuel_mass() -> None:
    with pytest.raises(UnitError):
        conversion_factor("tCO2", "t")
    with pytest.raises(UnitError):
        conversion_factor("tC", "tCO2")


def test_unknown_unit_is_reported() -> None:
    with pytest.raises(UnitError, match="unknown unit 'furlongs per jin'"):
        parse_unit("furlongs per jin")


def test_normalisation_handles_prefix_before_slash() -> None:
    assert normalize_unit_text("GJ/10^4Nm3") == "GJ/wan_Nm3"


UNITS_BY_DIMENSION = {
    "mass": ["t", "kg", "吨", "万吨", "千克", "重量箱", "g"],
    "energy": ["GJ", "MJ", "kJ", "kWh", "MWh", "万千瓦时", "吉焦", "tce", "kgce", "kgoe", "toe"],
    "volume": ["m3", "Nm3", "10^4 Nm3", "万立方米", "立方米", "L", "千升"],
}


@given(
    st.sampled_from(list(UNITS_BY_DIMENSION)).flatmap(
        lambda dim: st.tuples(st.sampled_from(UNITS_BY_DIMENSION[dim]), st.sampled_from(UNITS_BY_DIMENSION[dim]))
    ),
    st.floats(min_value=1e-6, max_value=1e9, allow_nan=False),
)
def test_round_trip(units: tuple[str, str], value: float) -> None:
    a, b = units
    there = value * conversion_factor(a, b)
    back = there * conversion_factor(b, a)
    assert math.isclose(back, value, rel_tol=1e-12)


@given(
    st.sampled_from(UNITS_BY_DIMENSION["energy"]),
    st.sampled_from(UNITS_BY_DIMENSION["energy"]),
    st.sampled_from(UNITS_BY_DIMENSION["energy"]),
)
def test_factors_compose(a: str, b: str, c: str) -> None:
    assert math.isclose(conversion_factor(a, b) * conversion_factor(b, c), conversion_factor(a, c), rel_tol=1e-12)


def test_what_a_unit_measures_in_words() -> None:
    from greenmfg.units import measure_of

    assert measure_of("kWh").name_zh == "能量" and measure_of("万千瓦时").name == "energy"
    assert measure_of("吨").name_zh == "质量" and measure_of("weight box").name == "mass"
    assert measure_of("万立方米").name_zh == "体积"
    assert measure_of("MJ/kg").name == "heat per unit of mass" and measure_of("GJ/(10^4 Nm3)").name_zh == "单位体积的热量"
    assert measure_of("m/s") is None  # a unit, but of nothing an import needs
    with pytest.raises(UnitError):
        measure_of("bananas")
