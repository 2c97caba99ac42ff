"""Scoring of one green-evaluation indicator and of a framework's item tree (calc.greenfactory), by hand.

Linear rule (GB/T 36132-2025 §5 as read by a third-party scorer, worked_examples WE-07/WE-08):
points = max × (actual − benchmark) / (leading − benchmark), clipped to [0, max].
"""

from __future__ import annotations

import math

import pytest

from greenmfg.calc.greenfactory import ItemScore, linear_points, score_tree


def test_we07_lower_is_better() -> None:
    # 8 × (3.9 − 3.506) / (3.9 − 2.2) = 8 × 0.394 / 1.7 = 1.85412
    assert linear_points(3.506, benchmark=3.9, leading=2.2, max_points=8) == pytest.approx(1.854118, abs=1e-6)


def test_we08_higher_is_better_at_between_and_beyond() -> None:
    # 8 × (45 − 18) / (55 − 18) = 8 × 27 / 37 = 5.83784
    assert linear_points(45, benchmark=18, leading=55, max_points=8) == pytest.approx(5.837838, abs=1e-6)
    assert linear_points(18, benchmark=18, leading=55, max_points=8) == 0.0      # at the benchmark
    assert linear_points(55, benchmark=18, leading=55, max_points=8) == 8.0      # at the leading value
    assert linear_points(70, benchmark=18, leading=55, max_points=8) == 8.0      # beyond the leading value
    assert linear_points(10, benchmark=18, leading=55, max_points=8) == 0.0      # worse than the benchmark


def test_linear_points_refuses_equal_references() -> None:
    with pytest.raises(ValueError, match="differ"):
        linear_points(1, benchmark=2, leading=2, max_points=5)
    with pytest.raises(ValueError, match="finite"):
        linear_points(math.nan, benchmark=1, leading=2, max_points=5)


def test_score_tree_gap_order_and_veto() -> None:
    items = [ItemScore("a", "L1", 5, 5), ItemScore("b", "L1", 5, 2), ItemScore("c", "L2", 10, 4),
             ItemScore("d", "L2", 3, 0)]
    tree = score_tree(items, level1_order=["L1", "L2"], vetoes={"v1": True, "v2": False}, pass_threshold=10)
    assert tree.total == 11 and tree.by_level1 == {"L1": 7, "L2": 4}
    # recoverable: c 6, b 3, d 3 (tie broken by key)
    assert [(g.key, g.recoverable) for g in tree.gaps] == [("c", 6), ("b", 3), ("d", 3)]
    assert not tree.passed and tree.failed_vetoes == ("v2",) and not tree.below_threshold
