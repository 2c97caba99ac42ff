"""The stored covered figures (:mod:`greenmfg.ets.figures`) on SQLite and PostgreSQL: never stale after an
import, a month corrected in the editor or a reference-data change (flagged until ``recalc``, then
recomputed), and an aluminium month's covered total = direct CO2 + PFCs without the purchased electricity,
computed by hand from the guideline data used.

Hand computation (process_factors/aluminium, secondary; CETS—AG—04.01 formulas as in ``test_service``):
anode CO2 = anode × (1 − S − A) × 44/12 with S 2 %, A 0.4 %; CF4 = P × 0.034 kg/t × GWP 6630;
C2F6 = P × 0.0034 kg/t × GWP 11100; natural gas = volume × NCV × CC × OF × 44/12 (GB/T 32151.22-2024).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.accounting.store import recalculate
from greenmfg.auth.models import Role, User
from greenmfg.db.session import Database
from greenmfg.ets import allowances as allowances_service
from greenmfg.ets import filings
from greenmfg.ets.figures import installed_fingerprint
from greenmfg.ets.filing_models import EtsFigure
from greenmfg.orgs.models import Organisation, OrgKind
from greenmfg.refdata import load_catalog
from tests.conftest import HEADER
from tests.factories import Login, World, add_user, commit, installed_refdata, refdata_with

C = 44 / 12
CODE = "E-ALU"
#: month → (aluminium produced [t], anode consumed [t], natural gas [10^4 Nm3], purchased electricity [MWh])
MONTHS = {"2025-01": (10000.0, 4100.0, 50.0, 135000.0), "2025-02": (9000.0, 3700.0, 40.0, 121000.0)}


def _csv(months: dict[str, tuple[float, float, float, float]]) -> bytes:
    base = {"enterprise_id": CODE, "enterprise_name": "包头示例铝业", "industry": "电解铝", "region": "150000",
            "facility_id": "POT-1"}
    lines = [",".join(HEADER)]
    for period, (aluminium, anode, gas, electricity) in months.items():
        for item, quantity, unit, flow in (("电解铝", aluminium, "t", "产出"), ("炭阳极", anode, "t", "工艺"),
                                           ("天然气", gas, "万立方米", "消耗"), ("电力", electricity, "MWh", "外购")):
            row = {**base, "period": period, "item": item, "quantity": f"{quantity}", "unit": unit, "flow": flow}
            lines.append(",".join(row.get(h, "") for h in HEADER))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _gas_factor() -> float:
    """tCO2 per 10^4 Nm3 of natural gas from the fuel table the guideline's accounting uses."""
    dataset = load_catalog().dataset("fuel_parameters/gbt32151.22-2024")
    values = [dataset.get("natural_gas", p) for p in ("ncv", "carbon_content", "oxidation_rate")]
    ncv, cc, of = (v.value for v in values if v is not None and v.value is not None)
    return ncv * cc / 1000 * of / 100 * C


def _by_hand(aluminium: float, anode: float, gas: float, ef_cf4: float = 0.034) -> dict[str, float]:
    anode_co2 = anode * (1 - 0.02 - 0.004) * C
    cf4 = aluminium * ef_cf4 / 1000 * 6630
    c2f6 = aluminium * 0.0034 / 1000 * 11100
    combustion = gas * _gas_factor()
    return {"process": anode_co2, "cf4": cf4, "c2f6": c2f6, "combustion": combustion,
            "covered": anode_co2 + cf4 + c2f6 + combustion}


@pytest.fixture
def aluminium(database: Database, world: World) -> int:
    with database.session() as s:
        org = Organisation(kind=OrgKind.enterprise, name="包头示例铝业有限公司", code=CODE,
                           industry="electrolytic_aluminium", province="150000")
        s.add(org)
        s.flush()
        password_hash = s.execute(select(User.password_hash).where(User.username == "steel")).scalar_one()
        add_user(s, "alu", org.id, Role.manager, password_hash)
        return int(org.id)


def _stored(database: Database, enterprise_id: int) -> dict[str, EtsFigure]:
    with database.session() as s:
        rows = s.execute(select(EtsFigure).where(EtsFigure.enterprise_id == enterprise_id)).scalars().all()
        return {r.period: r for r in rows}


