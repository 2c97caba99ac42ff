"""English and Chinese texts of the calc results (monitoring.quality): data-quality findings,
sufficiency verdicts and the significance of savings.

The results themselves are tested in tests/calc/test_data_quality.py and tests/calc/test_mv.py;
the series here are the same crafted ones.
"""

from __future__ import annotations

from greenmfg.calc import mv
from greenmfg.calc.data_quality import check_series, sufficiency, sufficiency_iso50006
from greenmfg.monitoring.quality import describe, describe_significance, describe_sufficiency
from tests.calc.test_data_quality import _drivers, clean, days


def test_a_gap_is_described_with_its_length() -> None:
    d, v = days(120), clean()
    del d[40:45], v[40:45]  # five days missing, 2025-02-10 … 2025-02-14
    [gap] = check_series(d, v, meter_id=7)
    text = describe(gap)
    assert "5 day(s)" in text["message"] and "缺失 5 天" in text["message_zh"] and text["fix_text_zh"]


def test_a_month_short_of_temperature_is_named() -> None:
    # February without temperature on 4 of 28 days (85.7 %)
    temps: list[float | None] = [10.0] * 365
    for i in range(31, 35):
        temps[i] = None
    verdict = sufficiency(days(365), clean(365), temps)
    text = describe_sufficiency(verdict)["reasons"][0]
    assert "2025-02" in text["message"] and "温度" in text["message_zh"]


def test_iso50006_months_missing_are_named_and_not_called_caltrack() -> None:
    d = days(12)
    verdict = sufficiency_iso50006(d, clean(12), _drivers(d))
    text = describe_sufficiency(verdict)["reasons"][0]
    assert "0 of 12 calendar months" in text["message"] and "Jan" in text["message"]
    assert "1月、2月" in text["message_zh"] and "ISO 50006" in text["message_zh"]
    assert "CalTRACK" not in text["message"]


def test_a_relevant_variable_that_does_not_vary_is_named() -> None:
    d = days(365)
    variables = {**_drivers(d), "production": [400.0] * 365}
    verdict = sufficiency_iso50006(d, clean(365), variables)
    text = describe_sufficiency(verdict)["reasons"][0]
    assert "production does not vary" in text["message"] and "产量在基准期内无变化" in text["message_zh"]


def test_a_significant_increase_is_not_called_savings() -> None:
    # ASHRAE Guideline 14-2014 §4.1.1: −5000 with a 20 % FSU at 68 % is a rise beyond the uncertainty
    bands = {0.68: (0.2, 1000.0), 0.90: (0.33, 1650.0)}
    text = describe_significance(mv.savings_significance(-5000, bands), -5000)
    assert text["message"].startswith("consumption rose beyond the model's uncertainty")
    assert text["message_zh"].startswith("能耗增加（超出模型不确定度）") and "20%" in text["message_zh"]
    assert describe_significance(mv.savings_significance(5000, bands), 5000)["message_zh"].startswith("节能量显著")
    # −500 with an FSU of 200 % at 68 %: the rise is within the model's uncertainty
    small_text = describe_significance(mv.savings_significance(-500, {0.68: (2.0, 1000.0)}), -500)
    assert "within the model's uncertainty" in small_text["message"] and "savings" not in small_text["message"]
    assert small_text["message_zh"].startswith("不显著") and "增加量" in small_text["message_zh"]
