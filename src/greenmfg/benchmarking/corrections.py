"""Corrections of quota limits: which formula each correction uses and how it is applied.

The numbers (coefficients, thresholds, table points, which grades) are rows of the
``quota_corrections/<standard>`` datasets; the formulas are in :mod:`greenmfg.calc.benchmarking`.
This registry binds a correction reference ``quota_corrections/<edition>:<key>`` to its kind and
the facility attributes it reads. Additive corrections are applied first, then factors (GB
16780-2021: grade 3 = (base + clinker-ratio addition) × K).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from greenmfg.calc.benchmarking import (
    altitude_factor,
    band_adjustment,
    interpolated_adjustment,
    linear_adjustment,
)
from greenmfg.errors import DatasetError
from greenmfg.refdata.catalog import Catalog, ParameterRow

__all__ = ["CORRECTIONS", "AppliedCorrection", "CorrectionResult", "CorrectionSpec", "apply_corrections"]

Kind = Literal["altitude_factor", "linear", "interpolated", "banded", "choice"]
GRADES = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class CorrectionSpec:
    """A correction's formula kind, the attributes it reads, and its name."""

    kind: Kind
    attributes: tuple[str, ...]
    title_en: str
    title_zh: str
    #: kind ``choice``: the attribute value that triggers the addition
    choice: str = ""

    def rows(self, catalog: Catalog, ref: str) -> dict[str, ParameterRow]:
        dataset_id, key = ref.split(":", 1)
        return {r.parameter: r for r in catalog.dataset(dataset_id).rows if r.key == key}

    def check(self, catalog: Catalog, ref: str) -> None:
        """Refuse a correction whose dataset lacks the parameters its kind needs."""
        rows = self.rows(catalog, ref)
        needed: tuple[str, ...] = {
            "altitude_factor": ("threshold_altitude", "k_intercept", "k_slope", "reference_pressure",
                                "applies_grade_1", "applies_grade_2", "applies_grade_3"),
            "linear": (),
            "interpolated": ("applies_grade_1", "applies_grade_2", "applies_grade_3"),
            "banded": ("band_1_lower", "band_1_add", "applies_grade_1", "applies_grade_2", "applies_grade_3"),
            "choice": (),
        }[self.kind]
        missing = [p for p in needed if p not in rows or rows[p].value is None]
        if self.kind == "linear" and (not any(p.startswith("reference") for p in rows)
                                      or not any(p.startswith("coef_grade_") for p in rows)):
            missing.append("reference_* and coef_grade_N")
        if self.kind == "interpolated" and not any(p.startswith("offset_at_") for p in rows):
            missing.append("offset_at_X")
        if self.kind == "choice" and not any(p.startswith("add_grade_") for p in rows):
            missing.append("add_grade_N")
        if missing:
            raise DatasetError(f"correction {ref}: parameters missing: {', '.join(missing)}")


