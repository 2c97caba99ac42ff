"""Stored green-manufacturing evaluations (self-evaluations of factories, parks, supply chains)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from greenmfg.db.base import Base, JSONType
from greenmfg.db.columns import ByUser, IntPk, OrgId, Timestamp, one_of

__all__ = ["EvaluationStatus", "GreenEvaluation"]


class EvaluationStatus(StrEnum):
    draft = "draft"
    final = "final"


class GreenEvaluation(Base):
    """One evaluation: its input document and the scored result (re-scored on every update)."""

    __tablename__ = "green_evaluations"
    __table_args__ = (
        one_of("status", EvaluationStatus),
        one_of("subject", ("factory", "park", "supply_chain")),
    )

    id: Mapped[IntPk]
    #: the enterprise evaluated (or the park's organisation for park evaluations)
    organisation_id: Mapped[OrgId]
    subject: Mapped[str] = mapped_column(String(16))
    #: framework id (gbt36132-2025, gbt36132-2018, park-2024, supply-chain-2024)
    framework: Mapped[str] = mapped_column(String(32))
    #: the framework dataset's edition
    edition: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), index=True, default=EvaluationStatus.draft)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    total_score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
