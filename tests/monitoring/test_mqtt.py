"""MQTT ingest against a real Mosquitto of the test's own (shipped policy, generated credentials):
stored, dead letters, restart without loss.

The test database is one connection (rolled back afterwards): tests look at it only while the
worker is idle or stopped, and wait on the worker's counters meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable

import paho.mqtt.client as mqtt
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.db.session import Database
from greenmfg.monitoring.devices import NewSecret
from greenmfg.monitoring.ingest import IngestWorker
from greenmfg.monitoring.models import DeadLetter, MeterReading
from tests.factories import Login, World, add_meter, signed_in

from .conftest import OwnBroker


def publish(broker: OwnBroker, device: NewSecret, messages: list[tuple[str, bytes]]) -> None:
    """Publish with QoS 1 as ``device``; every message acknowledged by the broker."""
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    client.username_pw_set(device.device.username, device.secret)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        # publishing before the CONNACK gives an info whose wait_for_publish raises "not connected"
        assert wait_for(client.is_connected, 10), "the publisher did not connect"
        infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=10)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


def readings_payload(start_minute: int, count: int, *, unit: str = "kWh", value: float = 1.0) -> bytes:
    rows = [{"ts": f"2026-03-01T{(start_minute + 15 * i) // 60:02d}:{(start_minute + 15 * i) % 60:02d}:00+08:00",
             "value": value + i, "unit": unit} for i in range(count)]
    return json.dumps({"readings": rows}).encode()


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def stored(database: Database, meter_id: int) -> int:
    with database.session() as s:
        return int(s.execute(select(func.count()).select_from(MeterReading)
                             .where(MeterReading.meter_id == meter_id)).scalar_one())


class Running:
    def __init__(self, worker: IngestWorker) -> None:
        self.worker = worker
        self.thread = worker.start_thread()
        assert worker.wait_connected(10), "the worker did not connect to the broker"

    def stop(self) -> None:
        self.worker.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


def test_publish_is_stored_once_and_bad_messages_are_dead_letters(database: Database, world: World, broker: OwnBroker,
                                                                  unique: str) -> None:
    meter = add_meter(database, world)
    enterprise = world.org("steel")
    gateway = broker.credential(enterprise)
    worker = IngestWorker(database, broker.url, client_id=f"greenmfg-test-{unique}", batch_seconds=0.1)
    running = Running(worker)
    topic = f"greenmfg/v1/{enterprise}/{meter}/readings"
    try:
        publish(broker, gateway, [
            (topic, readings_payload(0, 4)),
            (topic, readings_payload(0, 4)),                       # duplicate: stored once
            (topic, readings_payload(60, 1, unit="m3")),           # wrong dimension → dead letter
            (topic, b"{not json"),                                 # → dead letter
            (f"greenmfg/v1/{enterprise}/{meter + 1000}/readings", readings_payload(90, 1)),  # no such meter
            (topic, readings_payload(45, 1, value=100.0)),         # out of order (00:45 arrives after 01:00)
        ])
        assert wait_for(lambda: worker.stats.messages >= 6)
    finally:
        running.stop()
    assert stored(database, meter) == 4 + 0 + 0 + 0 + 0 + 0   # 00:45 was in the first message already
    with database.session() as s:
        letters = s.execute(select(DeadLetter).where(DeadLetter.source == "mqtt")
                            .order_by(DeadLetter.id)).scalars().all()
        assert len(letters) == 3
        reasons = [letter.reason for letter in letters]
        assert "unit 'm3' cannot be converted" in reasons[0] and "readings[0].unit" in reasons[0]
        assert reasons[1].startswith("payload: not JSON") and "不是有效的 JSON" in letters[1].reason_zh
        assert f"enterprise {enterprise} has no meter {meter + 1000}" == reasons[2]
        assert letters[2].payload == readings_payload(90, 1).decode()


def test_out_of_order_register_reads_over_mqtt(database: Database, world: World, broker: OwnBroker, unique: str) -> None:
    meter = add_meter(database, world, kind="cumulative", register_max=1000.0)
    device = broker.credential(world.org("steel"), [meter], name="M1")
    topic = f"greenmfg/v1/{world.org('steel')}/{meter}/readings"
    worker = IngestWorker(database, broker.url, client_id=f"greenmfg-test-{unique}", batch_seconds=0.05)
    running = Running(worker)
    try:
        publish(broker, device, [(topic, json.dumps({"readings": [{"ts": "2026-03-01T00:30:00+08:00", "value": 5}]}).encode())])
        assert wait_for(lambda: worker.stats.readings == 1)
        publish(broker, device, [(topic, json.dumps({"readings": [{"ts": "2026-03-01T00:00:00+08:00", "value": 990},
                                                           {"ts": "2026-03-01T00:15:00+08:00", "value": 998}]}).encode())])
        assert wait_for(lambda: worker.stats.readings == 3)
    finally:
        running.stop()
    with database.session() as s:
        deltas = [r.delta for r in s.execute(select(MeterReading).where(MeterReading.meter_id == meter)
                                             .order_by(MeterReading.ts)).scalars()]
    assert deltas == [None, 8.0, 7.0]   # 990 → 998, then 998 → (wrap at 1000) → 5


def test_a_worker_restart_loses_nothing(database: Database, world: World, broker: OwnBroker, unique: str) -> None:
    """Messages taken by a worker that dies before committing are delivered again to the next one."""
    meter = add_meter(database, world)
    device = broker.credential(world.org("steel"), [meter], name="M1")
    topic = f"greenmfg/v1/{world.org('steel')}/{meter}/readings"
    client_id = f"greenmfg-test-{unique}"
    taken: list[int] = []
    gate = threading.Event()

    class Crashing(IngestWorker):
        def _write(self, batch):  # type: ignore[no-untyped-def]
            taken.extend(m.mid for m in batch)   # "crash": neither committed nor acknowledged
            gate.set()
            raise SystemExit

    crashing = Crashing(database, broker.url, client_id=client_id, batch_seconds=0.05)
    thread = threading.Thread(target=lambda: _swallow(crashing.run), daemon=True)
    thread.start()
    assert crashing.wait_connected(10)
    messages = [(topic, readings_payload(15 * i, 1, value=float(i))) for i in range(20)]
    publish(broker, device, messages)
    assert gate.wait(10) and taken
    thread.join(10)
    assert stored(database, meter) == 0
    # more arrive while nobody is connected: the persistent session queues them
    publish(broker, device, [(topic, readings_payload(15 * (20 + i), 1)) for i in range(10)])
    worker = IngestWorker(database, broker.url, client_id=client_id, batch_seconds=0.05)
    running = Running(worker)
    try:
        assert wait_for(lambda: worker.stats.readings == 30, timeout=20), worker.stats
    finally:
        running.stop()
    assert stored(database, meter) == 30


def test_a_published_meter_shows_on_the_dashboard_and_in_the_monthly_accounting(
        database: Database, world: World, broker: OwnBroker, unique: str, client: TestClient, login: Login) -> None:
    gas = add_meter(database, world, code="GAS", unit="m3", item="natural_gas")
    device = broker.credential(world.org("steel"), [gas], name="GAS")
    worker = IngestWorker(database, broker.url, client_id=f"greenmfg-test-{unique}", batch_seconds=0.05)
    running = Running(worker)
    try:
        # four quarter hours on 1 March 2026: 25, 26, 27, 28 m3
        publish(broker, device, [(f"greenmfg/v1/{world.org('steel')}/{gas}/readings",
                          readings_payload(0, 4, unit="m3", value=25.0))])
        assert wait_for(lambda: worker.stats.readings == 4)
    finally:
        running.stop()
    meters = client.get(f"/api/v1/enterprises/{world.org('steel')}/meters", headers=login("steel")).json()["items"]
    assert meters[0]["latest"] == {"ts": "2026-03-01T00:45:00+08:00", "value": 28.0, "unit": "m3"}
    page = signed_in(client, "steel").get(f"/meters/{gas}")
    assert "2026-03-01 00:45:00" in page.text
    answer = client.post(f"/api/v1/enterprises/{world.org('steel')}/meters/account", json={"period": "2026-03"},
                         headers=login("steel"))
    assert answer.status_code == 200, answer.text
    rows = client.get(f"/api/v1/imports/{answer.json()['import_id']}/rows", headers=login("steel")).json()
    metered = [r for r in rows["items"] if r.get("item") == "natural_gas"]
    # 25 + 26 + 27 + 28 m3
    assert len(metered) == 1 and float(metered[0]["quantity"]) == 106.0
    assert metered[0]["sheet"] == "meters" and metered[0]["source"] == f"meter:{gas}"


def _swallow(run: Callable[[], None]) -> None:
    with contextlib.suppress(SystemExit):
        run()
