"""Device credentials without a broker: hashes, the ingest's own grant check, HTTP push with device tokens, the API."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.monitoring import devices
from greenmfg.monitoring.devices_cli import operator
from greenmfg.monitoring.ingest import process_messages
from greenmfg.monitoring.models import DeadLetter, MeterReading
from tests.factories import Login, World, add_meter

READING = b'{"readings": [{"ts": "2026-03-01T00:00:00+08:00", "value": 1.5}]}'


def count(database: Database, meter_id: int) -> int:
    with database.session() as s:
        return int(s.execute(select(func.count()).select_from(MeterReading)
                             .where(MeterReading.meter_id == meter_id)).scalar_one())


def test_the_secret_hash_is_mosquitto_passwd_s(tmp_path: Path) -> None:
    """The stored hash is the broker's password-file format, both ways."""
    ours = devices.hash_secret("s3cret-value")
    assert ours.startswith("$7$1000$") and devices.verify_secret("s3cret-value", ours)
    assert not devices.verify_secret("s3cret-valuE", ours) and not devices.verify_secret("x", "plain")
    tool = shutil.which("mosquitto_passwd")
    if tool is None:
        pytest.skip("mosquitto_passwd not installed: only our own round trip was checked")
    subprocess.run([tool, "-c", "-b", str(tmp_path / "pw"), "meter", "s3cret-value"], check=True)
    theirs = (tmp_path / "pw").read_text().strip().split(":", 1)[1]
    assert devices.verify_secret("s3cret-value", theirs) and not devices.verify_secret("other", theirs)


def test_the_ingest_refuses_topics_no_active_credential_grants(database: Database, world: World) -> None:
    """Defence in depth: with a broker that let anyone publish, an ungranted topic is a dead letter."""
    steel = world.org("steel")
    granted, other = add_meter(database, world, code="A"), add_meter(database, world, code="B")
    topic = f"greenmfg/v1/{steel}/{{}}/readings"
    with database.session() as s:
        result, rejected = process_messages(s, [(topic.format(granted), READING)])
    assert (result.stored, rejected) == (0, 1)   # nobody holds a credential for steel yet
    with database.session() as s:
        device = devices.create_device(s, operator(), steel, "A meter", [granted]).device
    with database.session() as s:
        result, rejected = process_messages(s, [(topic.format(granted), READING),
                                                (topic.format(other), READING)])
    assert (result.stored, rejected) == (1, 1) and count(database, granted) == 1 and count(database, other) == 0
    with database.session() as s:
        devices.revoke_device(s, operator(), device.id)
    with database.session() as s:
        result, rejected = process_messages(s, [(topic.format(granted), READING.replace(b"00:00:00", b"00:15:00"))])
        assert (result.stored, rejected) == (0, 1)
        reasons = s.execute(select(DeadLetter.reason, DeadLetter.reason_zh).order_by(DeadLetter.id)).all()
    assert reasons[-1] == (f"no active device credential grants meter {granted} of enterprise {steel}",
                           f"没有有效的设备凭据授权企业 {steel} 的计量表 {granted}")


