"""Heat carried by steam, for purchased and exported steam in GHG accounting.

The NDRC/MEE industry GHG accounting guidelines (2013-2015; the 热力 paragraph of each) turn a
mass of steam into heat by its specific enthalpy net of the feed water's::

    AD_steam [GJ] = Ma [t] × (En_st − 83.74) [kJ/kg] × 10⁻³

83.74 kJ/kg is the enthalpy the guidelines give to feed water (20 °C × 4.1868 kJ/(kg·K)). The
enthalpy is the measured one, or the one of the steam's measured state (pressure, temperature)
read from the IAPWS-IF97 formulation, computed here by the ``iapws`` library (never a table of
our own).

The state is given as absolute pressure [MPa] and temperature [°C]:

- pressure alone: dry saturated steam (dryness 1) at that pressure, h'' (p);
- pressure and a temperature within :data:`SATURATION_TOLERANCE_K` of the saturation temperature:
  the same dry saturated steam (a thermometer on saturated steam reads its saturation temperature);
- pressure and a higher temperature: superheated steam, h (p, T);
- a temperature below saturation: not steam (compressed water) - an error, as is a state outside
  IF97 (above 100 MPa or 800 °C) or a pressure alone at or above the critical pressure.

Wet steam (dryness below 1) is not computed from a state: its enthalpy is the measured one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "CRITICAL_PRESSURE_MPA",
    "FEED_WATER_ENTHALPY_GJ_PER_T",
    "FEED_WATER_ENTHALPY_KJ_PER_KG",
    "MAX_PRESSURE_MPA",
    "MAX_STEAM_ENTHALPY_KJ_PER_KG",
    "MAX_TEMPERATURE_C",
    "SATURATION_TOLERANCE_K",
    "SteamState",
    "steam_state",
]

#: Enthalpy the NDRC guidelines subtract for the feed water [kJ/kg] (20 °C × 4.1868 kJ/(kg·K)).
FEED_WATER_ENTHALPY_KJ_PER_KG = 83.74
#: The same in GJ per tonne.
FEED_WATER_ENTHALPY_GJ_PER_T = FEED_WATER_ENTHALPY_KJ_PER_KG / 1000.0
#: Critical pressure of water [MPa] (IAPWS-IF97): no saturated state at or above it.
CRITICAL_PRESSURE_MPA = 22.064
#: Upper limits of IAPWS-IF97 regions 1-3 [MPa], [°C].
MAX_PRESSURE_MPA = 100.0
MAX_TEMPERATURE_C = 800.0
#: Highest enthalpy of a state in IF97 regions 1-3 (800 °C near zero pressure, ≈ 4160 kJ/kg),
#: rounded up: a measured steam enthalpy above it is a unit or typing error.
MAX_STEAM_ENTHALPY_KJ_PER_KG = 4200.0
#: A temperature this close to the saturation temperature [K] reads saturated steam.
SATURATION_TOLERANCE_K = 1.0
_KELVIN = 273.15
#: Triple-point pressure of water [MPa]: no saturated state below it.
_TRIPLE_POINT_MPA = 611.657e-6


@dataclass(frozen=True, slots=True)
class SteamState:
    """What a (pressure, temperature) reading is: its enthalpy, or why it has none.

    ``column`` names the template column at fault (``steam_pressure`` or ``steam_temperature``)
    when ``problem`` is set; ``problem``/``problem_zh`` say what is wrong and how to fix it.
    """

    enthalpy_kj_per_kg: float | None
    state: str | None = None  # "saturated" | "superheated"
    problem: str | None = None
    problem_zh: str | None = None
    column: str | None = None

    @property
    def enthalpy_gj_per_t(self) -> float | None:
        return None if self.enthalpy_kj_per_kg is None else self.enthalpy_kj_per_kg / 1000.0


def _bad(column: str, problem: str, problem_zh: str) -> SteamState:
    return SteamState(None, None, problem, problem_zh, column)


def steam_state(pressure_mpa: float | None, temperature_c: float | None) -> SteamState:
    """The IAPWS-IF97 enthalpy of steam at absolute ``pressure_mpa`` and ``temperature_c``
    (None: dry saturated steam at that pressure), or the problem with that reading."""
    from iapws import IAPWS97  # imported here: only inputs with a steam state need it
    from iapws.iapws97 import _TSat_P

    def finite(value: float | None) -> bool:
        return value is not None and math.isfinite(value)

    if pressure_mpa is None:
        return _bad("steam_pressure",
                    "a steam temperature is given without the pressure: give the absolute pressure too "
                    "(for saturated steam the pressure alone)",
                    "给出了蒸汽温度但没有压力：请同时填写绝对压力（饱和蒸汽只填压力即可）")
    if not finite(pressure_mpa) or pressure_mpa <= 0 or pressure_mpa > MAX_PRESSURE_MPA:
        return _bad("steam_pressure",
                    f"steam pressure {pressure_mpa} MPa is outside (0, {MAX_PRESSURE_MPA:g}] MPa, the range of "
                    "IAPWS-IF97: give the absolute pressure in MPa (gauge pressure + 0.1)",
                    f"蒸汽压力 {pressure_mpa} MPa 超出 IAPWS-IF97 适用范围 (0, {MAX_PRESSURE_MPA:g}] MPa："
                    "请填写以 MPa 计的绝对压力（表压 + 0.1）")
    if temperature_c is not None and (not finite(temperature_c) or not 0.0 <= temperature_c <= MAX_TEMPERATURE_C):
        return _bad("steam_temperature",
                    f"steam temperature {temperature_c} °C is outside 0-{MAX_TEMPERATURE_C:g} °C, the range of "
                    "IAPWS-IF97: give the temperature in °C",
                    f"蒸汽温度 {temperature_c} °C 超出 IAPWS-IF97 适用范围 0–{MAX_TEMPERATURE_C:g} °C：请以 °C 填写")
    if pressure_mpa < _TRIPLE_POINT_MPA:
        return _bad("steam_pressure",
                    f"steam pressure {pressure_mpa} MPa is below the triple point ({_TRIPLE_POINT_MPA} MPa): "
                    "give the absolute pressure in MPa",
                    f"蒸汽压力 {pressure_mpa} MPa 低于三相点压力（{_TRIPLE_POINT_MPA} MPa）：请以 MPa 填写绝对压力")
    subcritical = pressure_mpa < CRITICAL_PRESSURE_MPA
    saturation_c = _TSat_P(pressure_mpa) - _KELVIN if subcritical else None
    if temperature_c is None or (saturation_c is not None
                                 and abs(temperature_c - saturation_c) <= SATURATION_TOLERANCE_K):
        if saturation_c is None:
            return _bad("steam_temperature",
                        f"at {pressure_mpa} MPa (at or above the critical pressure {CRITICAL_PRESSURE_MPA} MPa) "
                        "steam has no saturated state: give its temperature",
                        f"{pressure_mpa} MPa 不低于临界压力 {CRITICAL_PRESSURE_MPA} MPa，不存在饱和蒸汽：请填写蒸汽温度")
        return SteamState(float(IAPWS97(P=pressure_mpa, x=1.0).h), "saturated")
    if saturation_c is not None and temperature_c < saturation_c:
        return _bad("steam_temperature",
                    f"{temperature_c} °C is below the saturation temperature {saturation_c:.1f} °C at "
                    f"{pressure_mpa} MPa (absolute): at that state it is water, not steam. Check that the "
                    "pressure is absolute (gauge + 0.1 MPa); for saturated steam give the pressure alone; for "
                    "wet steam give its measured enthalpy instead",
                    f"{temperature_c} °C 低于 {pressure_mpa} MPa（绝对压力）下的饱和温度 {saturation_c:.1f} °C，"
                    "该状态为水而非蒸汽。请核对压力是否为绝对压力（表压 + 0.1 MPa）；饱和蒸汽只填压力；"
                    "湿蒸汽请改填实测焓值")
    state = IAPWS97(P=pressure_mpa, T=temperature_c + _KELVIN)
    if saturation_c is None and state.region == 1:
        return _bad("steam_temperature",
                    f"at {pressure_mpa} MPa and {temperature_c} °C it is compressed water, not steam: "
                    "check the temperature",
                    f"{pressure_mpa} MPa、{temperature_c} °C 为压缩水而非蒸汽：请核对温度")
    return SteamState(float(state.h), "superheated")
