"""Stored energy baselines (M&V): one row per fitted model.

A baseline belongs to a meter (IPMVP Option B, retrofit isolation) or to a facility (Option C,
whole facility); at least one of ``meter_id`` / ``facility_id`` is set (the facility is always
filled from the meter, so access control follows meter → facility → enterprise). The model is
stored with its method and method version, the data window it was fitted on, its drivers,
coefficients, fit metrics and the data-sufficiency verdict; a fit on insufficient data is only
possible with an explicit override, kept in ``override_reason``.

Daily driver data (production, temperature) are given with each request for now (inline JSON or
CSV); no ``daily_drivers`` table yet — the readings store of ``monitoring.readings`` gives energy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from greenmfg.db.base import Base, JSONType
from greenmfg.db.columns import ByUser, IntPk, Timestamp, one_of

__all__ = ["EnergyBaseline", "SavingsReport"]


class EnergyBaseline(Base):
    """A fitted energy baseline (能耗基准模型) with its data window and validity metrics."""

    __tablename__ = "energy_baselines"
    __table_args__ = (
        CheckConstraint("meter_id IS NOT NULL OR facility_id IS NOT NULL", name="owner"),
        CheckConstraint("window_end >= window_start", name="window_in_order"),
        one_of("ipmvp_option", ("B", "C")),
    )

    id: Mapped[IntPk]
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"), index=True)
    #: caltrack_daily_change_point | iso50006_multivariate_ols
    method: Mapped[str] = mapped_column(String(64))
    method_version: Mapped[str] = mapped_column(String(128))
    ipmvp_option: Mapped[str] = mapped_column(String(1), default="B")
    #: the baseline period, inclusive [date]
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    #: driver names (temperature_c, production, hdd, cdd …)
    drivers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: model coefficients and balance points; enough to predict
    coefficients: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: r2, adj_r2, cv_rmse, nmbe, p_values, n, n_parameters, autocorrelation, validity checks
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: data-sufficiency verdict (calc.data_quality.Sufficiency) and data-quality findings
    sufficiency: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: energy unit of the meter series (kWh, GJ, tce …)
    energy_unit: Mapped[str | None] = mapped_column(String(32))
    #: where the daily data came from: inline | readings
    data_source: Mapped[str] = mapped_column(String(32), default="inline")
    #: set when fitted on insufficient data by explicit override
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]


class SavingsReport(Base):
    """Avoided energy use of one reporting period against a stored baseline (节能量报告).

    Kept so the meter dashboard can show baseline against actual and the cumulative savings
    without the driver data being sent again, and so anomaly alerts can point at the report that
    found them. ``days`` holds the per-day series; ``result`` the answer of the savings service
    (totals, uncertainty bands, normalised savings when asked).
    """

    __tablename__ = "savings_reports"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_in_order"),)

    id: Mapped[IntPk]
    baseline_id: Mapped[int] = mapped_column(ForeignKey("energy_baselines.id", ondelete="CASCADE"), index=True)
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"), index=True)
    #: the reporting period, inclusive [date]
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    #: {"dates": [...], "actual": [...], "adjusted": [...]} [energy unit of the baseline]
    days: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: inline | readings
    data_source: Mapped[str] = mapped_column(String(32), default="inline")
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]