_T = "quota_corrections/gb21342-2025:"
#: GB 21342-2025 表2 corrections that top-charged and stamp-charged coke ovens both have (one dataset key each)
_COKE_CHARGING: Mapping[str, CorrectionSpec] = {
    "mixed_gas": CorrectionSpec(
        "linear", ("coke_mixed_gas_time_ratio",), "mixed-gas heating (GB 21342-2025 表2)", "混合煤气加热修正（GB 21342-2025 表2）"),
    "moisture": CorrectionSpec(
        "linear", ("coal_total_moisture_pct",), "coal moisture (GB 21342-2025 表2)", "装炉煤水分修正（GB 21342-2025 表2）"),
    "volatile": CorrectionSpec(
        "interpolated", ("coal_dry_volatile_pct",), "volatile matter (GB 21342-2025 表2)", "装炉煤挥发分修正（GB 21342-2025 表2）"),
}
#: Correction reference → formula kind and attributes.
CORRECTIONS: Mapping[str, CorrectionSpec] = {
    "quota_corrections/gb16780-2021:altitude": CorrectionSpec(
        "altitude_factor", ("altitude_m", "site_pressure_pa"),
        "altitude factor (GB 16780-2021 §5.3)", "海拔修正系数（GB 16780-2021 5.3）"),
    "quota_corrections/gb16780-2021:clinker_ratio": CorrectionSpec(
        "linear", ("clinker_ratio_pct",), "clinker ratio of cement (GB 16780-2021 表1)",
        "水泥熟料配比修正（GB 16780-2021 表1）"),
    **{f"{_T}{charging}_{key}": spec for key, spec in _COKE_CHARGING.items()
       for charging in ("top_charged", "stamp_charged")},
    _T + "oven_age": CorrectionSpec(
        "banded", ("coke_oven_age_years",), "oven age (GB 21342-2025 表2)", "炉龄修正（GB 21342-2025 表2）"),
    _T + "wet_quenching": CorrectionSpec(
        "choice", ("coke_quenching",), "wet quenching (GB 21342-2025 表2)", "湿熄焦修正（GB 21342-2025 表2）", choice="wet"),
    "quota_corrections/gb21256-2025:eaf_hot_metal": CorrectionSpec(
        "linear", ("eaf_hot_metal_ratio_pct",), "EAF hot-metal ratio (GB 21256-2025 表5)", "电弧炉铁水比修正（GB 21256-2025 表5）"),
    "quota_corrections/gb21256-2025:bof_scrap": CorrectionSpec(
        "linear", ("bof_scrap_ratio_pct",), "converter scrap ratio (GB 21256-2025 表4)", "转炉废钢比修正（GB 21256-2025 表4）"),
}


@dataclass(frozen=True, slots=True)
class AppliedCorrection:
    """A correction that changed the limits: what it read and what it did to each grade."""

    ref: str
    title_en: str
    title_zh: str
    attributes: Mapping[str, float | str]
    #: grade → addition [limit unit] (kind ``altitude_factor``: the factor K)
    effect: Mapping[int, float]
    operation: Literal["add", "multiply"]
    parameters: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"correction": self.ref, "title": self.title_en, "title_zh": self.title_zh,
                "attributes": dict(self.attributes), "operation": self.operation,
                "effect": {f"grade_{g}": round(v, 12) for g, v in self.effect.items()},
                "parameters": list(self.parameters)}


@dataclass
class CorrectionResult:
    """Corrected limits, the corrections applied, those that could not be, and the rows used."""

    limits: dict[int, float | None]
    applied: list[AppliedCorrection] = field(default_factory=list)
    #: (reference, title_en, title_zh, reason_en, reason_zh)
    not_applied: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    rows: list[ParameterRow] = field(default_factory=list)


def _grades(rows: Mapping[str, ParameterRow]) -> list[int]:
    return [g for g in GRADES if (r := rows.get(f"applies_grade_{g}")) is not None and r.value == 1]


def _value(rows: Mapping[str, ParameterRow], name: str) -> float:
    value = rows[name].value
    assert value is not None  # checked when the definitions were loaded
    return value


