"""An enterprise's targets of a year (one row per metric and, for intensities, product)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from greenmfg.db.base import Base
from greenmfg.db.columns import ByUser, IntPk, OrgId, UpdatedAt, one_of

__all__ = ["METRIC_KEYS", "EnterpriseTarget"]

#: what a target may be set on (greenmfg.targets.service.METRICS says each one's unit and meaning)
METRIC_KEYS = ("energy_tce", "emissions_tco2e", "energy_intensity", "emission_intensity", "energy_per_output",
               "emissions_per_output")


class EnterpriseTarget(Base):
    """A ceiling an enterprise set itself for a year: a total, an intensity of a product, or per output value.

    ``product`` is the vocabulary key of the product for the intensities, '' for the others (so the
    unique constraint holds on every backend, where NULLs would never collide).
    """

    __tablename__ = "enterprise_targets"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "metric", "product"),
        one_of("metric", METRIC_KEYS),
        CheckConstraint("value > 0", name="positive"),
    )

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    year: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(64), default="")
    #: in the metric's unit (tce, tCO2e, kgce/<product unit>, tCO2e/<product unit>, tce/万元, tCO2e/万元)
    value: Mapped[float] = mapped_column(Float)
    #: where the target comes from (the enterprise's plan, a responsibility agreement …)
    note: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[ByUser]
    set_at: Mapped[UpdatedAt]
