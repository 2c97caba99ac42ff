"""Monitoring tests use the platform's database fixtures (both backends) and the real Mosquitto."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from greenmfg.db.session import Database
from greenmfg.monitoring.models import MeterSetting
from greenmfg.orgs.models import Facility, Meter
from tests.platform.conftest import (  # noqa: F401  (fixtures)
    World,
    _migrated,
    _password_hash,
    client,
    database,
    login,
    settings,
    world,
)

MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883
REQUIRE_SERVICES = os.environ.get("GREENMFG_REQUIRE_SERVICES") == "1"


def broker_reachable() -> bool:
    try:
        with socket.create_connection((MQTT_HOST, MQTT_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker() -> str:
    """The shared Mosquitto at 127.0.0.1:1883 (skipped with the reason when it is closed)."""
    if not broker_reachable():
        reason = f"Mosquitto not reachable at {MQTT_HOST}:{MQTT_PORT}"
        if REQUIRE_SERVICES:
            pytest.fail(reason + " (GREENMFG_REQUIRE_SERVICES=1: the broker is mandatory here)")
        pytest.skip(reason)
    return f"mqtt://{MQTT_HOST}:{MQTT_PORT}"


def add_meter(db: Database, w: World, *, enterprise: str = "steel", code: str = "M1",
              unit: str = "kWh", item: str = "electricity", kind: str = "interval",
              register_max: float | None = None, multiplier: float = 1.0) -> int:
    with db.session() as s:
        facility = s.execute(text("SELECT id FROM facilities WHERE enterprise_id = :e ORDER BY id"),
                             {"e": w.org(enterprise)}).scalar_one_or_none()
        if facility is None:
            f = Facility(enterprise_id=w.org(enterprise), code=f"{enterprise}-F1", name="F1")
            s.add(f)
            s.flush()
            facility = f.id
        meter = Meter(facility_id=facility, code=code, name=f"{code} 总表", item=item, unit=unit)
        s.add(meter)
        s.flush()
        s.add(MeterSetting(meter_id=meter.id, register_kind=kind, register_max=register_max, multiplier=multiplier))
        return meter.id


@pytest.fixture
def unique() -> Iterator[str]:
    yield uuid.uuid4().hex[:8]
