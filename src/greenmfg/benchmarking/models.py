"""Results of benchmarking: one :class:`ProductBenchmark` per facility, period and product."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from greenmfg import errors

__all__ = ["CAVEAT_CODES", "REASON_CODES", "Finding", "LevelUsed", "ProductBenchmark", "QuotaGrade"]

QuotaGrade = int | str | None  # 1, 2, 3, "fails" or None

#: findings that explain a missing value or class: shown beside the result wherever it appears
REASON_CODES = ("benchmarking.boundary.not_computable", "benchmarking.product.no_indicator", "benchmarking.level.none",
                "benchmarking.value.missing", "benchmarking.level.missing", "benchmarking.variant.undetermined")
#: findings that qualify a value or class without removing it: the value is an upper bound (other
#: products' energy inside it, e.g. clinker with the cement grinding of its facility), the boundary
#: is approximate, the variant was inferred or assumed, or an attribute deciding the indicator or
#: its limits was inferred (steel_route = bof, clinker_ratio_pct); shown beside the number on the page, in
#: its report and its workbook, as in the API's ``warnings``
CAVEAT_CODES = ("benchmarking.boundary.upper_bound", "benchmarking.boundary.approximate",
                "benchmarking.variant.inferred", "benchmarking.variant.assumed", "benchmarking.attribute.inferred")


def _number(value: float | None, digits: int = 9) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


@dataclass(frozen=True, slots=True, init=False)
class Finding(errors.Finding):
    """A warning on a result, with a dotted code and the reference it is about: a ``warning``
    :class:`~greenmfg.errors.Finding` made as ``Finding(code, ref, message, message_zh)``."""

    ref: str = ""

    def __init__(self, code: str, ref: str, message: str, message_zh: str) -> None:
        errors.Finding.__init__(self, code, message, "", message_zh, "", severity="warning")
        object.__setattr__(self, "ref", ref)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "ref": self.ref, "message": self.message, "message_zh": self.message_zh}


@dataclass(frozen=True, slots=True)
class LevelUsed:
    """One level or limit: its value, the dataset row it came from and that row's status."""

    name: str  # benchmark_level, baseline_level, grade_1, grade_2, grade_3
    value: float | None
    unit: str
    ref: str
    edition: str
    verification_status: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ProductBenchmark:
    """Benchmarking of one product of one facility in one period.

    ``value`` and levels are in ``unit`` (the indicator's unit); gaps = value − level;
    savings are tce and tCO2e at the same output. Missing numbers are None.
    """

    enterprise_id: str
    facility_id: str
    period: str
    product: str
    indicator: str | None = None
    indicator_name: str = ""
    indicator_name_zh: str = ""
    variant: str = ""
    variant_zh: str = ""
    selection: str = ""  # single, attributes, inferred, assumed, undetermined, none
    unit: str = ""
    value: float | None = None
    output: float | None = None
    output_unit: str = ""
    edition: str | None = None
    benchmark_level: float | None = None
    baseline_level: float | None = None
    cls: str | None = None
    gap_to_benchmark: float | None = None
    gap_to_baseline: float | None = None
    savings_to_benchmark_tce: float | None = None
    savings_to_baseline_tce: float | None = None
    savings_to_benchmark_tco2: float | None = None
    savings_to_baseline_tco2: float | None = None
    quota_standard: str | None = None
    quota_dataset: str | None = None
    quota_grade: QuotaGrade = None
    quota_limits_base: dict[int, float | None] = field(default_factory=dict)
    quota_limits: dict[int, float | None] = field(default_factory=dict)
    corrections: list[dict[str, object]] = field(default_factory=list)
    boundary: str = ""
    boundary_rule: str = ""
    derivation: dict[str, Any] = field(default_factory=dict)
    levels: list[LevelUsed] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The ``benchmark`` block added to each product of the accounting JSON document."""
        return {
            "indicator": self.indicator,
            "indicator_name": self.indicator_name,
            "indicator_name_zh": self.indicator_name_zh,
            "variant": self.variant,
            "variant_zh": self.variant_zh,
            "value": _number(self.value),
            "unit": self.unit or None,
            "edition": self.edition,
            "benchmark_level": self.benchmark_level,
            "baseline_level": self.baseline_level,
            "class": self.cls,
            "gap": {"to_benchmark": _number(self.gap_to_benchmark), "to_baseline": _number(self.gap_to_baseline)},
            "savings_to_benchmark_tce": _number(self.savings_to_benchmark_tce),
            "savings_to_baseline_tce": _number(self.savings_to_baseline_tce),
            "savings_to_benchmark_tco2": _number(self.savings_to_benchmark_tco2),
            "savings_to_baseline_tco2": _number(self.savings_to_baseline_tco2),
            "quota_standard": self.quota_standard,
            "quota_grade": self.quota_grade,
            "quota_limits": {f"grade_{g}": _number(v) for g, v in sorted(self.quota_limits.items())},
            "warnings": [w.as_dict() for w in self.warnings],
            "derivation": {
                "selection": self.selection,
                "boundary": self.boundary,
                "boundary_rule": self.boundary_rule,
                **self.derivation,
                "quota_dataset": self.quota_dataset,
                "quota_limits_base": {f"grade_{g}": v for g, v in sorted(self.quota_limits_base.items())},
                "corrections": self.corrections,
                "levels": [level.as_dict() for level in self.levels],
            },
        }
