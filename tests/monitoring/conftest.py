"""Monitoring tests use the shared database fixtures (``tests/conftest.py``) (both backends) and their own Mosquitto.

The ``broker`` fixture starts a Mosquitto of the test's own (``mosquitto`` binary, a free port,
greenmfg's shipped policy ``monitoring/mosquitto/greenmfg.conf``, password and ACL files generated
from the test database into a temporary directory) — never the machine's shared broker.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenmfg.db.session import Database
from greenmfg.monitoring import devices
from greenmfg.monitoring.broker import ManagedBroker, write_broker_files
from greenmfg.monitoring.devices_cli import operator

REQUIRE_SERVICES = os.environ.get("GREENMFG_REQUIRE_SERVICES") == "1"
INGEST_USER, INGEST_PASSWORD = "greenmfg-ingest", "ingest-" + uuid.uuid4().hex


def need_mosquitto() -> str:
    binary = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None)
    if binary is None:
        reason = "the mosquitto binary is not installed (apt-get install mosquitto): MQTT tests need their own broker"
        if REQUIRE_SERVICES:
            pytest.fail(reason + " (GREENMFG_REQUIRE_SERVICES=1: the broker is mandatory here)")
        pytest.skip(reason)
    return binary


def can_connect(port: int, username: str | None, password: str | None, timeout: float = 5.0) -> bool:
    """True when the broker accepts this user (CONNACK success)."""
    import paho.mqtt.client as mqtt

    probe = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
                        client_id=f"test-probe-{uuid.uuid4().hex[:8]}")
    if username:
        probe.username_pw_set(username, password)
    try:
        return probe.connect("127.0.0.1", port) == 0 and _connack(probe, timeout)
    finally:
        probe.disconnect()


def _connack(probe, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    answer: list[bool] = []
    probe.on_connect = lambda _c, _u, _f, reason, _p: answer.append(not reason.is_failure)
    deadline = time.monotonic() + timeout
    while not answer and time.monotonic() < deadline:
        probe.loop(0.05)
    return bool(answer and answer[0])


@dataclass
class OwnBroker:
    """The test's own Mosquitto; :meth:`sync` regenerates its files from the database and reloads it."""

    managed: ManagedBroker
    database: Database

    @property
    def port(self) -> int:
        return self.managed.port

    @property
    def directory(self) -> Path:
        return self.managed.directory

    @property
    def url(self) -> str:
        """The ingest's URL (its own credential, read access to every meter topic)."""
        return self.managed.url(INGEST_USER, INGEST_PASSWORD)

    def sync(self) -> None:
        with self.database.session() as session:
            write_broker_files(session, self.directory, self.url)
        self.managed.reload()

    def credential(self, enterprise_id: int, meter_ids: list[int] | None = None, name: str = "gateway") -> devices.NewSecret:
        """A device credential the broker already accepts."""
        with self.database.session() as session:
            new = devices.create_device(session, operator(), enterprise_id, name, meter_ids)
        self.sync()
        assert wait_until(lambda: can_connect(self.port, new.device.username, new.secret, 1.0)), "not reloaded"
        return new


def wait_until(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def start_broker(db: Database, *, policy: Path | None | str = "shipped") -> tuple[OwnBroker, Path]:
    need_mosquitto()
    folder = Path(tempfile.mkdtemp(prefix="greenmfg-test-broker-"))
    managed = ManagedBroker(folder) if policy == "shipped" else ManagedBroker(folder, policy=policy)  # type: ignore[arg-type]
    test_broker = OwnBroker(managed, db)
    with db.session() as session:
        write_broker_files(session, folder, test_broker.url)
    managed.start()
    return test_broker, folder


@pytest.fixture
def broker(database: Database) -> Iterator[OwnBroker]:
    """A Mosquitto of this test's own with the shipped policy (skipped with the reason when not installed)."""
    test_broker, folder = start_broker(database)
    try:
        yield test_broker
    finally:
        test_broker.managed.stop()
        shutil.rmtree(folder, ignore_errors=True)



@pytest.fixture
def unique() -> Iterator[str]:
    yield uuid.uuid4().hex[:8]



def device_bearer(http: TestClient, manager: dict[str, str], enterprise_id: int,
                  meter_ids: list[int] | None = None) -> dict[str, str]:
    """Headers pushing as a new device credential of ``enterprise_id``, created through the API by its
    manager (``manager``: the manager's headers); without ``meter_ids`` a gateway of every meter."""
    created = http.post(f"/api/v1/enterprises/{enterprise_id}/meter-devices",
                          json={"name": "gateway", "meter_ids": meter_ids}, headers=manager)
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}
