"""Limits on uploaded Excel workbooks, checked before openpyxl opens them.

An .xlsx file is a zip archive of XML parts: a 2 MB upload can expand to hundreds of MB of XML that
openpyxl then parses for minutes. :func:`check_xlsx` reads only the archive's directory (the declared
uncompressed sizes; :mod:`zipfile` never yields more than a member declares) and then streams every
XML part through expat: a part that declares a DTD (``<!DOCTYPE``, the door to entity expansion), XML
that is malformed or truncated, or a damaged archive member is refused, located at the file, the part
(and sheet) and the line and column; worksheets have their rows counted on the way. So a workbook over
either limit, or one openpyxl would fail on half-way through its rows, is refused with a located error in
English and Chinese before any reader parses it. (openpyxl itself parses through defusedxml, installed
with greenmfg, as a second guard.)
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import IO
from xml.etree import ElementTree
from xml.parsers import expat

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


def check_local_xlsx(path: Path) -> None:
    """:func:`check_xlsx` for a workbook read from disk (the command line), with the limits of the
    environment (``GREENMFG_MAX_XLSX_UNCOMPRESSED_BYTES``, ``GREENMFG_MAX_XLSX_ROWS``): every xlsx
    reader is bounded, not only the uploads'."""
    from greenmfg.settings import Settings

    if not zipfile.is_zipfile(path):
        return   # not a workbook at all: the reader says so in its own words
    settings = Settings.from_env()
    check_xlsx(path, file=path.name, max_uncompressed_bytes=settings.max_xlsx_uncompressed_bytes,
               max_rows=settings.max_xlsx_rows)


def check_xlsx(content: bytes | Path, *, file: str, max_uncompressed_bytes: int, max_rows: int) -> None:
    """Refuse a workbook whose parts expand past ``max_uncompressed_bytes`` or a sheet over ``max_rows``.

    ``content``: the uploaded bytes, or the path of a file on disk.

    Raises
    ------
    ValidationFailed
        One located issue (file, and the sheet part for too many rows); nothing was read further.
    """
    try:
        archive = zipfile.ZipFile(content if isinstance(content, Path) else io.BytesIO(content))
    except (zipfile.BadZipFile, OSError):
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
        try:
            # every XML part first (a DTD or damaged XML is refused before anything reads it), worksheets last
            parts = [m for m in members if _is_xml(m.filename) and not _is_worksheet(m.filename)]
            for member in parts:
                with archive.open(member) as part:
                    _scan(part, file, member.filename, "", None)
            names = _sheet_names(archive)
            for member in members:
                if not _is_worksheet(member.filename):
                    continue
                sheet = names.get(member.filename) or member.filename.removeprefix("xl/worksheets/").removesuffix(".xml")
                with archive.open(member) as part:
                    rows = _scan(part, file, member.filename, sheet, max_rows)
                if rows > max_rows:
                    raise _refuse(
                        file, "too_many_rows",
                        f"a worksheet has more than {max_rows:,} rows (GREENMFG_MAX_XLSX_ROWS)",
                        f"工作表超过 {max_rows:,} 行上限（GREENMFG_MAX_XLSX_ROWS）",
                        "delete empty or unused rows, or split the data into several files",
                        "请删除空行或无用的行，或将数据拆分为多个文件", sheet=sheet, value=f">{max_rows}")
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as error:
            # a truncated or corrupt archive member (bad CRC, cut-off deflate stream), encryption, odd compression
            raise _refuse(file, "unreadable", f"the workbook is damaged and cannot be read ({type(error).__name__})",
                          f"工作簿已损坏，无法读取（{type(error).__name__}）",
                          "save it again from Excel as .xlsx, or upload a UTF-8 CSV",
                          "请在 Excel 中重新另存为 .xlsx，或上传 UTF-8 CSV") from None


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels", ".vml"))


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


class _DocumentType(Exception):
    """A part declares a DTD (``<!DOCTYPE``): entity expansion and external entities are refused."""


def _refuse_dtd(*_args: object) -> None:
    raise _DocumentType


def _scan(member: IO[bytes], file: str, part: str, sheet: str, stop_after: int | None) -> int:
    """Parse one XML part as it streams: refuse a DTD and malformed or truncated XML (located at the part,
    line and column); count the worksheet's rows (``stop_after`` given) and stop once it is passed."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    count, tail = 0, b""
    try:
        while chunk := member.read(_CHUNK):
            parser.Parse(chunk, False)
            if stop_after is not None:
                buffer = tail + chunk
                # a match ending inside the carried tail was counted with the previous chunk
                count += sum(1 for m in _ROW.finditer(buffer) if m.end() > len(tail))
                if count > stop_after:
                    return count
                tail = buffer[-_TAIL:]
        parser.Parse(b"", True)
    except _DocumentType:
        raise _refuse(file, "dtd", f"the part {part} of the workbook declares a DTD (<!DOCTYPE>), which Excel never "
                                   "writes and which can expand entities; the workbook is refused",
                      f"工作簿的部件 {part} 含有 DTD 声明（<!DOCTYPE>），Excel 从不写入此类内容且可能用于实体扩展；该工作簿被拒绝",
                      "save the data again from Excel as a new .xlsx workbook, or upload a UTF-8 CSV",
                      "请在 Excel 中将数据另存为新的 .xlsx 工作簿，或上传 UTF-8 CSV", sheet=sheet, value=part) from None
    except expat.ExpatError as error:
        where = f"line {error.lineno}, column {error.offset + 1}"
        raise _refuse(file, "damaged_xml",
                      f"the part {part} of the workbook is damaged or truncated (XML error at {where}: "
                      f"{expat.ErrorString(error.code)})",
                      f"工作簿的部件 {part} 已损坏或被截断（XML 错误位于第 {error.lineno} 行第 {error.offset + 1} 列）",
                      "save it again from Excel as .xlsx (an interrupted download or copy truncates it), "
                      "or upload a UTF-8 CSV",
                      "请在 Excel 中重新另存为 .xlsx（下载或复制中断会截断文件），或上传 UTF-8 CSV",
                      sheet=sheet, value=f"{part}: {where}") from None
    return count
