"""Attach files to records of other domains: sniffed, hashed, stored, listed, read back.

The service does not know who may see a subject: the domain that owns the subject checks the
caller's access to it first (a green-list application through
:func:`greenmfg.greenlist.service.get_application`) and only then calls :func:`add`, :func:`listing`
or :func:`get` with the subject's type and id. An attachment asked for under another subject is
:class:`~greenmfg.orgs.access.NotFound`, as if it did not exist.

Accepted content: PDF and images (PNG, JPEG), recognised by their first bytes (the file name and
the browser's content type are not trusted); the size limit is the upload limit, enforced while
the upload is read (:mod:`greenmfg.web.uploads`). Every problem refuses the file as a whole with
nothing stored.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from greenmfg.attachments.models import Attachment
from greenmfg.audit.service import record
from greenmfg.errors import Issue, ValidationFailed
from greenmfg.findings import Locator
from greenmfg.orgs.access import NotFound, Principal

__all__ = ["DOCUMENTS", "MEDIA_TYPES", "XLSX", "AttachmentView", "add", "get", "listing", "sniff", "sniff_any"]

#: media type → (file extension, magic bytes it starts with)
MEDIA_TYPES: Mapping[str, tuple[str, tuple[bytes, ...]]] = {
    "application/pdf": ("pdf", (b"%PDF-",)),
    "image/png": ("png", (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ("jpg", (b"\xff\xd8\xff",)),
}
#: an Excel workbook (.xlsx): a zip archive holding ``xl/workbook.xml``, accepted only where the subject's
#: domain asks for it (the carbon market's meter totals), never by :func:`sniff` alone
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: what :func:`add` accepts unless told otherwise: PDF and images
DOCUMENTS: tuple[str, ...] = tuple(MEDIA_TYPES)
_EXTENSIONS = {**{media: extension for media, (extension, _magic) in MEDIA_TYPES.items()}, XLSX: "xlsx"}
_INPUT = Locator(code_prefix="", value_limit=100)


@dataclass(frozen=True, slots=True)
class AttachmentView:
    """An attachment without its bytes (for listings)."""

    id: int
    kind: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_by: int | None
    uploaded_at: object


def sniff(content: bytes) -> str | None:
    """The media type the content is (PDF, PNG, JPEG) by its first bytes, or None."""
    for media_type, (_extension, magics) in MEDIA_TYPES.items():
        if any(content.startswith(magic) for magic in magics):
            return media_type
    return None


def _is_workbook(content: bytes) -> bool:
    """An .xlsx workbook: a readable zip archive whose directory lists ``xl/workbook.xml`` (only the
    directory is read, nothing is decompressed; the upload helper already checked its sizes)."""
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return "xl/workbook.xml" in names and "[Content_Types].xml" in names


def sniff_any(content: bytes, accept: tuple[str, ...]) -> str | None:
    """The media type of ``content`` among ``accept`` (PDF, PNG, JPEG by their first bytes; .xlsx by its
    zip directory), or None."""
    found = sniff(content)
    if found is None and XLSX in accept and _is_workbook(content):
        found = XLSX
    return found if found in accept else None


def _clean_name(filename: str, media_type: str) -> str:
    """A safe display name: no path, no control characters, the extension of the sniffed type."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip() or "attachment"
    extension = _EXTENSIONS[media_type]
    stem, dot, suffix = name.rpartition(".")
    if not dot or suffix.lower() not in (extension, "jpeg" if extension == "jpg" else extension):
        name = f"{name}.{extension}"
    return name[-200:]


def add(session: Session, principal: Principal, *, subject_type: str, subject_id: int, organisation_id: int,
        kind: str, kinds: Sequence[str], filename: str, content: bytes, field: str = "file",
        accept: tuple[str, ...] = DOCUMENTS) -> Attachment:
    """Store one file for a subject the caller was allowed to attach to (checked by the subject's domain).

    Raises
    ------
    ValidationFailed
        The kind is not one of ``kinds``, the file is empty, or its content is not PDF, PNG or JPEG
        (with ``accept`` holding :data:`XLSX`: or an .xlsx workbook), whatever its name says;
        nothing is stored.
    """
    issues: list[Issue] = []
    if kind not in kinds:
        issues.append(_INPUT.finding("attachments.unknown_kind", "kind", kind, f"must be one of {', '.join(kinds)}",
                                     "附件类别无效", "choose the kind of document", "请选择附件类别"))
    media_type = sniff_any(content, accept)
    workbooks = XLSX in accept
    if not content:
        issues.append(_INPUT.finding("attachments.empty", field, filename, "the file is empty", "文件为空",
                                     "choose the file again", "请重新选择文件"))
    elif media_type is None:
        issues.append(_INPUT.finding("attachments.unsupported_type", field, filename,
                                     ("is not a PDF, PNG, JPEG or Excel (.xlsx) file" if workbooks else
                                      "is not a PDF, PNG or JPEG file") + " (checked by its content, not its name)",
                                     ("不是 PDF、PNG、JPEG 或 Excel（.xlsx）文件" if workbooks else
                                      "不是 PDF、PNG 或 JPEG 文件") + "（按文件内容判断，而非文件名）",
                                     "save or scan the document as PDF, or as a PNG or JPEG image"
                                     + (", or save the table as .xlsx" if workbooks else ""),
                                     "请将文件另存或扫描为 PDF，或 PNG、JPEG 图片" + ("，表格请另存为 .xlsx" if workbooks else "")))
    if issues:
        raise ValidationFailed(issues, len(issues))
    assert media_type is not None
    digest = hashlib.sha256(content).hexdigest()
    row = Attachment(organisation_id=organisation_id, subject_type=subject_type, subject_id=subject_id, kind=kind,
                     filename=_clean_name(filename, media_type), media_type=media_type, size_bytes=len(content),
                     sha256=digest, content=content, uploaded_by=principal.user_id)
    session.add(row)
    session.flush()
    record(session, "attachments.add", actor=principal.username, actor_user_id=principal.user_id,
           organisation_id=organisation_id, target_type=subject_type, target_id=subject_id,
           details={"attachment_id": row.id, "kind": kind, "filename": row.filename, "media_type": media_type,
                    "size_bytes": len(content), "sha256": digest})
    return row


def listing(session: Session, *, subject_type: str, subject_id: int) -> list[AttachmentView]:
    """The subject's attachments, oldest first, without their bytes."""
    rows = session.execute(select(Attachment.id, Attachment.kind, Attachment.filename, Attachment.media_type,
                                  Attachment.size_bytes, Attachment.sha256, Attachment.uploaded_by,
                                  Attachment.uploaded_at)
                           .where(Attachment.subject_type == subject_type, Attachment.subject_id == subject_id)
                           .order_by(Attachment.id)).all()
    return [AttachmentView(*row) for row in rows]


def get(session: Session, *, subject_type: str, subject_id: int, attachment_id: int) -> Attachment:
    """One attachment of the subject, with its bytes.

    Raises
    ------
    NotFound
        No attachment of this subject has the id.
    """
    row = session.get(Attachment, attachment_id)
    if row is None or row.subject_type != subject_type or row.subject_id != subject_id:
        raise NotFound("attachment", attachment_id)
    return row
