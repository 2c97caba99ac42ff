"""Limits on uploaded Excel workbooks, checked before openpyxl opens them.

An .xlsx file is a zip archive of XML parts: a 2 MB upload can expand to hundreds of MB of XML that
openpyxl then parses for minutes. :func:`check_xlsx` reads only the archive's directory (the declared
uncompressed sizes; :mod:`zipfile` never yields more than a member declares) and then streams the
worksheets to count their rows, so a workbook over either limit is refused with a located error in
English and Chinese before any reader parses it.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO
from xml.etree import ElementTree

from greenmfg.errors import Issue, ValidationFailed

__all__ = ["check_xlsx", "is_zip"]

_ROW = re.compile(rb"<(?:\w{1,16}:)?row[\s>/]")
_TAIL = 24   # longer than any match of _ROW
_CHUNK = 1024 * 1024


def is_zip(content: bytes) -> bool:
    """Whether ``content`` starts like a zip archive (.xlsx, .xlsm)."""
    return content[:4] == b"PK\x03\x04"


def _refuse(file: str, code: str, message: str, message_zh: str, fix: str, fix_zh: str, sheet: str = "",
            value: str = "") -> ValidationFailed:
    return ValidationFailed([Issue(code=f"upload.xlsx.{code}", message=message, message_zh=message_zh, fix=fix,
                                   fix_zh=fix_zh, file=file, sheet=sheet, value=value)], 1)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _count_rows(member: IO[bytes], stop_after: int) -> int:
    """Rows (``<row`` elements) of one worksheet part, streamed; stops once ``stop_after`` is passed."""
    count, tail = 0, b""
    while chunk := member.read(_CHUNK):
        buffer = tail + chunk
        # a match ending inside the carried tail was counted with the previous chunk
        count += sum(1 for m in _ROW.finditer(buffer) if m.end() > len(tail))
        if count > stop_after:
            return count
        tail = buffer[-_TAIL:]
    return count


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part (``xl/worksheets/sheet1.xml``) to the sheet's name as Excel shows it."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): (r.get("Target") or "").lstrip("/") for r in rels}
    names = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid, "")
            names[target if target.startswith("xl/") else f"xl/{target}"] = sheet.get("name", "")
    return names


def check_xlsx(content: bytes, *, file: str, max_uncompressed_bytes: int, max_rows: int) -> None:
    """Refuse a workbook whose parts expand past ``max_uncompressed_bytes`` or a sheet over ``max_rows``.

    Raises
    ------
    ValidationFailed
        One located issue (file, and the sheet part for too many rows); nothing was read further.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise _refuse(file, "unreadable", "the file is not a readable .xlsx workbook",
                      "文件不是可读取的 .xlsx 工作簿", "save it again from Excel as .xlsx, or upload a UTF-8 CSV",
                      "请在 Excel 中重新另存为 .xlsx，或上传 UTF-8 CSV") from None
    with archive:
        members = archive.infolist()
        expanded = sum(m.file_size for m in members)
        if expanded > max_uncompressed_bytes:
            raise _refuse(
                file, "too_large_uncompressed",
                f"the workbook expands to {_mb(expanded)} of data, over the limit of {_mb(max_uncompressed_bytes)} "
                "(GREENMFG_MAX_XLSX_UNCOMPRESSED_BYTES)",
                f"工作簿解压后为 {_mb(expanded)}，超过 {_mb(max_uncompressed_bytes)} 上限"
                "（GREENMFG_MAX_XLSX_UNCOMPRESSED_BYTES）",
                "remove unused sheets, formatting and empty rows, or split the data into several files",
                "请删除无用的工作表、格式和空行，或将数据拆分为多个文件", value=f"{expanded}")
        names = _sheet_names(archive)
        for member in members:
            name = member.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(member) as part:
                rows = _count_rows(part, max_rows)
            if rows > max_rows:
                sheet = names.get(name) or name.removeprefix("xl/worksheets/").removesuffix(".xml")
                raise _refuse(
                    file, "too_many_rows",
                    f"a worksheet has more than {max_rows:,} rows (GREENMFG_MAX_XLSX_ROWS)",
                    f"工作表超过 {max_rows:,} 行上限（GREENMFG_MAX_XLSX_ROWS）",
                    "delete empty or unused rows, or split the data into several files",
                    "请删除空行或无用的行，或将数据拆分为多个文件", sheet=sheet, value=f">{max_rows}")
