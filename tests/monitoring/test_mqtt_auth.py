"""The broker lets in only generated credentials and confines each to its grant (own Mosquitto, shipped policy)."""

from __future__ import annotations

import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.monitoring.devices import NewSecret
from greenmfg.monitoring.ingest import IngestWorker
from greenmfg.monitoring.models import DeadLetter
from greenmfg.settings import Settings
from tests.factories import Login, World, add_meter

from .conftest import INGEST_PASSWORD, INGEST_USER, OwnBroker, can_connect, wait_until
from .test_mqtt import Running, publish, readings_payload, stored


@pytest.fixture
def settings(broker: OwnBroker) -> Settings:
    """The app keeps the test broker's files in sync (GREENMFG_MQTT_BROKER_DIR) after credential changes."""
    return Settings(database_url="sqlite:///unused.db", max_upload_bytes=200_000, mqtt_url=broker.url,
                    mqtt_broker_dir=str(broker.directory))


def test_anonymous_and_unknown_clients_are_refused(broker: OwnBroker) -> None:
    assert not can_connect(broker.port, None, None)
    assert not can_connect(broker.port, INGEST_USER, INGEST_PASSWORD + "x")
    assert not can_connect(broker.port, "gmd-1-00000000", "guess")
    assert can_connect(broker.port, INGEST_USER, INGEST_PASSWORD)


def publish_refused(broker: OwnBroker, device: NewSecret, topic: str, payload: bytes) -> None:
    """Publish once with QoS 1 where the broker's ACL denies it; return when the broker has answered
    (acknowledged and dropped it, or closed the connection)."""
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
                         client_id=f"test-denied-{uuid.uuid4().hex[:8]}")
    client.username_pw_set(device.device.username, device.secret)
    closed = threading.Event()
    client.on_disconnect = lambda *_args: closed.set()
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        assert wait_until(client.is_connected), "the publisher did not connect"
        info = client.publish(topic, payload, qos=1)
        assert wait_until(lambda: info.is_published() or closed.is_set()), "the broker did not answer"
    finally:
        client.disconnect()
        client.loop_stop()


def test_a_device_publishes_only_to_its_grant(database: Database, world: World, broker: OwnBroker,
                                              unique: str) -> None:
    steel, cement = world.org("steel"), world.org("cement")
    granted, other = add_meter(database, world, code="A"), add_meter(database, world, code="B")
    cement_meter = add_meter(database, world, enterprise="cement", code="C")
    device = broker.credential(steel, [granted], name="A")
    broker.credential(cement)   # cement's gateway: the ingest's own check would let cement's topics through
    worker = IngestWorker(database, broker.url, client_id=f"greenmfg-test-{unique}", batch_seconds=0.05)
    running = Running(worker)
    try:
        # the broker refuses what the ACL denies: it drops the message and (Mosquitto 2.0) may also
        # close the publisher's connection, so each denied topic gets a connection of its own
        for denied in (f"greenmfg/v1/{steel}/{other}/readings", f"greenmfg/v1/{cement}/{cement_meter}/readings"):
            publish_refused(broker, device, denied, readings_payload(0, 1))
        publish(broker, device, [(f"greenmfg/v1/{steel}/{granted}/readings", readings_payload(0, 1))])
        assert wait_until(lambda: worker.stats.messages >= 1)
        time.sleep(0.3)
        assert worker.stats.messages == 1
    finally:
        running.stop()
    assert (stored(database, granted), stored(database, other), stored(database, cement_meter)) == (1, 0, 0)
    with database.session() as s:
        assert s.execute(select(func.count()).select_from(DeadLetter)).scalar_one() == 0


def test_credential_changes_through_the_api_reach_the_broker(client: TestClient, login: Login, world: World,
                                                            broker: OwnBroker) -> None:
    created = client.post(f"/api/v1/enterprises/{world.org('steel')}/meter-devices", json={"name": "网关"},
                          headers=login("steel"))
    assert created.status_code == 201 and created.json()["broker_synced"] is True
    device = created.json()
    assert wait_until(lambda: can_connect(broker.port, device["username"], device["password"], 1.0))
    acl = (broker.directory / "acl").read_text()
    assert f"user {device['username']}\ntopic write greenmfg/v1/{world.org('steel')}/+/readings\n" in acl
    assert device["password"] not in (broker.directory / "passwd").read_text()
    rotated = client.post(f"/api/v1/meter-devices/{device['id']}/rotate", headers=login("steel")).json()
    assert wait_until(lambda: can_connect(broker.port, device["username"], rotated["password"], 1.0))
    assert not can_connect(broker.port, device["username"], device["password"])
    assert client.post(f"/api/v1/meter-devices/{device['id']}/revoke", headers=login("steel")).status_code == 200
    assert wait_until(lambda: not can_connect(broker.port, device["username"], rotated["password"], 1.0))
    assert device["username"] not in (broker.directory / "acl").read_text()


def test_a_revoked_device_s_open_connection_is_closed(client: TestClient, login: Login, world: World,
                                                     broker: OwnBroker) -> None:
    """Mosquitto re-checks connected clients when greenmfg reloads it after a revocation."""
    import paho.mqtt.client as mqtt

    device = client.post(f"/api/v1/enterprises/{world.org('steel')}/meter-devices", json={"name": "网关"},
                         headers=login("steel")).json()
    assert wait_until(lambda: can_connect(broker.port, device["username"], device["password"], 1.0))
    meter = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="test-open-meter")
    meter.username_pw_set(device["username"], device["password"])
    meter.reconnect_delay_set(30, 30)
    meter.connect("127.0.0.1", broker.port)
    meter.loop_start()
    try:
        assert wait_until(meter.is_connected)
        assert client.post(f"/api/v1/meter-devices/{device['id']}/revoke", headers=login("steel")).status_code == 200
        assert wait_until(lambda: not meter.is_connected())
    finally:
        meter.loop_stop()
        meter.disconnect()
