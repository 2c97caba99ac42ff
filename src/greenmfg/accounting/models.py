"""Stored activity data and accounting results.

An upload becomes an :class:`ImportBatch` (previewed, then committed all or nothing). Commit
stores its rows and creates a new :class:`DataVersion` for every facility-period it covers;
earlier versions stay readable. Each accounting of stored data is a :class:`CalculationRun`
(on commit, or a recalculation after new reference data) whose :class:`FacilityResult` rows
carry the figures, products, warnings and derivation lines; ``current`` marks the latest result
of the latest version of each facility-period.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from greenmfg.db.base import Base, JSONType, UTCDateTime
from greenmfg.db.columns import ByUser, FacilityId, IntPk, OrgId, RunId, Timestamp, one_of

__all__ = ["ActivityRecord", "CalculationRun", "DataVersion", "FacilityResult", "ImportBatch", "ImportStatus",
           "LineTemplate", "ResultProduct"]


class ImportStatus(StrEnum):
    #: validated without errors, waiting for commit
    previewed = "previewed"
    #: has errors; can never be committed
    invalid = "invalid"
    committed = "committed"
    #: discarded by the user before commit
    discarded = "discarded"


class ImportBatch(Base):
    __tablename__ = "import_batches"
    __table_args__ = (
        one_of("status", ImportStatus),
    )

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    status: Mapped[str] = mapped_column(String(16))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    issue_count: Mapped[int] = mapped_column(Integer, default=0)
    #: located issues (Issue.as_dict), capped; issue_count has the full number
    issues: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: facilities, periods, new facilities, previewed totals
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    committed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    committed_by: Mapped[ByUser]


class ActivityRecord(Base):
    """One committed activity row as it was in the file (template columns), with its location."""

    __tablename__ = "activity_records"

    id: Mapped[IntPk]
    import_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id", ondelete="CASCADE"), index=True)
    sheet: Mapped[str] = mapped_column(String(64))
    row: Mapped[int] = mapped_column(Integer)
    #: the template's columns as text, exactly as read (enterprise_id … oxidation_rate)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType)


class DataVersion(Base):
    """Version n of one facility's data for one period (re-importing creates n + 1)."""

    __tablename__ = "data_versions"
    __table_args__ = (UniqueConstraint("facility_id", "period", "version"),)

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    facility_id: Mapped[FacilityId]
    period: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[Timestamp]
    created_by: Mapped[ByUser]
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class CalculationRun(Base):
    """One accounting of stored data, with the provenance of the engine run."""

    __tablename__ = "calculation_runs"
    __table_args__ = (one_of("trigger", ("import", "recalculation")),)

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    trigger: Mapped[str] = mapped_column(String(16))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id", ondelete="SET NULL"))
    created_at: Mapped[Timestamp]
    created_by: Mapped[ByUser]
    #: the engine's provenance document (version, datasets with sha256, options, inputs)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: sha256 over the dataset ids and hashes used: equal fingerprints mean equal reference data
    reference_fingerprint: Mapped[str] = mapped_column(String(64))
    #: for recalculations: what changed per facility-period
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)


class FacilityResult(Base):
    """Accounting result of one facility-period in the JSON shape of the engine.

    ``counted`` marks the results regional sums count: current, and not a month of a facility-year
    that has a current annual result (the annual one supersedes the months). It is kept by the
    writers (:func:`greenmfg.accounting.store.refresh_counted`) for every facility-year they touch.

    The derivation lines are stored compactly (:mod:`greenmfg.accounting.lines`): per result a
    compressed list of (template, file, row, quantities, energy, CO2e), the rest of each line in a
    content-addressed :class:`LineTemplate` shared by all results. Results stored before that keep
    their JSON document in the ``lines`` column; :attr:`lines` reads either.
    """

    __tablename__ = "facility_results"
    __table_args__ = (
        Index("ix_facility_results_enterprise_current_period", "enterprise_id", "current", "period"),
        # regional sums: the counted results of a year, by enterprise, covering the summed figures
        # (a result row is wide: products, warnings, lines; the sums never read it)
        Index("ix_facility_results_counted_year", "counted", "year", "enterprise_id", "period", "energy_tce",
              "total_tco2e", "scope1_tco2e", "scope2_tco2e"),
        # keeping ``counted``: the results of one facility-year
        Index("ix_facility_results_facility_year", "facility_id", "year", "current"),
    )

    id: Mapped[IntPk]
    run_id: Mapped[RunId]
    data_version_id: Mapped[int] = mapped_column(ForeignKey("data_versions.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    facility_id: Mapped[FacilityId]
    period: Mapped[str] = mapped_column(String(7))
    year: Mapped[int] = mapped_column(Integer, index=True)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    counted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    energy_tce: Mapped[float] = mapped_column(Float)
    total_tco2e: Mapped[float] = mapped_column(Float)
    scope1_tco2e: Mapped[float] = mapped_column(Float)
    scope2_tco2e: Mapped[float] = mapped_column(Float)
    combustion_tco2e: Mapped[float] = mapped_column(Float)
    process_tco2e: Mapped[float] = mapped_column(Float)
    purchased_electricity_tco2e: Mapped[float] = mapped_column(Float)
    purchased_heat_tco2e: Mapped[float] = mapped_column(Float)
    exported_tco2e: Mapped[float] = mapped_column(Float)
    products: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    #: results stored before compact warnings: their warnings as one JSON list (else NULL)
    warnings_json: Mapped[list[dict[str, Any]] | None] = mapped_column("warnings", JSONType, nullable=True)
    #: the compact warnings (:meth:`greenmfg.accounting.lines.LinePacker.pack_warnings`)
    warnings_packed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: how many warnings (summed in SQL by the dashboards)
    warning_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: results stored before compact lines: the lines as one JSON document (else NULL)
    lines_json: Mapped[list[dict[str, Any]] | None] = deferred(mapped_column("lines", JSONType, nullable=True))
    #: the compact lines (:func:`greenmfg.accounting.lines.pack`)
    lines_packed: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))

    @property
    def lines(self) -> list[dict[str, Any]]:
        """The derivation lines in the engine's JSON shape (loaded on first access)."""
        from greenmfg.accounting.lines import result_lines

        return result_lines(self)

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """The result's warnings ``{code, ref, message, message_zh}`` (decoded on first access)."""
        from greenmfg.accounting.lines import result_warnings

        return result_warnings(self)


class ResultProduct(Base):
    """One product of a result (the JSON ``products`` of the result, as rows): regional product
    intensities are pooled over these in SQL instead of parsing every result's JSON."""

    __tablename__ = "facility_result_products"

    id: Mapped[IntPk]
    result_id: Mapped[int] = mapped_column(ForeignKey("facility_results.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(64))
    energy_intensity: Mapped[float | None] = mapped_column(Float)
    energy_intensity_unit: Mapped[str | None] = mapped_column(String(64))
    emission_intensity: Mapped[float | None] = mapped_column(Float)
    emission_intensity_unit: Mapped[str | None] = mapped_column(String(64))


class LineTemplate(Base):
    """What derivation lines share (item, unit, category, formula, parameters with their sources …),
    stored once, addressed by the digest of its JSON text."""

    __tablename__ = "line_templates"

    digest: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
