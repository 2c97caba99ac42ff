"""The capacity-replacement ledger: replacement plans and the retired capacity they count.

A retired item is *claimed* while its plan is a draft, submitted or approved: ``claim_key``
(retiring enterprise, process and the equipment's normalised code) is unique across the table,
so one retired furnace or kiln line can back one plan only, whatever the service checks or two
requests racing each other do. A rejected plan releases its claims (``claim_key`` set to null;
the item stays for the record).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greenmfg.db.base import Base, JSONType, UTCDateTime
from greenmfg.db.columns import ByUser, IntPk, OrgId, Timestamp, one_of

__all__ = ["PlanStatus", "ReplacementPlan", "RetiredCapacity"]

#: capacities [t/a or t/d]: up to 10^12 t with three decimals, exact on both backends
CAPACITY = Numeric(18, 3, asdecimal=True)


class PlanStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"


class ReplacementPlan(Base):
    """A capacity-replacement plan (产能置换方案): the new project and what it retires."""

    __tablename__ = "capacity_plans"
    __table_args__ = (
        one_of("status", PlanStatus),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        one_of("unit", ("t/a", "t/d")),
        CheckConstraint("commissioning_date >= application_date", name="dates_in_order"),
    )

    id: Mapped[IntPk]
    #: the enterprise building the new project
    enterprise_id: Mapped[OrgId]
    project_name: Mapped[str] = mapped_column(String(200))
    #: industry key (steel, cement, flat_glass, electrolytic_aluminium)
    sector: Mapped[str] = mapped_column(String(32), index=True)
    #: process key (ironmaking, steelmaking, clinker, flat_glass, pv_rolled_glass, aluminium)
    process: Mapped[str] = mapped_column(String(32))
    capacity: Mapped[Decimal] = mapped_column(CAPACITY)
    unit: Mapped[str] = mapped_column(String(8))
    #: the new project's location: GB/T 2260 province code and prefecture-level city (唐山)
    province: Mapped[str] = mapped_column(String(6), index=True)
    city: Mapped[str | None] = mapped_column(String(64), index=True)
    #: the date whose rules apply (application / announcement of the plan)
    application_date: Mapped[dt.date] = mapped_column(Date)
    #: planned start of production; retired capacity must be shut down by then
    commissioning_date: Mapped[dt.date] = mapped_column(Date)
    merger: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted_category: Mapped[bool] = mapped_column(Boolean, default=False)
    #: special cases claimed (eaf_for_eaf, in_site_upgrade …)
    cases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True, default=PlanStatus.draft)
    #: the requirement when the plan was last checked: ratio, rule, sources, reasons, warnings
    requirement: Mapped[dict[str, Any]] = mapped_column(JSONType)
    ratio: Mapped[Decimal] = mapped_column(Numeric(8, 4, asdecimal=True))
    required_capacity: Mapped[Decimal] = mapped_column(CAPACITY)
    strictly_greater: Mapped[bool] = mapped_column(Boolean, default=False)
    #: warnings of the last check (unverified values, claims that did not apply …)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]
    submitted_by: Mapped[ByUser]
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[ByUser]
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: the regulator's reason (required for a rejection)
    decision_comment: Mapped[str | None] = mapped_column(Text)

    retired: Mapped[list[RetiredCapacity]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="RetiredCapacity.position")


class RetiredCapacity(Base):
    """One retired (or to-be-retired) unit of capacity counted by a plan."""

    __tablename__ = "capacity_retired_items"
    __table_args__ = (
        UniqueConstraint("claim_key"),
        UniqueConstraint("plan_id", "position"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        one_of("unit", ("t/a", "t/d")),
    )

    id: Mapped[IntPk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("capacity_plans.id", ondelete="CASCADE"), index=True)
    #: order in the plan, from 0
    position: Mapped[int] = mapped_column(Integer)
    #: the enterprise that owns (and retires) the capacity
    enterprise_id: Mapped[OrgId]
    #: the retired equipment's code (e.g. 1号高炉, the code in the provincial compliant-capacity list)
    facility_code: Mapped[str] = mapped_column(String(64))
    facility_name: Mapped[str | None] = mapped_column(String(200))
    process: Mapped[str] = mapped_column(String(32))
    capacity: Mapped[Decimal] = mapped_column(CAPACITY)
    unit: Mapped[str] = mapped_column(String(8))
    province: Mapped[str] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(64))
    retirement_date: Mapped[dt.date] = mapped_column(Date)
    #: where the retirement is documented (demolition acceptance, announcement number, link)
    evidence: Mapped[str] = mapped_column(Text)
    #: "<enterprise id>:<process>:<normalised facility code>" while claimed; null once released
    claim_key: Mapped[str | None] = mapped_column(String(200))

    plan: Mapped[ReplacementPlan] = relationship(back_populates="retired")
