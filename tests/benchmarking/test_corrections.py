"""Quota-limit corrections with the encoded parameters: worked examples A1 and A2 of the reference pack."""

from __future__ import annotations

import pytest

from greenmfg.benchmarking.corrections import CORRECTIONS, apply_corrections
from greenmfg.refdata import load_catalog

GB16780 = "quota_corrections/gb16780-2021:"
GB21342 = "quota_corrections/gb21342-2025:"
TOP_CHARGED = [GB21342 + c for c in ("top_charged_mixed_gas", "top_charged_volatile", "top_charged_moisture",
                                     "oven_age", "wet_quenching")]


def test_a1_cement_clinker_ratio_and_altitude() -> None:
    # worked_examples.md A1 (GB 16780-2021 表1, §5.3): clinker ratio 76 %, altitude 2000 m, P = 80 000 Pa;
    # base 80/87/94 kgce/t → L1 81.10, L2 88.15, L3 95.20 × K, K = 1.179 − 0.211 × 80000/101325
    result = apply_corrections({1: 80.0, 2: 87.0, 3: 94.0}, [GB16780 + "clinker_ratio", GB16780 + "altitude"],
                               load_catalog(), {"clinker_ratio_pct": 76.0, "altitude_m": 2000.0,
                                                "site_pressure_pa": 80_000.0})
    k = 1.179 - 0.211 * 80_000 / 101_325
    assert result.limits[1] == pytest.approx(81.10, rel=1e-12)
    assert result.limits[2] == pytest.approx(88.15, rel=1e-12)
    assert result.limits[3] == pytest.approx(95.20 * k, rel=1e-12)
    assert result.limits[3] == pytest.approx(96.38117996545768566, rel=1e-12)
    assert [c.ref for c in result.applied] == [GB16780 + "clinker_ratio", GB16780 + "altitude"]
    assert result.applied[1].effect == {3: pytest.approx(k)}
    assert not result.not_applied


def test_a2_top_charged_coke_all_corrections() -> None:
    # worked_examples.md A2 (GB 21342-2025 表1/表2): mixed gas ratio 0.5, dry volatile 24.5 %, moisture 11 %,
    # wet quenching, oven age 20 years → L1 126.57, L2 124.07, L3 198.03 kgce/t
    attributes = {"coke_mixed_gas_time_ratio": 0.5, "coal_dry_volatile_pct": 24.5, "coal_total_moisture_pct": 11.0,
                  "coke_quenching": "wet", "coke_oven_age_years": 20.0}
    result = apply_corrections({1: 110.0, 2: 110.0, 3: 135.0}, TOP_CHARGED, load_catalog(), attributes)
    assert result.limits[1] == pytest.approx(126.57, abs=1e-9)
    assert result.limits[2] == pytest.approx(124.07, abs=1e-9)
    assert result.limits[3] == pytest.approx(198.03, abs=1e-9)
    assert len(result.applied) == 5
    # every parameter used is a secondary transcription: the service warns on each of them
    assert result.rows and all(r.verification_status == "secondary" for r in result.rows)


def test_missing_attributes_are_reported_not_guessed() -> None:
    result = apply_corrections({1: 110.0, 2: 110.0, 3: 135.0}, TOP_CHARGED, load_catalog(), {})
    assert result.limits == {1: 110.0, 2: 110.0, 3: 135.0}
    assert len(result.not_applied) == 5
    assert all("not given" in reason for *_, reason, _zh in result.not_applied)


def test_volatile_matter_where_the_table_is_not_known() -> None:
    # 22 % and 26–27 % of the top-charging table were not found: no interpolation across them
    for volatile in (22.0, 26.5, 30.0):
        result = apply_corrections({1: 110.0, 2: 110.0, 3: 135.0}, [GB21342 + "top_charged_volatile"],
                                   load_catalog(), {"coal_dry_volatile_pct": volatile})
        assert result.limits == {1: 110.0, 2: 110.0, 3: 135.0}
        assert "no table value known" in result.not_applied[0][3]


def test_altitude_at_or_below_the_threshold_changes_nothing() -> None:
    for attributes in ({"altitude_m": 1500.0}, {"altitude_m": 200.0, "site_pressure_pa": 99_000.0}):
        result = apply_corrections({1: 100.0, 2: 107.0, 3: 117.0}, [GB16780 + "altitude"], load_catalog(), attributes)
        assert result.limits == {1: 100.0, 2: 107.0, 3: 117.0}
        assert not result.applied and not result.not_applied
    high = apply_corrections({1: 100.0, 2: 107.0, 3: 117.0}, [GB16780 + "altitude"], load_catalog(),
                             {"altitude_m": 2200.0})
    assert high.limits[3] == 117.0 and "site_pressure_pa" in high.not_applied[0][3]


def test_eaf_hot_metal_ratio_tightens_every_grade() -> None:
    # GB 21256-2025 表5: −0.8 kgce/t per percentage point of hot metal (status uncertain: grades assumed)
    result = apply_corrections({1: 61.0, 2: None, 3: 72.0}, ["quota_corrections/gb21256-2025:eaf_hot_metal"],
                               load_catalog(), {"eaf_hot_metal_ratio_pct": 30.0})
    assert result.limits == {1: pytest.approx(37.0), 2: None, 3: pytest.approx(48.0)}
    assert any(r.verification_status == "uncertain" for r in result.rows)


def test_every_registered_correction_has_its_parameters() -> None:
    catalog = load_catalog()
    for ref, spec in CORRECTIONS.items():
        spec.check(catalog, ref)  # raises DatasetError when a parameter is missing
        assert spec.rows(catalog, ref), ref
