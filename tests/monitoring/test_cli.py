"""``greenmfg monitoring register | replace | prune`` on a SQLite file (the CLI's own database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from greenmfg.cli import app
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.monitoring.models import MeterReading, MeterRollup
from greenmfg.monitoring.readings import LOCAL_TZ, load_meters, store_readings
from tests.factories import metered_enterprise

runner = CliRunner()
DAY = dt.datetime(2026, 3, 1, tzinfo=LOCAL_TZ)


def test_register_replace_and_prune(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENMFG_DATABASE_URL", url)
    database = Database(url)
    upgrade(database)
    with database.session() as s:
        meter_id = metered_enterprise(s).meter_id
    assert runner.invoke(app, ["monitoring", "register", str(meter_id), "--kind", "cumulative"]).exit_code == 0
    ts = [int((DAY + dt.timedelta(minutes=15 * i)).timestamp()) for i in range(4)]
    with database.session() as s:
        store_readings(s, load_meters(s, [meter_id]), {meter_id: list(zip(ts, [480.0, 500.0, 3.0, 8.0], strict=True))})
    # the kind cannot change once there are readings
    refused = runner.invoke(app, ["monitoring", "register", str(meter_id), "--kind", "interval"])
    assert refused.exit_code == 2 and "cannot change" in refused.output
    # the multiplier can: every delta doubles (20 → 40, 5 → 10; 500 → 3 still not counted)
    assert runner.invoke(app, ["monitoring", "register", str(meter_id), "--kind", "cumulative",
                               "--multiplier", "2"]).exit_code == 0
    answer = runner.invoke(app, ["monitoring", "replace", str(meter_id), "--at", "2026-03-01T00:20:00+08:00",
                                 "--initial-value", "0"])
    assert answer.exit_code == 0, answer.output
    with database.session() as s:
        deltas = s.execute(select(MeterReading.delta).where(MeterReading.meter_id == meter_id)
                           .order_by(MeterReading.ts)).scalars().all()
        assert deltas == [None, 40.0, 6.0, 10.0]
        day_total = s.execute(select(MeterRollup.total).where(MeterRollup.meter_id == meter_id,
                                                              MeterRollup.interval == "day",
                                                              MeterRollup.bucket == int(DAY.timestamp()))).scalar_one()
        assert day_total == 56.0
    assert runner.invoke(app, ["monitoring", "prune", "--days", "1"]).exit_code == 0
    with database.session() as s:
        # the newest read is kept (the next delta needs it); the day's rollup stays
        assert s.execute(select(MeterReading.ts).where(MeterReading.meter_id == meter_id)).scalars().all() == [ts[-1]]
        # (the first read, 00:00, closes the interval of the day before: a 0.0 bucket there)
        assert s.execute(select(MeterRollup.total).where(MeterRollup.interval == "day")
                         .order_by(MeterRollup.bucket)).scalars().all() == [0.0, 56.0]
    database.dispose()


def test_devices_and_broker_files_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    broker_dir = tmp_path / "broker"
    monkeypatch.setenv("GREENMFG_DATABASE_URL", url)
    monkeypatch.setenv("GREENMFG_MQTT_BROKER_DIR", str(broker_dir))
    monkeypatch.setenv("GREENMFG_MQTT_URL", "mqtt://greenmfg-ingest:ingest-secret@127.0.0.1:1884")
    database = Database(url)
    upgrade(database)
    with database.session() as s:
        seeded = metered_enterprise(s)
        org_id, meter_id = seeded.enterprise_id, seeded.meter_id
    made = runner.invoke(app, ["devices", "create", str(org_id), "--name", "M 表", "--meter", str(meter_id)])
    assert made.exit_code == 0, made.output
    device = json.loads(made.stdout[made.stdout.index("{"):made.stdout.rindex("}") + 1])
    acl = (broker_dir / "acl").read_text()
    passwd = (broker_dir / "passwd").read_text()
    assert f"user {device['username']}\ntopic write greenmfg/v1/{org_id}/{meter_id}/readings\n" in acl
    assert "user greenmfg-ingest\ntopic read greenmfg/v1/+/+/readings\n" in acl
    assert passwd.startswith("greenmfg-ingest:$7$") and f"\n{device['username']}:$7$" in passwd
    assert device["password"] not in passwd and "ingest-secret" not in passwd
    wrong = runner.invoke(app, ["devices", "create", str(org_id), "--name", "x", "--meter", "999"])
    assert wrong.exit_code == 2 and "999" in wrong.output
    assert runner.invoke(app, ["devices", "revoke", str(device["id"])]).exit_code == 0
    assert device["username"] not in (broker_dir / "acl").read_text()
    assert device["username"] not in (broker_dir / "passwd").read_text()
