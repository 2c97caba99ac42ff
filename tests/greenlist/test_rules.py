"""The green-list rules dataset: evaluator cap, 2030 target, removal criteria and national counts, with sources."""

from __future__ import annotations

from greenmfg.greenlist.rules import load_rules


def test_rules_dataset_carries_the_cap_target_and_criteria_with_sources() -> None:
    rules = load_rules()
    assert rules.evaluator_cap.value == 15 and rules.evaluator_cap.status == "secondary"
    assert "chacewang" in rules.evaluator_cap.source
    assert (rules.target_share.value, rules.target_year.value) == (0.4, 2030)
    assert "指导意见" in rules.target_share.source and rules.target_share.needs_warning
    assert set(rules.removal_criteria) == {"key_indicators_not_met", "major_accident", "refused_annual_report",
                                           "falsified_data", "boundary_change"}
    assert len(rules.exclusion_conditions) == 6
    # cumulative national counts reconcile with the list notices: 5095 + 1382 − 47 = 6430
    counts = rules.national_counts
    assert counts[("2025-01", "cumulative_factories")].value == 5095 + 1382 - 47
    assert counts[("2023-05", "cumulative_factories")].value == 3657 - 41
