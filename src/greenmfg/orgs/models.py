"""Organisations and what belongs to them.

One ``organisations`` table holds every kind (enterprise, regulator, evaluator, platform);
enterprise-only columns are null for the others. A regulator's reach is a set of
jurisdictions (province, optionally a city or an industrial park, optionally limited to
industries); an evaluator reaches the enterprises it is assigned to.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greenmfg.db.base import Base, JSONType, UTCDateTime
from greenmfg.db.columns import FacilityId, IntPk, OrgId, Timestamp, one_of

__all__ = ["EvaluatorAssignment", "Facility", "Jurisdiction", "Meter", "OrgKind", "Organisation", "Park",
           "Product"]


class OrgKind(StrEnum):
    enterprise = "enterprise"
    regulator = "regulator"
    evaluator = "evaluator"
    platform = "platform"


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        one_of("kind", OrgKind),
        CheckConstraint("kind <> 'enterprise' OR (code IS NOT NULL AND industry IS NOT NULL "
                        "AND province IS NOT NULL)", name="enterprise_fields"),
    )

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    #: enterprise identifier used in activity files (unified social credit code or own id)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: industry key of the vocabulary (steel, cement, flat_glass, …)
    industry: Mapped[str | None] = mapped_column(String(64), index=True)
    #: GB/T 2260 province code, e.g. 130000
    province: Mapped[str | None] = mapped_column(String(6), index=True)
    #: prefecture-level city (Chinese name, e.g. 唐山)
    city: Mapped[str | None] = mapped_column(String(64), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Timestamp]

    facilities: Mapped[list[Facility]] = relationship(back_populates="enterprise", order_by="Facility.code")
    jurisdictions: Mapped[list[Jurisdiction]] = relationship(back_populates="regulator",
                                                             cascade="all, delete-orphan")


class Park(Base):
    """An industrial park (园区)."""

    __tablename__ = "parks"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    province: Mapped[str] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(64))


class Jurisdiction(Base):
    """Part of a regulator's reach: a province, optionally narrowed to a city or park and industries."""

    __tablename__ = "jurisdictions"

    id: Mapped[IntPk]
    regulator_id: Mapped[OrgId]
    province: Mapped[str] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(64))
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"))
    #: industry keys; empty or null means every industry
    industries: Mapped[list[str] | None] = mapped_column(JSONType)

    regulator: Mapped[Organisation] = relationship(back_populates="jurisdictions")


class EvaluatorAssignment(Base):
    """A third-party evaluator assigned to an enterprise (active until ``ended_at``)."""

    __tablename__ = "evaluator_assignments"

    id: Mapped[IntPk]
    evaluator_id: Mapped[OrgId]
    enterprise_id: Mapped[OrgId]
    assigned_at: Mapped[Timestamp]
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    purpose: Mapped[str | None] = mapped_column(String(200))


class Facility(Base):
    """A plant, line or process unit of an enterprise (``facility_id`` in activity files)."""

    __tablename__ = "facilities"
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Timestamp]

    enterprise: Mapped[Organisation] = relationship(back_populates="facilities")


class Product(Base):
    """A product a facility makes (a vocabulary item of kind product)."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("facility_id", "item"),)

    id: Mapped[IntPk]
    facility_id: Mapped[FacilityId]
    item: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))


class Meter(Base):
    """An energy meter at a facility."""

    __tablename__ = "meters"
    __table_args__ = (UniqueConstraint("facility_id", "code"),)

    id: Mapped[IntPk]
    facility_id: Mapped[FacilityId]
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    item: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
