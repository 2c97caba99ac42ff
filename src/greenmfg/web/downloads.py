"""The one download answer: bytes made in memory (a workbook, a report, a template) or a stored
attachment (green-list applications, carbon-market evidence, CBAM files), under its file name in any script.

The name goes in ``Content-Disposition`` twice (RFC 6266): ``filename*=UTF-8''…`` percent-encoded (RFC 5987,
what every current browser reads: 碳排放报告.pdf stays Chinese) and a plain ``filename="…"`` for older
clients, in ASCII with anything else as ``_``. Neither can break the header: quotes, backslashes, CR, LF and
other control characters never reach it as they are. The content is never sniffed (``nosniff``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import quote

from fastapi import Response

from greenmfg.attachments.models import Attachment

__all__ = ["content_disposition", "content_response", "file_response"]

#: what the ASCII fallback name keeps (printable ASCII but for the quote and the backslash, which would end or
#: escape the quoted string, and % ; , = which some clients decode or split on); the rest becomes "_"
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9 !#$&'()*+\-.@\[\]^_`{}~]")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The ``Content-Disposition`` of a download named ``filename`` (``inline``: shown in the browser, e.g. a
    PDF; else saved): the ASCII fallback and the UTF-8 name."""
    name = "".join(c for c in unicodedata.normalize("NFC", filename) if unicodedata.category(c)[0] != "C").strip()
    name = name or "download"
    plain = _NOT_PLAIN.sub("_", name)
    return f"{'inline' if inline else 'attachment'}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def content_response(content: bytes, filename: str, media_type: str, *, inline: bool = False,
                     headers: Mapping[str, str] | None = None) -> Response:
    """``content`` as a download named ``filename`` (any script), of ``media_type``, never sniffed;
    ``headers``: more of them (``Content-Language``, ``ETag``)."""
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": content_disposition(filename, inline=inline), "X-Content-Type-Options": "nosniff",
        **(headers or {})})


def file_response(row: Attachment) -> Response:
    """The attachment's bytes as a download: its own media type, its file name, tagged with its SHA-256.
    Read the row inside the session that loaded it."""
    return content_response(row.content, row.filename, row.media_type, headers={"ETag": f'"{row.sha256}"'})
