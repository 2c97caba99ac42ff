"""The CBAM default values as read by greenmfg.cbam.rules: Annex I of Implementing Regulation (EU)
2025/2621 as replaced by Implementing Regulation (EU) 2026/1740 (edition ``eu-2026-1740-cn``).

The values are transcribed from a third party's copy of the Commission's workbook (version 2,
6 Aug 2026), so they are checked here in ways that could catch a misread column: the annex's own
arithmetic (direct + indirect = total, rounded column by column), the annex's rule for a China cell
left empty, the TARIC split of clinker, and agreement with independent transcriptions quoted in the
rows' notes (cbamdefaults.com, autocbam.com, the research note in shared/reference/methods).
"""

from __future__ import annotations

import pytest

from greenmfg.cbam.rules import DEFAULTS, DefaultValue, Rules, cn_digits, cn_display, load_rules
from greenmfg.refdata.catalog import load_catalog


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _row(rules: Rules, cn: str, country: str = "CN") -> DefaultValue:
    value = rules.default(cn, country)
    assert value is not None, (cn, country)
    return value


def test_ten_digit_taric_codes_are_read_and_shown_as_the_annex_writes_them() -> None:
    assert cn_digits("2523 10 00 10") == "2523100010"
    assert cn_digits("2523100090") == "2523100090"
    assert cn_display("2523100010") == "2523 10 00 10"
    assert cn_digits("2523 10 00 1") is None  # 9 digits: neither CN nor TARIC
    assert cn_digits("252310001000") is None


def test_white_and_grey_clinker_differ_since_2026_1740(rules: Rules) -> None:
    white, grey = _row(rules, "2523100010"), _row(rules, "2523100090")
    assert (white.direct, white.indirect, white.total) == (1.24, 0.06, 1.30)
    assert (grey.direct, grey.indirect, grey.total) == (1.35, 0.04, 1.39)
    assert white.route.startswith("(B)") and grey.route.startswith("(A)")
    # the 8-digit CN code takes the grey ('other clinker, including grey') row, and says so
    eight = _row(rules, "25231000")
    assert eight.total == grey.total and eight.ref.endswith("CN.25231000")
    notes = {r["key"]: r["notes"] for r in rules.catalog.dataset(DEFAULTS).records}
    assert "TARIC" in notes["CN.25231000"] and "grey" in notes["CN.25231000"]


# The China rows the first builder could not find (issue #17): now read, with the values of the table 'China'
@pytest.mark.parametrize(("cn", "total"), [
    ("25231000", 1.39),     # clinker (grey)
    ("25232100", 1.39),     # white Portland cement
    ("25232900", 1.42),     # grey Portland cement
    ("26011200", 0.26),     # sinter / pellets
    ("72011011", 1.66),     # pig iron (heading 7201)
    ("72021120", 1.69),     # ferro-manganese > 2 % C
    ("72024110", 2.35),     # ferro-chromium > 4 % C
    ("72026000", 6.15),     # ferro-nickel
    ("72091610", 3.205),    # cold-rolled flat (heading 7209)
    ("72104900", 3.205),    # coated flat (heading 7210)
    ("72131000", 3.169),    # wire rod (heading 7213)
    ("76011000", 3.0),      # unwrought aluminium, not alloyed (heading 7601)
    ("28141000", 4.36),     # anhydrous ammonia
    ("28080000", 3.08),     # nitric acid
    ("28041000", 26.64),    # hydrogen
])
def test_china_defaults_once_missing_are_found(rules: Rules, cn: str, total: float) -> None:
    value = _row(rules, cn, "CN")
    assert value.found
    assert value.total == pytest.approx(total)
    assert value.verification_status == "secondary"
    assert "2026/1740" in value.source


def test_independent_transcriptions_agree(rules: Rules) -> None:
    # cbamdefaults.com (Feb 2026, two decimals), autocbam.com (unrounded), the research note, Argus (draft)
    assert round(_row(rules, "7208").total, 2) == 3.19
    assert round(_row(rules, "72071210").total, 2) == 3.17
    assert _row(rules, "7605").total == pytest.approx(4.8808, abs=5e-4)
    assert _row(rules, "761090").total == pytest.approx(4.895545619, abs=5e-4)
    assert _row(rules, "7601").total == 3.0
    assert _row(rules, "7203", "OTHER").total == 1.325
    assert _row(rules, "28041000", "OTHER").total == 17.74
    assert _row(rules, "7203", "UNKNOWN").total == 4.2


