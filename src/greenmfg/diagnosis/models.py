"""Diagnosis tables: the equipment register, consumption alerts and the enterprise's management notes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from greenmfg.db.base import Base, UTCDateTime
from greenmfg.db.columns import ByUser, FacilityId, IntPk, OrgId, Timestamp, UpdatedAt, one_of

__all__ = ["ALERT_STATUSES", "EQUIPMENT_KINDS", "DiagnosisAlert", "DiagnosisNotes", "Equipment"]

EQUIPMENT_KINDS = ("motor", "transformer", "air_compressor", "pump", "fan", "industrial_boiler")
ALERT_STATUSES = ("open", "acknowledged", "closed")


class Equipment(Base):
    """One item of an enterprise's key energy-using equipment (重点用能设备).

    Common fields: rated power [kW] (motors, pumps, fans, compressors: the motor's rated output),
    efficiency [%] (nameplate or measured), operating hours [h/a], load factor [1]. Kind-specific
    fields are null where they do not apply.
    """

    __tablename__ = "diagnosis_equipment"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "code", name="code_per_enterprise"),
        one_of("kind", EQUIPMENT_KINDS),
        one_of("efficiency_basis", ("nameplate", "measured")),
    )

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    #: the enterprise's own equipment number, unique within the enterprise
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(100))
    year_installed: Mapped[int | None] = mapped_column(Integer)
    rated_power_kw: Mapped[float | None] = mapped_column(Float)
    efficiency_pct: Mapped[float | None] = mapped_column(Float)
    efficiency_basis: Mapped[str] = mapped_column(String(16), default="nameplate")
    hours_per_year: Mapped[float] = mapped_column(Float)
    load_factor: Mapped[float] = mapped_column(Float)
    #: motors: number of poles (2, 4, 6)
    poles: Mapped[int | None] = mapped_column(Integer)
    #: transformers: rated capacity [kVA], no-load and load losses [W]
    capacity_kva: Mapped[float | None] = mapped_column(Float)
    no_load_loss_w: Mapped[float | None] = mapped_column(Float)
    load_loss_w: Mapped[float | None] = mapped_column(Float)
    #: air compressors: free-air delivery [m³/min], discharge pressure [MPa], specific power [kW/(m³/min)]
    flow_m3_min: Mapped[float | None] = mapped_column(Float)
    pressure_mpa: Mapped[float | None] = mapped_column(Float)
    specific_power: Mapped[float | None] = mapped_column(Float)
    #: centrifugal pumps (GB 19762-2025): type, flow at the best-efficiency point [m³/h], head [m],
    #: speed [r/min], number of stages
    pump_type: Mapped[str | None] = mapped_column(String(32))
    flow_m3_h: Mapped[float | None] = mapped_column(Float)
    head_m: Mapped[float | None] = mapped_column(Float)
    speed_rpm: Mapped[float | None] = mapped_column(Float)
    stages: Mapped[int | None] = mapped_column(Integer)
    #: fans (GB 19761-2020): centrifugal or axial, pressure coefficient ψ [1], specific speed n_s [1],
    #: hub ratio γ [1] (axial), machine number (impeller diameter in dm)
    fan_type: Mapped[str | None] = mapped_column(String(16))
    pressure_coefficient: Mapped[float | None] = mapped_column(Float)
    fan_specific_speed: Mapped[float | None] = mapped_column(Float)
    hub_ratio: Mapped[float | None] = mapped_column(Float)
    machine_number: Mapped[float | None] = mapped_column(Float)
    #: industrial boilers: fuel item key and rated thermal output [MW]
    fuel: Mapped[str | None] = mapped_column(String(64))
    rated_capacity_mw: Mapped[float | None] = mapped_column(Float)
    #: the replacement considered: target efficiency [%] or specific power; cost [CNY]
    target_efficiency_pct: Mapped[float | None] = mapped_column(Float)
    target_specific_power: Mapped[float | None] = mapped_column(Float)
    replacement_cost_cny: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[UpdatedAt]


class DiagnosisAlert(Base):
    """A consumption anomaly of a facility (and meter) against its baseline."""

    __tablename__ = "diagnosis_alerts"
    __table_args__ = (
        one_of("status", ALERT_STATUSES),
        one_of("severity", ("low", "medium", "high")),
        one_of("kind", ("spike", "drift_up", "drift_down")),
        UniqueConstraint("facility_id", "meter_id", "kind", "started", name="one_per_start"),
    )

    id: Mapped[IntPk]
    facility_id: Mapped[FacilityId]
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    started: Mapped[dt.date] = mapped_column(Date)
    ended: Mapped[dt.date] = mapped_column(Date)
    excess_kwh: Mapped[float] = mapped_column(Float)
    expected_kwh: Mapped[float] = mapped_column(Float)
    max_abs_z: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[Timestamp]
    acknowledged_by: Mapped[ByUser]
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DiagnosisNotes(Base):
    """What the enterprise says about its energy management (EnMS, organisation, metering)."""

    __tablename__ = "diagnosis_notes"

    id: Mapped[IntPk]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    energy_management: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[UpdatedAt]
    updated_by: Mapped[ByUser]
