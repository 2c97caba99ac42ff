"""Covered companies and monthly filings of the national carbon market (月度信息化存证).

``ets_coverage``: whether an enterprise is a covered company (重点排放单位) in a year, assessed from
its direct emissions against the threshold of dataset ``ets_coverage/mee-2025`` or set by a
regulator with a reason. ``ets_months``: one row per enterprise and month that has evidence or a
filing (the subject the evidence attachments hang on, and the month's amendment state).
``ets_filings``: the filed versions of a month, each a frozen record of the month's current data
versions (ids and hashes), its covered emissions and the evidence chosen (attachment ids and
hashes); an amendment is a new version with its reason, earlier versions are kept.
``ets_declarations``: a line's (facility's) special case of a compliance year's allocation rules
as the enterprise declared it (white clinker, carbide slag …), with its evidence reference.
``ets_figures``: the covered emissions by the guidelines (:func:`greenmfg.ets.account_ets`) of each
current facility-period of a covered-sector enterprise, stored where its data are stored (commit,
recalculation; :mod:`greenmfg.ets.figures`) and read by the filings and the allowances.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greenmfg.db.base import Base, JSONType, UTCDateTime
from greenmfg.db.columns import ByUser, FacilityId, IntPk, OrgId, Timestamp, UpdatedAt, one_of

__all__ = ["COVERAGE_BASES", "EtsCoverage", "EtsDeclaration", "EtsFigure", "EtsFiling", "EtsMonth"]

#: how a coverage row was decided: assessed from the stored emissions, or set by a regulator (with a reason)
COVERAGE_BASES = ("emissions", "regulator")


class EtsCoverage(Base):
    """Whether an enterprise is a covered company of the national carbon market in a year."""

    __tablename__ = "ets_coverage"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year"),
        one_of("basis", COVERAGE_BASES),
        CheckConstraint("basis <> 'regulator' OR reason IS NOT NULL", name="reason_given"),
    )

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    year: Mapped[int] = mapped_column(Integer)
    covered: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str] = mapped_column(String(16))
    #: the industry (vocabulary key) the enterprise is covered for, when it is one of the covered sectors
    sector: Mapped[str | None] = mapped_column(String(64))
    #: the direct emissions the assessment used [tCO2e] (sum of the year's covered months), if any
    direct_tco2e: Mapped[float | None] = mapped_column(Float)
    #: the threshold the assessment compared with [tCO2e/a] and its dataset row
    threshold_tco2e: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(String(120))
    #: a regulator's reason (required when it set the status)
    reason: Mapped[str | None] = mapped_column(Text)
    set_by: Mapped[ByUser]
    set_at: Mapped[UpdatedAt]


class EtsMonth(Base):
    """One month of one enterprise on the filing platform: its evidence and its amendment state."""

    __tablename__ = "ets_months"
    __table_args__ = (UniqueConstraint("enterprise_id", "period"),)

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    #: the month, ``YYYY-MM``
    period: Mapped[str] = mapped_column(String(7))
    #: an amendment is open: the filed month's data may change until the amendment is filed
    amending: Mapped[bool] = mapped_column(Boolean, default=False)
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    amendment_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    amendment_opened_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]

    filings: Mapped[list[EtsFiling]] = relationship(back_populates="month", order_by="EtsFiling.version",
                                                    cascade="all, delete-orphan")


class EtsFiling(Base):
    """Version n of a month's filing: the data, covered emissions and evidence as they were filed."""

    __tablename__ = "ets_filings"
    __table_args__ = (
        UniqueConstraint("month_id", "version"),
        CheckConstraint("version = 1 OR reason IS NOT NULL", name="amendment_reason"),
    )

    id: Mapped[IntPk]
    month_id: Mapped[int] = mapped_column(ForeignKey("ets_months.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[OrgId]
    period: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    #: the latest version of the month
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    #: why this version amends the one before (None for the first filing)
    reason: Mapped[str | None] = mapped_column(Text)
    #: the day the month's filing was due (China time), and the rule it came from (dataset:key)
    due_date: Mapped[dt.date] = mapped_column(Date)
    deadline_rule: Mapped[str] = mapped_column(String(120))
    filed_at: Mapped[Timestamp]
    filed_by: Mapped[ByUser]
    #: covered emissions of the month [tCO2e]: combustion + process + PFCs (purchased electricity and heat not included)
    covered_tco2e: Mapped[float] = mapped_column(Float)
    combustion_tco2e: Mapped[float] = mapped_column(Float)
    process_tco2e: Mapped[float] = mapped_column(Float)
    #: the anode-effect PFCs (CF4 + C2F6) of aluminium smelting [tCO2e]
    pfc_tco2e: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    #: information only, not in the covered total [tCO2e]
    purchased_electricity_tco2e: Mapped[float] = mapped_column(Float)
    purchased_heat_tco2e: Mapped[float] = mapped_column(Float)
    #: the frozen record: ``data_versions`` [{id, facility, version, import_id, rows, sha256}],
    #: ``facilities`` [per-facility covered emissions], ``evidence`` [{attachment_id, kind, filename, sha256, size_bytes}]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)

    month: Mapped[EtsMonth] = relationship(back_populates="filings")


class EtsFigure(Base):
    """Covered emissions by the guidelines of one facility-period (``YYYY-MM``, or ``YYYY`` for a
    facility that reports a whole year) of the current data, by source [tCO2, tCO2e].

    One row per current facility-period the ETS engine accounts (facilities of a covered sector);
    replaced (deleted and inserted) whenever its data version or the reference data change.
    """

    __tablename__ = "ets_figures"
    __table_args__ = (UniqueConstraint("facility_id", "period"),)

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    facility_id: Mapped[FacilityId]
    period: Mapped[str] = mapped_column(String(7))
    year: Mapped[int] = mapped_column(Integer)
    #: the data version accounted (current when the row was stored)
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id", ondelete="CASCADE"), index=True)
    #: the guideline's sector of the facility (``steel``, ``cement``, ``aluminium``)
    sector: Mapped[str] = mapped_column(String(16))
    combustion_tco2: Mapped[float] = mapped_column(Float)
    process_tco2: Mapped[float] = mapped_column(Float)
    cf4_t: Mapped[float] = mapped_column(Float)
    c2f6_t: Mapped[float] = mapped_column(Float)
    cf4_tco2e: Mapped[float] = mapped_column(Float)
    c2f6_tco2e: Mapped[float] = mapped_column(Float)
    #: combustion + process + CF4 + C2F6 [tCO2e]
    covered_tco2e: Mapped[float] = mapped_column(Float)
    #: information only, never in the covered total
    purchased_electricity_mwh: Mapped[float] = mapped_column(Float)
    purchased_electricity_tco2: Mapped[float] = mapped_column(Float)
    purchased_heat_tco2: Mapped[float] = mapped_column(Float)
    #: steel: the facility's process (coking, sintering, pelletising, ironmaking, steelmaking, rolling,
    #: power, other, mixed) and its process-level emissions by CETS-AG-03.01 formula (2) (main processes:
    #: its net fuel) or (3) (a co-firing power unit) [tCO2]; None for other sectors
    steel_process: Mapped[str | None] = mapped_column(String(16))
    process_level_tco2: Mapped[float | None] = mapped_column(Float)
    #: the ETS findings about this facility-period: located at it (or the facility as a whole), and the
    #: unverified values (``ets.value.unverified``) its covered figures use
    findings: Mapped[int] = mapped_column(Integer)
    #: a covered figure uses a reference value not verified against the guideline's text
    unverified: Mapped[bool] = mapped_column(Boolean)
    #: SHA-256 over the datasets and options of the ETS accounting (:func:`greenmfg.ets.figures.installed_fingerprint`)
    reference_fingerprint: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[Timestamp]


class EtsDeclaration(Base):
    """A line's (facility's) special case of the allocation rules of a compliance year, as the
    enterprise's manager declared it, with the evidence it rests on. A line without a row takes the
    sector's general rule."""

    __tablename__ = "ets_declarations"
    __table_args__ = (UniqueConstraint("facility_id", "year"),)

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    facility_id: Mapped[FacilityId]
    year: Mapped[int] = mapped_column(Integer)
    #: the case of the year's rules (``ets_allocation`` column ``case``: white_clinker, carbide_slag …)
    case: Mapped[str] = mapped_column(String(40))
    #: what proves the case: a document's number and date, an attachment, a lab report …
    evidence: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[ByUser]
    declared_at: Mapped[UpdatedAt]
