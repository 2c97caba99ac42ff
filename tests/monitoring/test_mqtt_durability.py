"""Kill -9 of ``greenmfg ingest`` in the middle of a stream: every reading the broker acknowledged is stored
under the shipped broker policy; under Mosquitto's defaults readings are lost, and the broker check says so.

Each test runs its own Mosquitto (free port, generated credentials), ``greenmfg ingest`` as a separate
process on a SQLite file, and publishes as a device credential. The stream is 20 000 readings (one
per message): the first 2 000 while the ingest runs, SIGKILL once it has stored some (its batch in
flight is neither committed nor acknowledged), the other 18 000 while it is dead, then a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import create_engine, text

from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.monitoring import devices
from greenmfg.monitoring.broker import check_broker
from greenmfg.monitoring.devices_cli import operator
from tests.factories import metered_enterprise

from .conftest import OwnBroker, start_broker, wait_until

TOTAL, FIRST, CLIENT_ID = 20_000, 2_000, "greenmfg-kill-test"
START = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
SRC = str(Path(__file__).resolve().parents[2] / "src")
INGEST = (f"import sys; from greenmfg.db.session import Database; from greenmfg.monitoring.ingest import IngestWorker; "
          f"IngestWorker(Database(sys.argv[1]), sys.argv[2], client_id={CLIENT_ID!r}, batch_messages=500, "
          f"batch_seconds=0.05).run()")


class Setup:
    def __init__(self, folder: Path, policy: str | None) -> None:
        self.url = f"sqlite:///{folder / 'ingest.db'}"
        self.database = Database(self.url)
        upgrade(self.database)
        with self.database.session() as s:
            seeded = metered_enterprise(s, name="断电测试企业", code="KILL", facility_code="F1", meter_codes=["M1"],
                                        meter_name=lambda _: "总表", register_kind="interval")
            self.topic = seeded.topic()
            self.enterprise_id = seeded.enterprise_id
        self.broker, self.broker_folder = start_broker(self.database, policy="shipped" if policy else None)
        self.device = self.broker.credential(self.enterprise_id)
        self.log = (folder / "ingest.log").open("ab")
        self.ingest: subprocess.Popen[bytes] | None = None

    def stored(self) -> int:
        engine = create_engine(self.url)
        try:
            with engine.connect() as c:
                return int(c.execute(text("SELECT count(*) FROM meter_readings")).scalar_one())
        finally:
            engine.dispose()

    def start_ingest(self) -> None:
        """The worker of ``greenmfg ingest`` in its own process (without the CLI's imports: a loaded
        machine starts it faster)."""
        env = {**os.environ, "PYTHONPATH": SRC}
        self.ingest = subprocess.Popen([sys.executable, "-c", INGEST, self.url, self.broker.url], env=env,
                                       stdout=self.log, stderr=self.log)

    def kill_ingest(self) -> None:
        assert self.ingest is not None
        self.ingest.send_signal(signal.SIGKILL)
        self.ingest.wait(10)

    def close(self) -> None:
        if self.ingest is not None and self.ingest.poll() is None:
            self.ingest.send_signal(signal.SIGTERM)
            self.ingest.wait(10)
        self.broker.managed.stop()
        self.database.dispose()
        self.log.close()
        shutil.rmtree(self.broker_folder, ignore_errors=True)


def subscribe_session(broker: OwnBroker) -> None:
    """The ingest's persistent session exists before the first reading: from then on the broker queues for it."""
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=CLIENT_ID,
                         clean_session=False)
    client.username_pw_set(*broker.url.split("//")[1].split("@")[0].split(":"))
    granted = threading.Event()
    client.on_subscribe = lambda *_args: granted.set()
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    assert wait_until(client.is_connected), "the session client did not connect"
    done = client.subscribe("greenmfg/v1/+/+/readings", qos=1)
    assert done[0] == 0
    assert granted.wait(10), "the broker did not grant the subscription"   # SUBACK: the session exists
    client.disconnect()
    client.loop_stop()