def test_http_push_with_a_device_token_has_the_grant_of_its_topics(client: TestClient, login: Login, world: World,
                                                                   database: Database) -> None:
    granted, other = add_meter(database, world, code="A"), add_meter(database, world, code="B")
    cement = add_meter(database, world, enterprise="cement", code="C")
    created = client.post(f"/api/v1/enterprises/{world.org('steel')}/meter-devices",
                          json={"name": "A 表", "meter_ids": [granted]}, headers=login("steel"))
    assert created.status_code == 201, created.text
    device = created.json()
    assert device["topics"] == [f"greenmfg/v1/{world.org('steel')}/{granted}/readings"]
    assert created.headers["cache-control"] == "no-store"
    bearer = {"Authorization": f"Bearer {device['token']}"}
    body = {"readings": [{"ts": "2026-03-01T00:00:00+08:00", "value": 2}]}
    answer = client.post(f"/api/v1/meters/{granted}/readings", json=body, headers=bearer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 1
    for meter in (other, cement, 999_999):
        refused = client.post(f"/api/v1/meters/{meter}/readings", json=body, headers=bearer)
        assert refused.status_code == 403, refused.text
        assert "does not grant" in refused.text
    assert count(database, other) == 0 and count(database, cement) == 0
    # a device token opens nothing but the push
    assert client.get(f"/api/v1/meters/{granted}/readings", headers=bearer).status_code == 401
    forged = {"Authorization": f"Bearer {device['token'][:-2]}xx"}
    assert client.post(f"/api/v1/meters/{granted}/readings", json=body, headers=forged).status_code == 401
    rotated = client.post(f"/api/v1/meter-devices/{device['id']}/rotate", headers=login("steel"))
    assert rotated.status_code == 200 and rotated.json()["token"] != device["token"]
    assert client.post(f"/api/v1/meters/{granted}/readings", json=body, headers=bearer).status_code == 401
    fresh = {"Authorization": f"Bearer {rotated.json()['token']}"}
    assert client.post(f"/api/v1/meters/{granted}/readings", json=body, headers=fresh).status_code == 200
    assert client.post(f"/api/v1/meter-devices/{device['id']}/revoke", headers=login("steel")).status_code == 200
    assert client.post(f"/api/v1/meters/{granted}/readings", json=body, headers=fresh).status_code == 401
    listed = client.get(f"/api/v1/enterprises/{world.org('steel')}/meter-devices", headers=login("steel")).json()
    assert [(d["id"], d["revoked_at"] is not None) for d in listed["items"]] == [(device["id"], True)]
    assert "token" not in listed["items"][0] and "password" not in listed["items"][0]
    with database.session() as s:
        stored_hash = s.get(devices.MeterDevice, device["id"]).secret_hash  # type: ignore[union-attr]
    assert rotated.json()["password"] not in stored_hash and stored_hash.startswith("$7$")


def test_only_the_enterprise_s_managers_handle_its_credentials(client: TestClient, login: Login, world: World,
                                                               database: Database) -> None:
    steel = world.org("steel")
    cement_meter = add_meter(database, world, enterprise="cement", code="C")
    url = f"/api/v1/enterprises/{steel}/meter-devices"
    assert client.post(url, json={"name": "x"}, headers=login("cement")).status_code == 404
    assert client.post(url, json={"name": "x"}, headers=login("steelviewer")).status_code == 403
    assert client.post(url, json={"name": "x"}, headers=login("hebei")).status_code == 403
    assert client.get(url, headers=login("steelviewer")).status_code == 403
    wrong = client.post(url, json={"name": "x", "meter_ids": [cement_meter]}, headers=login("steel"))
    assert wrong.status_code == 422 and f"has no meter {cement_meter}" in wrong.text and "没有计量表" in wrong.text
    for body in ({"name": ""}, {"name": "x", "meter_ids": []}, {"name": "x", "meter_ids": ["1"]}, [],
                 {"name": "x\u0000"}, {"name": "x", "meter_ids": list(range(1, 5002))}, {"name": "x" * 101}):
        assert client.post(url, json=body, headers=login("steel")).status_code == 422, body
    made = client.post(url, json={"name": "网关"}, headers=login("admin"))
    assert made.status_code == 201 and made.json()["topics"] == [f"greenmfg/v1/{steel}/+/readings"]
    device_id = made.json()["id"]
    assert client.post(f"/api/v1/meter-devices/{device_id}/revoke", headers=login("cement")).status_code == 404
    assert client.post(f"/api/v1/meter-devices/{device_id}/rotate", headers=login("steelviewer")).status_code == 403
    for bad_id in (0, 2**31, 2**63):
        assert client.post(f"/api/v1/meter-devices/{bad_id}/revoke", headers=login("steel")).status_code == 422
