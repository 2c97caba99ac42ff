"""The one download answer for a stored attachment (green-list applications, carbon-market evidence)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

from greenmfg.attachments.models import Attachment


def file_response(row: Attachment) -> Response:
    """The attachment's bytes as a download: its own media type, its file name (RFC 5987, any script),
    never sniffed, tagged with its SHA-256. Read the row inside the session that loaded it."""
    return Response(row.content, media_type=row.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
        "X-Content-Type-Options": "nosniff", "ETag": f'"{row.sha256}"'})