class Publisher:
    def __init__(self, setup: Setup) -> None:
        self.client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"test-meter-{uuid.uuid4().hex[:6]}")
        self.client.username_pw_set(setup.device.device.username, setup.device.secret)
        self.client.max_inflight_messages_set(1000)
        self.client.connect("127.0.0.1", setup.broker.port)
        self.client.loop_start()
        # a publish before the CONNACK gives an info whose wait_for_publish raises "not connected"
        assert wait_until(self.client.is_connected), "the meter did not connect"
        self.topic = setup.topic
        self.infos: list[mqtt.MQTTMessageInfo] = []

    def send(self, first: int, count: int) -> None:
        for i in range(first, first + count):
            payload = json.dumps({"readings": [{"ts": dt.datetime.fromtimestamp(START + 60 * i, dt.UTC).isoformat(),
                                                "value": 1.0}]})
            self.infos.append(self.client.publish(self.topic, payload, qos=1))

    def acknowledged(self) -> int:
        for info in self.infos:
            info.wait_for_publish(30)
        return sum(1 for info in self.infos if info.is_published())

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def folder() -> Iterator[Path]:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"greenmfg-kill-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run_kill(folder: Path, shipped: bool) -> tuple[int, int, Setup]:
    """(acknowledged, stored) after the kill and restart."""
    setup = Setup(folder, "shipped" if shipped else None)
    try:
        subscribe_session(setup.broker)
        setup.start_ingest()
        publisher = Publisher(setup)
        publisher.send(0, FIRST)
        assert wait_until(lambda: setup.stored() >= 200, timeout=30), "the ingest stored nothing"
        setup.kill_ingest()
        killed_at = setup.stored()
        assert killed_at < TOTAL
        publisher.send(FIRST, TOTAL - FIRST)
        acknowledged = publisher.acknowledged()
        publisher.close()
        setup.start_ingest()
        # the restarted ingest finds at least the broker's queue: wait for it to start storing, then
        # until everything acknowledged is stored or nothing has changed for 3 s
        assert wait_until(lambda: setup.stored() > killed_at, timeout=60), "the restarted ingest stored nothing"
        last, changed = -1, time.monotonic()
        while time.monotonic() - changed < 3.0:
            now = setup.stored()
            if now >= acknowledged:
                break
            if now != last:
                last, changed = now, time.monotonic()
            time.sleep(0.2)
        return acknowledged, setup.stored(), setup
    finally:
        setup.close()


def test_a_killed_ingest_loses_no_acknowledged_reading_under_the_shipped_policy(folder: Path) -> None:
    acknowledged, stored, _ = run_kill(folder, shipped=True)
    assert acknowledged == TOTAL
    assert stored == acknowledged, f"lost {acknowledged - stored} of {acknowledged} acknowledged readings"


def test_under_mosquitto_defaults_a_killed_ingest_loses_acknowledged_readings(folder: Path) -> None:
    """What the shipped policy prevents: the default queue of 1 000 messages drops the rest, acknowledged."""
    acknowledged, stored, _ = run_kill(folder, shipped=False)
    assert acknowledged == TOTAL
    # at least everything published while it was dead beyond the 1 000 queued messages (and 20 in flight)
    assert TOTAL - stored >= TOTAL - FIRST - 1000 - 20, (acknowledged, stored)


@pytest.mark.parametrize("shipped", [True, False], ids=["shipped", "defaults"])
def test_the_broker_check_reports_a_broker_that_would_drop(folder: Path, shipped: bool) -> None:
    setup = Setup(folder, "shipped" if shipped else None)
    try:
        result = check_broker(setup.broker.url, probe=1500, client_id="greenmfg-check-test")
    finally:
        setup.close()
    assert result.error is None and result.version and result.version.startswith("mosquitto version")
    assert result.drops is (not shipped)
    if shipped:
        assert result.returned == 1500 and "kept all 1500" in result.message()
    else:
        assert result.returned == 1000 and "DROPS" in result.message() and "丢弃" in result.message()


def test_greenmfg_ingest_refuses_a_dropping_broker_when_asked(folder: Path) -> None:
    setup = Setup(folder, None)
    try:
        env = {**os.environ, "GREENMFG_DATABASE_URL": setup.url, "PYTHONPATH": SRC}
        answer = subprocess.run([sys.executable, "-m", "greenmfg", "ingest", "--url", setup.broker.url,
                                 "--require-durable-broker"], env=env, capture_output=True, timeout=60)
    finally:
        setup.close()
    assert answer.returncode == 2
    assert b"DROPS" in answer.stderr and b"max_queued_messages" in answer.stderr


def test_device_grants_and_devices_module_agree() -> None:
    """The grant the broker ACL expresses and the ingest's check are computed from the same rows."""
    grants = devices.Grants({1: None, 2: {5}})
    assert grants.allows(1, 99) and grants.allows(2, 5) and not grants.allows(2, 6) and not grants.allows(3, 1)
    assert operator().is_admin