def apply_corrections(base: Mapping[int, float | None], refs: Sequence[str], catalog: Catalog,
                      attributes: Mapping[str, float | str]) -> CorrectionResult:
    """Correct the grade limits ``base`` (grade → limit) with the corrections ``refs``.

    A correction whose attribute is not given is not applied (the standard's reference case is
    then assumed) and is listed in ``not_applied`` with the reason.
    """
    result = CorrectionResult(limits=dict(base))
    additions: dict[int, float] = dict.fromkeys(GRADES, 0.0)
    factors: dict[int, float] = dict.fromkeys(GRADES, 1.0)
    ordered = sorted(refs, key=lambda r: CORRECTIONS[r].kind == "altitude_factor")
    for ref in ordered:
        spec = CORRECTIONS[ref]
        rows = spec.rows(catalog, ref)
        given = {a: attributes[a] for a in spec.attributes if a in attributes}
        missing = [a for a in spec.attributes if a not in attributes]

        def skip(reason_en: str, reason_zh: str, spec: CorrectionSpec = spec, ref: str = ref) -> None:
            result.not_applied.append((ref, spec.title_en, spec.title_zh, reason_en, reason_zh))

        effect: dict[int, float] = {}
        used: list[ParameterRow] = []
        if spec.kind == "altitude_factor":
            altitude = given.get("altitude_m")
            if altitude is None:
                skip("altitude_m not given (the factor applies above "
                     f"{_value(rows, 'threshold_altitude'):g} m)", "未给出 altitude_m（海拔超过 "
                     f"{_value(rows, 'threshold_altitude'):g} m 时修正）")
                continue
            used.append(rows["threshold_altitude"])
            if float(altitude) <= _value(rows, "threshold_altitude"):
                continue
            pressure = given.get("site_pressure_pa")
            if pressure is None:
                skip("site_pressure_pa not given (needed above the threshold altitude)",
                     "未给出 site_pressure_pa（海拔超过阈值时需要当地大气压）")
                continue
            k = altitude_factor(float(pressure), k_intercept=_value(rows, "k_intercept"),
                                k_slope=_value(rows, "k_slope"),
                                reference_pressure_pa=_value(rows, "reference_pressure"))
            used += [rows[p] for p in ("k_intercept", "k_slope", "reference_pressure")]
            used += [rows[f"applies_grade_{g}"] for g in GRADES]
            for g in _grades(rows):
                factors[g] *= k
                effect[g] = k
        elif missing:
            skip(f"{', '.join(missing)} not given (the standard's reference case is assumed)",
                 f"未给出 {'、'.join(missing)}（按标准基准工况）")
            continue
        elif spec.kind == "linear":
            x = float(given[spec.attributes[0]])
            reference = next(r for p, r in rows.items() if p.startswith("reference"))
            used.append(reference)
            for g in GRADES:
                coef = rows.get(f"coef_grade_{g}")
                if coef is not None and coef.value is not None:
                    assert reference.value is not None
                    effect[g] = linear_adjustment(x, reference=reference.value, coefficient=coef.value)
                    used.append(coef)
        elif spec.kind == "interpolated":
            x = float(given[spec.attributes[0]])
            points = sorted((float(p.removeprefix("offset_at_")), r.value)
                            for p, r in rows.items() if p.startswith("offset_at_"))
            offset = interpolated_adjustment(x, points)
            if offset is None:
                skip(f"{spec.attributes[0]} = {x:g}: no table value known there (outside the table or "
                     "a neighbouring point not found)", f"{spec.attributes[0]} = {x:g}：该处表值未知（超出表格或相邻点缺失）")
                continue
            bracket = (max(px for px, _ in points if px <= x), min(px for px, _ in points if px >= x))
            used += [rows[p] for p in rows if p.startswith("offset_at_")
                     and float(p.removeprefix("offset_at_")) in bracket]
            used += [rows[f"applies_grade_{g}"] for g in GRADES]
            effect = dict.fromkeys(_grades(rows), offset)
        elif spec.kind == "banded":
            x = float(given[spec.attributes[0]])
            bands = []
            n = 1
            while f"band_{n}_lower" in rows:
                band_upper = rows.get(f"band_{n}_upper")
                bands.append((_value(rows, f"band_{n}_lower"), band_upper.value if band_upper else None,
                              _value(rows, f"band_{n}_add")))
                n += 1
            add = band_adjustment(x, bands)
            used += [r for p, r in rows.items() if p.startswith("band_") or p.startswith("applies_grade_")]
            effect = dict.fromkeys(_grades(rows), add) if add else {}
        else:  # choice
            if given[spec.attributes[0]] == spec.choice:
                for g in GRADES:
                    row = rows.get(f"add_grade_{g}")
                    if row is not None and row.value is not None:
                        effect[g] = row.value
                        used.append(row)
        result.rows += used
        if spec.kind != "altitude_factor":
            for g, add in effect.items():
                additions[g] += add
        if effect:
            result.applied.append(AppliedCorrection(
                ref=ref, title_en=spec.title_en, title_zh=spec.title_zh, attributes=given, effect=effect,
                operation="multiply" if spec.kind == "altitude_factor" else "add",
                parameters=tuple(r.reference() for r in used),
            ))
    for g in GRADES:
        limit = result.limits.get(g)
        if limit is not None:
            result.limits[g] = (limit + additions[g]) * factors[g]
    return result
