"""Monthly meter totals into accounting: imports win, meters fill missing items, marked as meter data."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from greenmfg.accounting.models import ActivityRecord, DataVersion, FacilityResult
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.monitoring.accounting_bridge import MeterAccountingError, account_meters, meter_totals
from greenmfg.monitoring.readings import LOCAL_TZ, load_meters, store_readings
from greenmfg.orgs.access import load_principal
from tests.factories import Login, World, add_meter, steel_csv, upload


def _hourly(meter_id: int, first: dt.datetime, hours: int, value: float) -> dict[int, list[tuple[int, float]]]:
    return {meter_id: [(int((first + dt.timedelta(hours=h)).timestamp()), value) for h in range(hours)]}


def test_meters_fill_items_the_import_lacks(client: TestClient, login: Login, world: World,
                                            database: Database) -> None:
    headers = login("steel")
    batch = upload(client, headers, world.org("steel"), steel_csv()).json()
    assert client.post(f"/api/v1/imports/{batch['id']}/commit", headers=headers).status_code == 200
    gas = add_meter(database, world, code="GAS", unit="m3", item="natural_gas")
    power = add_meter(database, world, code="EM", unit="kWh", item="electricity")
    january = dt.datetime(2024, 1, 1, tzinfo=LOCAL_TZ)
    with database.session() as s:
        meters = load_meters(s, [gas, power])
        # 40 h × 25 m3 = 1000 m3 in January; one more hour on 1 February 00:00 local belongs to February
        store_readings(s, meters, _hourly(gas, january, 40, 25.0))
        store_readings(s, meters, _hourly(gas, dt.datetime(2024, 2, 1, tzinfo=LOCAL_TZ), 1, 99.0))
        store_readings(s, meters, _hourly(power, january, 10, 500.0))
        totals = {t.meter_code: t.total for t in meter_totals(s, world.org("steel"), "2024-01")}
        assert totals == {"GAS": 1000.0, "EM": 5000.0}
        before = s.execute(select(FacilityResult.energy_tce).where(
            FacilityResult.period == "2024-01", FacilityResult.current.is_(True),
            FacilityResult.enterprise_id == world.org("steel"))).scalar_one()
        principal = load_principal(s, s.execute(select(User).where(User.username == "steel")).scalar_one())
        run = account_meters(s, principal, world.org("steel"), "2024-01")
        assert run.enterprise_id == world.org("steel")
    with database.session() as s:
        version = s.execute(select(DataVersion).where(DataVersion.period == "2024-01",
                                                      DataVersion.current.is_(True))).scalar_one()
        assert version.version == 2
        records = s.execute(select(ActivityRecord).where(ActivityRecord.data_version_id == version.id)
                            .order_by(ActivityRecord.row)).scalars().all()
        # the imported rows unchanged (coke, electricity, crude steel) + one metered natural-gas row;
        # the metered electricity is not used: the import has electricity (imports win)
        assert [r.values["item"] for r in records] == ["焦炭", "电力", "粗钢", "natural_gas"]
        metered = records[-1]
        assert metered.sheet == "meters" and metered.values["source"] == f"meter:{gas}"
        assert float(metered.values["quantity"]) == 1000.0 and metered.values["unit"] == "m3"
        after = s.execute(select(FacilityResult.energy_tce).where(
            FacilityResult.period == "2024-01", FacilityResult.current.is_(True),
            FacilityResult.enterprise_id == world.org("steel"))).scalar_one()
    # GB/T 2589-2020 Appendix A natural gas 1.3300 kgce/m3 (the library's default): 1000 m3 → 1.33 tce
    assert after - before == pytest.approx(1.33, rel=1e-6)


def test_nothing_to_account_is_refused(database: Database, world: World) -> None:
    add_meter(database, world, code="GAS", unit="m3", item="natural_gas")
    with database.session() as s:
        principal = load_principal(s, s.execute(select(User).where(User.username == "steel")).scalar_one())
        with pytest.raises(MeterAccountingError, match="no meter readings in 2024-03"):
            account_meters(s, principal, world.org("steel"), "2024-03")
        with pytest.raises(MeterAccountingError, match="YYYY-MM"):
            account_meters(s, principal, world.org("steel"), "March")


def test_account_endpoint(client: TestClient, login: Login, world: World, database: Database) -> None:
    gas = add_meter(database, world, code="GAS", unit="m3", item="natural_gas")
    march = dt.datetime(2026, 3, 1, tzinfo=LOCAL_TZ)
    with database.session() as s:
        store_readings(s, load_meters(s, [gas]), _hourly(gas, march, 4, 10.0))
    url = f"/api/v1/enterprises/{world.org('steel')}/meters/account"
    assert client.post(url, json={"period": "2026-03"}, headers=login("steelviewer")).status_code == 403
    answer = client.post(url, json={"period": "2026-03"}, headers=login("steel"))
    assert answer.status_code == 200, answer.text
    rows = client.get(f"/api/v1/imports/{answer.json()['import_id']}/rows", headers=login("steel"))
    assert rows.status_code == 200 and "natural_gas" in rows.text
    empty = client.post(url, json={"period": "2026-04"}, headers=login("steel"))
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "nothing_to_account"
