"""Stored attachments: the file's bytes with their SHA-256, attached to one record of another domain."""

from __future__ import annotations

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from greenmfg.db.base import Base
from greenmfg.db.columns import ByUser, IntPk, OrgId, Timestamp

__all__ = ["Attachment"]


class Attachment(Base):
    """One file attached to a record (``subject_type`` + ``subject_id``) of an organisation.

    The bytes are kept in the database like an import's file (deferred: listing never loads them);
    ``sha256`` is the hash of exactly those bytes, ``media_type`` what the content was sniffed as
    (never the name or the browser's claim).
    """

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_subject", "subject_type", "subject_id"),)

    id: Mapped[IntPk]
    #: the organisation whose record it is (the applicant of a green-list application)
    organisation_id: Mapped[OrgId]
    #: what the subject is, e.g. ``green_list_application``
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    #: the attachment's role for its subject, e.g. ``application_form``, ``evidence``, ``evaluator_report``
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    #: up to 100 characters: the .xlsx type alone has 65 (widened by migration 0023_ets_filings)
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by: Mapped[ByUser]
    uploaded_at: Mapped[Timestamp]
