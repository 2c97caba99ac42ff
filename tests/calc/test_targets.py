"""Tracking targets: projection, progress and status, computed here by hand."""

from __future__ import annotations

import pytest

from greenmfg.calc.targets import linear_projection, pooled_ratio, track_ratio, track_total


def test_totals_are_projected_in_proportion_to_the_months() -> None:
    # 3 months of 100, 120, 110 tce: 330 so far, 330 / 3 × 12 = 1320 at year end
    assert linear_projection(330.0, 3) == pytest.approx(1320.0)
    assert linear_projection(330.0, 12) == 330.0
    assert linear_projection(330.0, 1, complete=True) == 330.0  # an annual result is the year
    assert linear_projection(0.0, 0) is None


@pytest.mark.parametrize(("target", "status"), [
    (1400.0, "on_track"),   # 1320 projected ≤ 1400
    (1320.0, "on_track"),   # exactly on the target is within it
    (1000.0, "at_risk"),    # 330 so far, but 1320 projected > 1000
    (300.0, "missed"),      # 330 already used: beyond the target before the year ends
])
def test_total_status(target: float, status: str) -> None:
    tracked = track_total(target, 330.0, 3)
    assert tracked.status == status
    assert tracked.to_date == 330.0 and tracked.projected == pytest.approx(1320.0)
    assert tracked.progress == pytest.approx(330.0 / target)
    assert tracked.projected_ratio == pytest.approx(1320.0 / target)
    assert tracked.expected == pytest.approx(0.25)


def test_a_complete_year_above_its_target_is_missed_and_no_data_is_said() -> None:
    assert track_total(1000.0, 1100.0, 12).status == "missed"
    assert track_total(1000.0, 900.0, 12).status == "on_track"
    empty = track_total(1000.0, 0.0, 0)
    assert empty.status == "no_data" and empty.projected is None and empty.progress is None


def test_ratios_are_their_value_so_far() -> None:
    # intensity weighted by output: (500·10 + 600·30) / 40 = 575
    value = pooled_ratio([(500.0, 10.0), (600.0, 30.0), (None, 5.0), (900.0, 0.0)])
    assert value == pytest.approx(575.0)
    assert pooled_ratio([(None, 1.0)]) is None
    assert track_ratio(580.0, value, 3).status == "on_track"
    assert track_ratio(560.0, value, 3).status == "at_risk"
    assert track_ratio(560.0, value, 12).status == "missed"
    assert track_ratio(560.0, None, 3).status == "no_data"
    tracked = track_ratio(560.0, value, 3)
    assert tracked.projected == tracked.to_date == pytest.approx(575.0)
    assert tracked.progress == pytest.approx(575.0 / 560.0)
