"""Refuse NUL characters in any text a request carries, in one place (an app-wide dependency).

PostgreSQL cannot store U+0000 in ``text`` columns (a query carrying one failed with a 500) and SQLite
stores it silently, so text with a NUL is never a valid name, code or note. :func:`refuse_nul` runs
before every route's own dependencies and checks the path, every query parameter, every form field
(``application/x-www-form-urlencoded`` and the text fields and file names of ``multipart/form-data``)
and every string of a JSON body; the first one found is a 422 in the one error envelope, naming where
it is (``query.q``, ``form.name``, ``body.items.0.name``) in English and Chinese. Nothing is changed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request

from greenmfg.findings import NUL, has_nul
from greenmfg.web.errors import ApiError

__all__ = ["nul_error", "refuse_nul"]

#: a JSON ``\u0000`` escape (an even number of backslashes before it would make it literal text)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_error(location: str) -> ApiError:
    """The 422 for a NUL character found at ``location`` (``query.q``, ``form.name``, ``body.note``)."""
    return ApiError(
        422, f"{location}: the text contains a NUL character (U+0000), which no field accepts; remove it and "
             "send the request again",
        f"{location}：文本含有 NUL 字符（U+0000），任何字段都不接受该字符；请删除后重新提交",
        code="nul_character", details=[{"location": location, "message": "contains a NUL character (U+0000)",
                                         "message_zh": "含有 NUL 字符（U+0000）", "type": "nul_character"}])


def _json_location(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if has_nul(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if has_nul(str(key)):
                return f"{path}.{key!r}"
            found = _json_location(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _json_location(item, f"{path}.{index}")
            if found:
                return found
    return None


async def refuse_nul(request: Request) -> None:
    """App-wide dependency: a 422 for the first NUL character in the request's text.

    Raises
    ------
    ApiError
        422 ``nul_character``, located at the path, query parameter, form field or JSON member.
    """
    if has_nul(request.url.path):
        raise nul_error("path")
    for key, value in request.query_params.multi_items():
        if has_nul(key) or has_nul(value):
            raise nul_error(f"query.{key.replace(NUL, '')}")
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(_FORM_TYPES):
        # parsed once: the route's own form parameters reuse it; a malformed or oversized body raises the
        # route's own 400/413 here (swallowing it would leave the route a consumed stream)
        form = await request.form()
        for key, field in form.multi_items():
            text = field if isinstance(field, str) else getattr(field, "filename", None) or ""
            if has_nul(key) or has_nul(text):
                raise nul_error(f"form.{key.replace(NUL, '')}")
    elif "json" in content_type:
        body = await request.body()     # cached: FastAPI has read it already
        if _JSON_NUL.search(body):
            try:
                location = _json_location(json.loads(body), "body")
            except ValueError:   # invalid JSON: the route's own parsing answers it (422)
                return
            if location:
                raise nul_error(location)
