"""The share, trajectory, required growth and gap of calc.green_targets, worked by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from greenmfg.calc.green_targets import output_share, target_path


def test_output_share_is_green_output_over_manufacturing_output() -> None:
    # 180 000 万元 of listed green factories in a city making 1 000 000 万元: 18 %
    assert output_share(Decimal("180000"), Decimal("1000000")) == Decimal("0.18")
    assert output_share(Decimal("5"), Decimal("0")) is None


def test_required_growth_from_18_percent_in_2025_to_40_percent_in_2030() -> None:
    # g = (0.40 / 0.18) ** (1/5) − 1 = 2.2222… ** 0.2 − 1 = 0.173161 (ln 2.2222 = 0.798508; /5 = 0.159702; e^ − 1)
    path = target_path(2025, 0.18, target_share=0.40, target_year=2030)
    assert path.required_growth == pytest.approx(0.173161, abs=1e-6)
    assert path.gap == pytest.approx(0.22)
    assert path.linear_pace == pytest.approx(0.044)  # 0.22 share points over 5 years
    assert not path.met
    assert [y for y, _ in path.trajectory] == [2025, 2026, 2027, 2028, 2029, 2030]
    assert path.trajectory[0][1] == pytest.approx(0.18) and path.trajectory[-1][1] == pytest.approx(0.40)
    assert path.trajectory[1][1] == pytest.approx(0.18 * 1.173161, abs=1e-6)


def test_trajectory_midpoint_is_the_geometric_mean() -> None:
    # cross-check by another route: on a compound path the midpoint is sqrt(start × end): sqrt(0.25 × 0.40)
    path = target_path(2026, 0.25, target_share=0.40, target_year=2030)
    assert path.trajectory[2][1] == pytest.approx(math.sqrt(0.25 * 0.40))
    assert path.required_growth == pytest.approx(1.6 ** 0.25 - 1)


def test_target_met_only_above_40_percent() -> None:
    # '超过40%' is strict: exactly 40 % is not met
    exactly = target_path(2026, 0.40, target_share=0.40, target_year=2030)
    assert not exactly.met and exactly.required_growth == pytest.approx(0.0)
    above = target_path(2026, 0.45, target_share=0.40, target_year=2030)
    assert above.met and above.required_growth == 0.0 and above.gap == pytest.approx(-0.05)
    assert {v for _, v in above.trajectory} == {0.45}


def test_zero_share_and_past_target_year() -> None:
    zero = target_path(2026, 0.0, target_share=0.40, target_year=2030)
    assert zero.required_growth is None and zero.linear_pace == pytest.approx(0.10)
    late = target_path(2031, 0.30, target_share=0.40, target_year=2030)
    assert late.required_growth is None and late.linear_pace is None and late.gap == pytest.approx(0.10)
