"""The exporter's CBAM data on the platform (issue #17 part 5): tables.

``cbam_products``: the goods an enterprise exports (CN code, name in words, the production process =
facility that makes them). ``cbam_customers``: its EU customers (importer, country, EORI, contact).
``cbam_calculations``: one CBAM run per period on the stored activity data and the goods and
precursor rows entered or uploaded, with the result document, the data versions used and the
reference fingerprint. ``cbam_communications``: communications sent to customers (the Commission's
template generated from a calculation, stored as an attachment with its SHA-256; draft/sent;
verified by whom, the verifier's report attached) and received from suppliers (their filled
template as an attachment, read into precursor records). ``cbam_footprints``: product carbon
footprints computed from the stored activity data and uploaded products/upstream files
(:mod:`greenmfg.footprint`), their reports stored as attachments. ``cbam_shares``: an enterprise shares
one calculation, communication or footprint with a regulator or an evaluator (verifier); revocable,
audited. Nobody outside the enterprise sees any of these unless shared (:func:`greenmfg.orgs.access.private_clause`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from greenmfg.db.base import Base, JSONType, UTCDateTime
from greenmfg.db.columns import ByUser, IntPk, OrgId, Timestamp, one_of

__all__ = ["DIRECTIONS", "SENT_STATUSES", "SHARE_SUBJECTS", "VERIFICATIONS", "CbamCalculation", "CbamCommunication",
           "CbamCustomer", "CbamFootprint", "CbamProduct", "CbamShare"]

#: a communication sent to an EU customer, or received from a supplier
DIRECTIONS = ("sent", "received")
#: a sent communication: draft (generated, not yet sent) or sent; a received one: received, used (by a calculation)
SENT_STATUSES = ("draft", "sent", "received", "used")
VERIFICATIONS = ("not_verified", "verified")
#: what may be shared
SHARE_SUBJECTS = ("calculation", "communication", "footprint")


class CbamProduct(Base):
    """A good the enterprise exports under CBAM: its CN code and the production process that makes it."""

    __tablename__ = "cbam_products"
    __table_args__ = (UniqueConstraint("enterprise_id", "cn_code", "facility_id"),)

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    #: the CN code, digits only (4, 6 or 8)
    cn_code: Mapped[str] = mapped_column(String(8))
    #: the good in the enterprise's words (热轧卷板)
    name: Mapped[str] = mapped_column(String(200))
    #: the production process (a facility of the activity data) that makes it
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]


class CbamCustomer(Base):
    """An EU customer (the importer / declarant) the enterprise sends its communications to."""

    __tablename__ = "cbam_customers"

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    name: Mapped[str] = mapped_column(String(200))
    #: ISO 3166 alpha-2 of an EU member state
    country: Mapped[str] = mapped_column(String(2))
    eori: Mapped[str | None] = mapped_column(String(17))
    contact: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]


class CbamCalculation(Base):
    """One CBAM run of an enterprise for a period (``YYYY`` or ``YYYY-MM``)."""

    __tablename__ = "cbam_calculations"

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    period: Mapped[str] = mapped_column(String(7))
    #: the goods and precursor rows read (file, row, the CLI's columns), and the files they came from
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: the data versions of the activity accounted: [{id, facility, period, version}]
    data_versions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    #: :meth:`greenmfg.cbam.models.CbamResult.to_document`
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    embedded_tco2e: Mapped[float] = mapped_column(Float)
    certificates: Mapped[float] = mapped_column(Float)
    cost_eur: Mapped[float | None] = mapped_column(Float)
    #: SHA-256 over the reference datasets (id + sha256) and options of the run
    reference_fingerprint: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]


class CbamCommunication(Base):
    """A communication of embedded emissions: sent to an EU customer, or received from a supplier."""

    __tablename__ = "cbam_communications"
    __table_args__ = (one_of("direction", DIRECTIONS), one_of("status", SENT_STATUSES),
                      one_of("verification", VERIFICATIONS))

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    direction: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16))
    #: sent: the calculation it was generated from and the customer
    calculation_id: Mapped[int | None] = mapped_column(ForeignKey("cbam_calculations.id", ondelete="SET NULL"),
                                                       index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("cbam_customers.id", ondelete="SET NULL"), index=True)
    #: received: the supplier (as named by the enterprise) and the precursor records read from its template
    supplier: Mapped[str | None] = mapped_column(String(200))
    records: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    #: the template (attachment of subject ``cbam_communication``, kind ``template``) and its SHA-256
    attachment_id: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    verification: Mapped[str] = mapped_column(String(16), default="not_verified")
    #: the verifier (body and person) and the attachment of its report (kind ``verifier_report``)
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verifier_report_id: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]


class CbamFootprint(Base):
    """Product carbon footprints of an enterprise (cradle to gate) for a year or period."""

    __tablename__ = "cbam_footprints"

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    period: Mapped[str] = mapped_column(String(7))
    #: allocation, electricity factor choice (:class:`greenmfg.footprint.FootprintOptions`)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: the products and upstream files (name, sha256) and the data versions accounted
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: :func:`greenmfg.footprint.output.result_document`
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    products: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[ByUser]
    created_at: Mapped[Timestamp]


class CbamShare(Base):
    """The enterprise shares one calculation, communication or footprint with a regulator or evaluator."""

    __tablename__ = "cbam_shares"
    __table_args__ = (one_of("subject_type", SHARE_SUBJECTS),)

    id: Mapped[IntPk]
    enterprise_id: Mapped[OrgId]
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    #: the regulator or evaluator organisation shared with
    grantee_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    granted_by: Mapped[ByUser]
    granted_at: Mapped[Timestamp]
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[ByUser]
