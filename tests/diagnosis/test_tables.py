"""The encoded GB 18613-2020 (motors) and GB 20052-2020 (transformers) tables the diagnosis reads.

The grades and losses computed from them are tested in tests/calc/test_diagnosis.py.
"""

from __future__ import annotations

from greenmfg.refdata import load_catalog


def test_encoded_minimums_read_from_the_tables() -> None:
    catalog = load_catalog()
    motors = catalog.dataset("equipment_efficiency/gb18613-2020")
    assert motors.get("4p.7.5kW", "grade_3").value == 90.4  # IE3 4-pole 7.5 kW
    assert motors.get("4p.7.5kW", "grade_2").value == 92.6
    assert motors.get("2p.0.75kW", "grade_3").value == 80.7
    assert motors.get("6p.375kW", "grade_3").value == 95.8
    assert motors.get("4p.7.5kW", "grade_1").verification_status == "not_found"
    # honest statuses: nothing is marked verified (the standard's text was not read)
    assert {r.verification_status for r in motors} == {"secondary", "recalled", "not_found"}
    assert motors.get("4p.7.5kW", "grade_3").verification_status == "secondary"
    assert motors.get("2p.7.5kW", "grade_3").verification_status == "recalled"
    transformers = catalog.dataset("equipment_efficiency/gb20052-2020")
    assert transformers.get("oil.1000kVA", "no_load_loss_grade_3").value == 830
    assert transformers.get("oil.1000kVA", "load_loss_grade_3").value == 10300
    assert transformers.get("oil.2500kVA", "no_load_loss_grade_3").value == 1600
    assert "verified" not in {r.verification_status for r in transformers}
    # coverage: 26 ratings × 3 poles, 19 transformer sizes
    assert len({r.key for r in motors}) == 78
    assert len({r.key for r in transformers}) == 19
