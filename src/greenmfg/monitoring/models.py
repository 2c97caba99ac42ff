"""Meter telemetry tables: readings, rollups, dead letters, register settings and replacements.

Readings are stored compactly: one row per (meter, instant) with the instant as integer Unix
seconds (UTC), the value in the meter's unit and the consumption ``delta`` it implies. Rollups
hold the summed deltas per meter and bucket (15 min, hour, day, month); days and months are the
enterprise's local calendar (Asia/Shanghai). Raw readings may be pruned; rollups are kept.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from greenmfg.db.base import Base, JSONType, UTCDateTime, utcnow
from greenmfg.db.columns import IntPk, OrgId, Timestamp, one_of

__all__ = ["DeadLetter", "MeterDevice", "MeterReading", "MeterReplacement", "MeterRollup", "MeterSetting", "RegisterKind"]


class RegisterKind(StrEnum):
    #: a counter that only grows (kWh register); consumption is the difference of two reads
    cumulative = "cumulative"
    #: each reading is the consumption of the interval that starts at its timestamp
    interval = "interval"


class MeterSetting(Base):
    """How a meter's readings are read (one row per meter; a meter without one is ``interval``)."""

    __tablename__ = "meter_settings"
    __table_args__ = (one_of("register_kind", RegisterKind),
                      CheckConstraint("multiplier > 0", name="multiplier_positive"))

    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True)
    register_kind: Mapped[str] = mapped_column(String(16), default=RegisterKind.interval)
    #: the value at which a cumulative register wraps to 0 [meter unit]; null: never wraps
    register_max: Mapped[float | None] = mapped_column(Float)
    #: factor applied to every delta (current/voltage transformer ratio) [-]
    multiplier: Mapped[float] = mapped_column(Float, default=1.0)


class MeterReplacement(Base):
    """A meter (register) replaced at ``replaced_at``: the new register starts at ``initial_value``.

    The first reading after the replacement counts only ``value - initial_value`` (nothing when
    ``initial_value`` is unknown); the jump from the old register to the new is never consumption.
    """

    __tablename__ = "meter_replacements"

    id: Mapped[IntPk]
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), index=True)
    #: Unix seconds (UTC)
    replaced_at: Mapped[int] = mapped_column(BigInteger)
    initial_value: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Timestamp]


class MeterReading(Base):
    """One reading: (meter, Unix seconds UTC) → value [meter unit] and its consumption delta."""

    __tablename__ = "meter_readings"

    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    value: Mapped[float] = mapped_column(Float)
    #: consumption this reading adds [meter unit] (multiplier applied); null: not counted
    delta: Mapped[float | None] = mapped_column(Float)


class MeterRollup(Base):
    """Summed consumption of a meter in one bucket (``interval``: 15min, hour, day, month)."""

    __tablename__ = "meter_rollups"
    __table_args__ = (one_of("interval", ("15min", "hour", "day", "month")),)

    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True)
    interval: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: bucket start, Unix seconds (UTC) of the local boundary for days and months
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    readings: Mapped[int] = mapped_column(Integer, default=0)


class DeadLetter(Base):
    """A message that could not be stored, with why (in both languages)."""

    __tablename__ = "meter_dead_letters"

    id: Mapped[IntPk]
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: mqtt, http or csv
    source: Mapped[str] = mapped_column(String(8))
    topic: Mapped[str | None] = mapped_column(String(255))
    meter_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    reason_zh: Mapped[str] = mapped_column(Text)


class MeterDevice(Base):
    """A meter or gateway credential (issue #13 item 4): who may publish or push readings for what.

    ``username`` is the MQTT user name and the middle part of the HTTP device token; ``secret_hash``
    is the secret's PBKDF2-SHA512 hash in Mosquitto's password-file format (``$7$iterations$salt$hash``),
    so the same row gives the broker's password line and checks HTTP tokens. ``meter_ids`` null: every
    meter of the enterprise (a gateway); otherwise only those meters. Revoked rows are kept (audit).
    """

    __tablename__ = "meter_devices"

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    name: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    meter_ids: Mapped[list[int] | None] = mapped_column(JSONType)
    created_at: Mapped[Timestamp]
    rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
