"""The validity checks of a baseline in words (issue #15 item 2: no ``cv_rmse``, ``p_value.beta_hdd``)."""

from __future__ import annotations

from greenmfg.calc import mv
from greenmfg.monitoring.mv_labels import check_name


def test_every_validity_check_has_words() -> None:
    for thresholds in mv.VALIDITY_THRESHOLDS.values():
        for threshold in thresholds:
            for zh in (True, False):
                assert "_" not in check_name(threshold.name, zh=zh), threshold.name
    assert check_name("cv_rmse", zh=True) == "均方根误差变异系数 CV(RMSE)"
    assert check_name("p_value.beta_hdd", zh=True) == "显著性 p 值（采暖度日数系数）"
    assert check_name("p_value.beta_cdd", zh=False) == "p-value (cooling-degree-day slope)"
    assert check_name("p_value.beta_production", zh=True) == "显著性 p 值（产量系数）"
