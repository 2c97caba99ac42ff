"""Scoring of a green-manufacturing indicator tree (green factory, green park, green supply chain).

Pure functions: no I/O, no database. Points are [point] out of the framework's total (100).

The tree has three kinds of items:

* basic requirements (基本要求): not scored, one-vote veto — any one not met fails the
  evaluation whatever the score (MIIT 绿色工厂自评价报告 scoring practice; GB/T 36132-2018 §4);
* scored items (定性指标): the evaluator awards 0 … ``max_points``;
* performance indicators (定量指标): the value is scored against the benchmark (基准值, 0 points)
  and the leading value (引领值, full points), linearly in between (GB/T 36132-2025 §5, as
  read by a third-party implementation — unverified against the standard text).

References
----------
GB/T 36132-2018 《绿色工厂评价通则》; GB/T 36132-2025 《绿色工厂评价通则》 §4–§6;
《绿色工厂梯度培育及管理暂行办法》(工信部节〔2024〕13号) and its attachments 2 (park) and 3
(supply chain).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Gap", "ItemScore", "TreeScore", "linear_points", "score_tree"]


def linear_points(actual: float, *, benchmark: float, leading: float, max_points: float) -> float:
    """Points of a performance indicator scored between its benchmark and leading value.

    ``max_points × (actual − benchmark) / (leading − benchmark)``, clipped to
    ``[0, max_points]``. The direction follows from the two reference values: when the leading
    value is below the benchmark, lower is better (energy or carbon intensity), otherwise higher
    is better (utilisation rates).

    Parameters
    ----------
    actual
        The indicator's value [indicator unit].
    benchmark
        基准值: at or worse than this, 0 points [indicator unit].
    leading
        引领值: at or better than this, full points [indicator unit].
    max_points
        Points of the indicator [point].

    Returns
    -------
    float
        Points awarded [point].

    Raises
    ------
    ValueError
        If benchmark equals leading, a value is not finite, or max_points is negative.

    References
    ----------
    GB/T 36132-2025 §5 (基准值/引领值 scoring); linear rule as implemented by a third-party
    scorer, e.g. weight 8, leading 2.2, benchmark 3.9, actual 3.506 → 8 × 0.394 / 1.7 = 1.854.
    """
    for name, number in (("actual", actual), ("benchmark", benchmark), ("leading", leading),
                         ("max_points", max_points)):
        if not math.isfinite(number):
            raise ValueError(f"{name} must be finite, got {number!r}")
    if max_points < 0:
        raise ValueError("max_points must not be negative")
    if benchmark == leading:
        raise ValueError("benchmark and leading value must differ")
    fraction = (actual - benchmark) / (leading - benchmark)
    return max_points * min(1.0, max(0.0, fraction))


@dataclass(frozen=True, slots=True)
class ItemScore:
    """One scored item or performance indicator with the points it earned."""

    key: str
    level1: str
    max_points: float
    points: float


@dataclass(frozen=True, slots=True)
class Gap:
    """An item short of full points: ``recoverable = max_points − points`` [point]."""

    key: str
    level1: str
    points: float
    max_points: float
    recoverable: float


@dataclass(frozen=True, slots=True)
class TreeScore:
    """Totals, verdict and gap list of one evaluation."""

    total: float
    max_total: float
    by_level1: dict[str, float]
    max_by_level1: dict[str, float]
    passed: bool
    #: veto items not met, in the framework's order
    failed_vetoes: tuple[str, ...]
    below_threshold: bool
    pass_threshold: float
    #: not-full items, most recoverable points first (ties by key)
    gaps: tuple[Gap, ...]


def score_tree(items: Sequence[ItemScore], *, level1_order: Sequence[str], vetoes: Mapping[str, bool],
               pass_threshold: float) -> TreeScore:
    """Total, per-level-1 scores, verdict and gap list.

    Parameters
    ----------
    items
        Every scored item and performance indicator with its points [point]; an item not
        answered comes with 0 points.
    level1_order
        Keys of the level-1 indicators in the framework's order.
    vetoes
        Basic requirement key → met. Any one not met fails the evaluation.
    pass_threshold
        Minimum total [point] for a pass.

    Returns
    -------
    TreeScore
        ``passed`` is true when every veto item is met and ``total ≥ pass_threshold``.

    Raises
    ------
    ValueError
        If an item's points are outside ``[0, max_points]`` or its level-1 key is unknown.
    """
    by_level1 = {key: 0.0 for key in level1_order}
    max_by_level1 = {key: 0.0 for key in level1_order}
    gaps = []
    for item in items:
        if item.level1 not in by_level1:
            raise ValueError(f"item {item.key}: unknown level-1 indicator {item.level1}")
        if not (0.0 <= item.points <= item.max_points + 1e-9):
            raise ValueError(f"item {item.key}: {item.points} points outside 0…{item.max_points}")
        by_level1[item.level1] += item.points
        max_by_level1[item.level1] += item.max_points
        recoverable = item.max_points - item.points
        if recoverable > 1e-9:
            gaps.append(Gap(item.key, item.level1, item.points, item.max_points, recoverable))
    gaps.sort(key=lambda g: (-g.recoverable, g.key))
    total = sum(by_level1.values())
    failed = tuple(key for key, met in vetoes.items() if not met)
    below = total < pass_threshold - 1e-9
    return TreeScore(total=total, max_total=sum(max_by_level1.values()), by_level1=by_level1,
                     max_by_level1=max_by_level1, passed=not failed and not below, failed_vetoes=failed,
                     below_threshold=below, pass_threshold=pass_threshold, gaps=tuple(gaps))
