"""Green-manufacturing list applications, their history and re-checks; output values for the targets.

``evaluation_id`` is the green-factory evaluation the self-evaluation came from (table
``green_evaluations`` of :mod:`greenmfg.greenfactory`); it has no foreign key yet because that
table is built on another branch: the lead links it at merge.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greenmfg.db.base import Base, JSONType
from greenmfg.db.columns import ByUser, IntPk, OrgId, Timestamp, one_of

__all__ = ["ApplicationStatus", "EnterpriseOutput", "GreenApplication", "GreenApplicationEvent", "GreenRecheck",
           "ListKind", "RegionOutput"]

#: output values [万元]: up to 10^14 with two decimals, exact on both backends
OUTPUT = Numeric(18, 2, asdecimal=True)


class ListKind(StrEnum):
    factory = "factory"
    park = "park"
    supply_chain = "supply_chain"


class ApplicationStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    evaluator_assigned = "evaluator_assigned"
    evaluated = "evaluated"
    #: filed with the regulators, awaiting the city bureau's pre-review (市级初审)
    regulator_review = "regulator_review"
    #: pre-reviewed by the city bureau, awaiting the province's recommendation (省级推荐)
    pre_reviewed = "pre_reviewed"
    recommended = "recommended"
    published = "published"
    returned = "returned"
    rejected = "rejected"
    withdrawn = "withdrawn"
    removed = "removed"


_STATUSES = ", ".join(f"'{s.value}'" for s in ApplicationStatus)


class GreenApplication(Base):
    """One application of an enterprise (or a park's management body) for the green-manufacturing list."""

    __tablename__ = "green_list_applications"
    __table_args__ = (
        one_of("kind", ListKind),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        CheckConstraint("kind <> 'park' OR park_id IS NOT NULL", name="park_given"),
    )

    id: Mapped[IntPk]
    #: the applicant: an enterprise, or for a green park the park's management body
    organisation_id: Mapped[OrgId]
    kind: Mapped[str] = mapped_column(String(16), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"))
    #: the list year (batch) applied for; the evaluator cap counts per list year
    list_year: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(24), index=True, default=ApplicationStatus.draft)
    #: id in ``green_evaluations`` (greenmfg.greenfactory); no foreign key until that table is merged
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("green_evaluations.id", ondelete="SET NULL"),
                                                      index=True)
    #: snapshot of the self-evaluation submitted: framework, kind, total_score, passed, veto_failures, evaluated_at
    self_evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    #: the evaluator's report: recommendation, general comment, comments per indicator
    review: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: the last decision's reason (return, rejection, removal)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    published_year: Mapped[int | None] = mapped_column(Integer)
    removed_year: Mapped[int | None] = mapped_column(Integer)
    #: key of the removal criterion (``removal.*`` of green_manufacturing/rules-2024)
    removal_criterion: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]

    events: Mapped[list[GreenApplicationEvent]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="GreenApplicationEvent.id")
    rechecks: Mapped[list[GreenRecheck]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="GreenRecheck.year")


class GreenApplicationEvent(Base):
    """One transition of an application: who, when, from, to, comment."""

    __tablename__ = "green_list_events"

    id: Mapped[IntPk]
    application_id: Mapped[int] = mapped_column(ForeignKey("green_list_applications.id", ondelete="CASCADE"),
                                                index=True)
    at: Mapped[Timestamp]
    actor_user_id: Mapped[ByUser]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    application: Mapped[GreenApplication] = relationship(back_populates="events")


class GreenRecheck(Base):
    """The annual dynamic-management re-check of a listed unit: retained or removed (with the criterion)."""

    __tablename__ = "green_list_rechecks"
    __table_args__ = (
        UniqueConstraint("application_id", "year"),
        one_of("outcome", ("retained", "removed")),
    )

    id: Mapped[IntPk]
    application_id: Mapped[int] = mapped_column(ForeignKey("green_list_applications.id", ondelete="CASCADE"),
                                                index=True)
    year: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    criterion: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[ByUser]
    checked_at: Mapped[Timestamp]

    application: Mapped[GreenApplication] = relationship(back_populates="rechecks")


class EnterpriseOutput(Base):
    """An enterprise's annual output value (产值) [万元]."""

    __tablename__ = "enterprise_output_values"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year"),
        CheckConstraint("output_value >= 0", name="non_negative"),
    )

    id: Mapped[IntPk]
    organisation_id: Mapped[OrgId]
    year: Mapped[int] = mapped_column(Integer)
    output_value: Mapped[Decimal] = mapped_column(OUTPUT)
    source_note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[ByUser]
    entered_at: Mapped[Timestamp]


class RegionOutput(Base):
    """A jurisdiction's manufacturing output value in a year [万元] (``city`` '' = the whole province)."""

    __tablename__ = "region_output_values"
    __table_args__ = (
        UniqueConstraint("province", "city", "year"),
        CheckConstraint("output_value > 0", name="positive"),
    )

    id: Mapped[IntPk]
    province: Mapped[str] = mapped_column(String(6))
    city: Mapped[str] = mapped_column(String(64), default="")
    year: Mapped[int] = mapped_column(Integer)
    output_value: Mapped[Decimal] = mapped_column(OUTPUT)
    #: where the figure comes from (statistical yearbook, bulletin …); required
    source_note: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[ByUser]
    entered_at: Mapped[Timestamp]