def test_aluminium_months_are_direct_co2_plus_pfcs_without_electricity(
        client: TestClient, login: Login, database: Database, aluminium: int, subtests: pytest.Subtests) -> None:
    commit(client, login("alu"), aluminium, _csv(MONTHS))
    stored = _stored(database, aluminium)
    assert sorted(stored) == sorted(MONTHS)
    for period, (aluminium_t, anode_t, gas, electricity) in MONTHS.items():
        with subtests.test(period):
            hand, row = _by_hand(aluminium_t, anode_t, gas), stored[period]
            assert row.process_tco2 == pytest.approx(hand["process"], rel=1e-9)
            assert row.cf4_t == pytest.approx(aluminium_t * 0.034 / 1000, rel=1e-9)
            assert row.cf4_tco2e == pytest.approx(hand["cf4"], rel=1e-9)
            assert row.c2f6_tco2e == pytest.approx(hand["c2f6"], rel=1e-9)
            assert row.combustion_tco2 == pytest.approx(hand["combustion"], rel=1e-9)
            assert row.covered_tco2e == pytest.approx(hand["covered"], rel=1e-9)
            assert row.purchased_electricity_mwh == pytest.approx(electricity)
            assert row.purchased_electricity_tco2 > 0  # information: not in the covered total
            assert row.unverified is True and row.findings > 0  # the PFC and anode defaults are secondary
            with database.session() as s:
                month = filings.covered_month(s, aluminium, period)
            assert month.covered_tco2e == pytest.approx(hand["covered"], rel=1e-9)
            assert month.pfc_tco2e == pytest.approx(hand["cf4"] + hand["c2f6"], rel=1e-9)
            assert month.as_dict()["by_source"]["pfc"] == pytest.approx(hand["cf4"] + hand["c2f6"], rel=1e-9)
    with subtests.test("the year, the coverage and the allowances read the same figures"), database.session() as s:
        total = sum(_by_hand(a, n, g)["covered"] for a, n, g, _ in MONTHS.values())
        assert filings._covered_year(s, aluminium, 2025) == (pytest.approx(total, rel=1e-9), 2)
        months = allowances_service.monthly_covered(s, aluminium, 2025)
        assert {p: m.tco2e for p, m in months.items()} == pytest.approx(
            {p: _by_hand(a, n, g)["covered"] for p, (a, n, g, _e) in MONTHS.items()}, rel=1e-9)
        (stored_row,) = filings.assess_coverage(s, 2025, actor="test", actor_user_id=None, enterprise_ids=[aluminium])
        assert stored_row.direct_tco2e == pytest.approx(total, rel=1e-9) and stored_row.covered is True


def test_figures_follow_an_import_and_a_month_edit(client: TestClient, login: Login, database: Database,
                                                   aluminium: int) -> None:
    headers = login("alu")
    commit(client, headers, aluminium, _csv(MONTHS))
    first = _stored(database, aluminium)
    # a new import of January (less aluminium): a new data version, its figures replace the old ones
    commit(client, headers, aluminium, _csv({"2025-01": (8000.0, 4100.0, 50.0, 135000.0)}))
    second = _stored(database, aluminium)
    assert second["2025-01"].data_version_id != first["2025-01"].data_version_id
    assert second["2025-01"].covered_tco2e == pytest.approx(_by_hand(8000.0, 4100.0, 50.0)["covered"], rel=1e-9)
    assert second["2025-02"].data_version_id == first["2025-02"].data_version_id  # untouched
    # the month editor (API): February's gas doubled
    url = f"/api/v1/enterprises/{aluminium}/activity/POT-1/2025-02"
    month = client.get(url, headers=headers).json()
    rows = [dict(r) for r in month["rows"]]
    gas = next(r for r in rows if r["item"] == "天然气")
    gas["quantity"] = 80
    saved = client.put(url, headers=headers, json={"rows": rows, "reason": "更正燃气", "version": month["version"]})
    assert saved.status_code == 200, saved.text
    third = _stored(database, aluminium)
    assert third["2025-02"].data_version_id != second["2025-02"].data_version_id
    assert third["2025-02"].covered_tco2e == pytest.approx(_by_hand(9000.0, 3700.0, 80.0)["covered"], rel=1e-9)
    with database.session() as s:  # one row per facility-period: replaced, not added
        assert s.scalar(select(func.count()).select_from(EtsFigure).where(EtsFigure.enterprise_id == aluminium)) == 2
        assert filings.covered_month(s, aluminium, "2025-02").covered_tco2e == pytest.approx(
            third["2025-02"].covered_tco2e)


def test_a_reference_data_change_is_flagged_until_recalc(client: TestClient, login: Login, database: Database,
                                                         aluminium: int, tmp_path: Path) -> None:
    commit(client, login("alu"), aluminium, _csv(MONTHS))
    installed = installed_fingerprint()
    with database.session() as s:
        assert filings.covered_month(s, aluminium, "2025-01").current
        recalculate(s, actor="test")  # nothing changed: the figures stay as they are
    before = _stored(database, aluminium)
    assert {r.reference_fingerprint for r in before.values()} == {installed}
    with installed_refdata(refdata_with(tmp_path, "process_factors/aluminium.csv", "aluminium_liquid", "ef_cf4", "0.05")):
        assert installed_fingerprint() != installed
        with database.session() as s:
            stale = filings.covered_month(s, aluminium, "2025-01")
            assert stale.current is False and stale.as_dict()["current"] is False  # flagged, the stored numbers
            assert stale.covered_tco2e == pytest.approx(before["2025-01"].covered_tco2e)
            recalculate(s, actor="test")
        after = _stored(database, aluminium)
        for period, (aluminium_t, anode_t, gas, _e) in MONTHS.items():
            assert after[period].cf4_tco2e == pytest.approx(aluminium_t * 0.05 / 1000 * 6630, rel=1e-9)
            assert after[period].covered_tco2e == pytest.approx(_by_hand(aluminium_t, anode_t, gas, 0.05)["covered"],
                                                                rel=1e-9)
            assert after[period].reference_fingerprint == installed_fingerprint()
        with database.session() as s:
            assert filings.covered_month(s, aluminium, "2025-01").current
    assert installed_fingerprint() == installed