def test_a_china_cell_the_annex_leaves_empty_takes_the_other_countries_value(rules: Rules) -> None:
    china, other = _row(rules, "7203", "CN"), _row(rules, "7203", "OTHER")
    assert china.total == other.total == 1.325
    assert "Other countries and territories" in china.source and "no value" in china.source


def test_every_row_adds_up_and_cites_the_corrected_annex() -> None:
    records = load_catalog().dataset(DEFAULTS).records
    assert len(records) > 300
    for record in records:
        key = record["key"]
        assert record["verification_status"] == "secondary", key
        assert "2026/1740" in record["source"], key
        direct, total = float(record["direct"]), float(record["total"])
        indirect = float(record["indirect"]) if record["indirect"] else 0.0
        # the annex rounds each column on its own: direct + indirect may miss the total by a few 0.01
        assert direct + indirect == pytest.approx(total, abs=0.02), key
        # an indirect value is printed for cement, fertilisers and sinter only; none for hydrogen, metals
        with_indirect = record["cn_code"].startswith(("25", "2808", "2814", "2834", "31", "2601"))
        assert bool(record["indirect"]) == with_indirect, key


def test_china_and_other_countries_cover_the_same_codes() -> None:
    records = load_catalog().dataset(DEFAULTS).records
    china = {r["cn_code"] for r in records if r["country"] == "CN"}
    other = {r["cn_code"] for r in records if r["country"] == "OTHER"}
    assert china == other
    # chapter 73 articles are not transcribed in this edition; every chapter 72 heading in scope is
    assert not any(code.startswith("73") for code in china)
    assert {c[:4] for c in china if c.startswith("72")} >= {f"72{n:02d}" for n in range(5, 30) if n != 4}


def test_rules_edition_eu_2026_2_china_electricity_and_the_standard_values_of_2025_2547(rules: Rules) -> None:
    # China's Annex II factor (one transcription): used, but named as not verified
    china = rules.electricity_factor("CN")
    assert china is not None and china.value == pytest.approx(0.605)
    assert china.verification_status == "secondary" and "Annex II" in china.source and china.unverified
    other = rules.electricity_factor("OTHER")
    assert other is not None and other.value == pytest.approx(0.465) and other.verification_status == "crosschecked"
    # the standard values read in IR 2025/2547 itself
    verified = {"heat_boiler_efficiency.default": 0.90, "waste_gas_correction.default": 0.667,
                "fuel_ef.natural_gas": 56.1, "chp_efficiency.heat": 0.55, "chp_efficiency.electricity": 0.25}
    for key, value in verified.items():
        record = rules.record(key)
        assert record is not None, key
        assert float(record["value"]) == pytest.approx(value), key
        assert record["verification_status"] == "verified" and "2025/2547" in record["source"], key
    # the recalled 62.3 tCO2/TJ of the research note is the natural-gas case of the act's rule (EF / 0.9);
    # the act names no fuel for China, so the factor itself stays not found
    gas, boiler = rules.record("fuel_ef.natural_gas"), rules.record("heat_boiler_efficiency.default")
    assert gas is not None and boiler is not None
    assert float(gas["value"]) / float(boiler["value"]) == pytest.approx(62.33, abs=0.01)
    heat = rules.record("heat_ef.default")
    assert heat is not None and not heat["value"].strip() and heat["verification_status"] == "not_found"
    assert "90 %" in heat["source"] and "most commonly used" in heat["source"]


def test_benchmarks_of_a_listed_cn_code_take_precedence_over_the_heading(rules: Rules) -> None:
    forged = rules.benchmark("72071190", "B")
    assert forged is not None and forged.value == pytest.approx(1.629)
    cast = rules.benchmark("72071210", "B")
    assert cast is not None and cast.value == pytest.approx(1.364)
    ingot_a = rules.benchmark("72061000", "A")
    assert ingot_a is not None and ingot_a.value == pytest.approx(0.150)
    # a process benchmark (column A) never exceeds the whole good's (column B) of the same code
    for cn in ("7206", "7207", "72071190", "7208", "7203"):
        a, b = rules.benchmark(cn, "A"), rules.benchmark(cn, "B")
        assert a is not None and b is not None and a.value <= b.value, cn
