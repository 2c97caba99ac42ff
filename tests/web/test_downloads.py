"""The one download answer (greenmfg.web.downloads): a file name in any script reaches the browser, and no
name (quotes, CR/LF) can break the Content-Disposition header or add another one."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from greenmfg.attachments.models import Attachment
from greenmfg.web.downloads import content_disposition, content_response, file_response

#: the whole header: the disposition, the ASCII fallback as one quoted string, the percent-encoded UTF-8 name
SHAPE = re.compile(r"(attachment|inline); filename=\"([ -!#-\[\]-~]*)\"; filename\*=UTF-8''([A-Za-z0-9%\-._~]+)")


def _name(header: str) -> str:
    """The file name a browser reads from the header (RFC 6266: ``filename*`` before ``filename``)."""
    shape = SHAPE.fullmatch(header)
    assert shape is not None, header
    return unquote(shape.group(3), encoding="utf-8", errors="strict")


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/download")
    def download(name: str, inline: bool = False) -> object:
        return content_response(b"%PDF-1.7 test", name, "application/pdf", inline=inline,
                                headers={"Content-Language": "zh-CN"})

    return app


def test_a_chinese_name_is_encoded_with_an_ascii_fallback() -> None:
    header = content_disposition("碳排放报告-2024.pdf")
    shape = SHAPE.fullmatch(header)
    assert shape is not None, header
    assert shape.group(1) == "attachment" and shape.group(2) == "_____-2024.pdf"
    assert shape.group(3) == "%E7%A2%B3%E6%8E%92%E6%94%BE%E6%8A%A5%E5%91%8A-2024.pdf"
    assert _name(header) == "碳排放报告-2024.pdf"
    assert content_disposition("benchmark-E-STEEL.xlsx") == (
        "attachment; filename=\"benchmark-E-STEEL.xlsx\"; filename*=UTF-8''benchmark-E-STEEL.xlsx")
    assert content_disposition("d.pdf", inline=True).startswith('inline; filename="d.pdf"')


@pytest.mark.parametrize("name", ['report"; filename="evil.exe', "a\r\nSet-Cookie: session=stolen.pdf",
                                  "back\\slash\"quote.xlsx", "100%;,\x00\x1b.csv", "\r\n", ""])
def test_no_name_breaks_the_header(name: str) -> None:
    header = content_disposition(name)
    assert SHAPE.fullmatch(header), header  # one fallback quoted string, one encoded name, nothing more
    assert "\r" not in header and "\n" not in header and header.count("filename=") == 1
    kept = "".join(c for c in name if c.isprintable()).strip()
    assert _name(header) == (kept or "download")  # the name as given, less its control characters


def test_through_the_app_the_header_is_one_and_the_name_survives() -> None:
    client = TestClient(_app())
    answer = client.get("/download", params={"name": "能效对标 \"2024\".pdf"})
    assert answer.status_code == 200 and answer.content == b"%PDF-1.7 test"
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["content-language"] == "zh-CN"
    assert _name(answer.headers["content-disposition"]) == "能效对标 \"2024\".pdf"
    injected = client.get("/download", params={"name": "x\r\nSet-Cookie: session=stolen\r\n.pdf", "inline": True})
    assert injected.status_code == 200 and "set-cookie" not in injected.headers
    assert answer.headers.get_list("content-disposition") == [answer.headers["content-disposition"]]
    assert SHAPE.fullmatch(injected.headers["content-disposition"]).group(1) == "inline"  # type: ignore[union-attr]


def test_a_stored_attachment_keeps_its_name_type_and_hash() -> None:
    row = Attachment(content=b"PK\x03\x04", filename="发票 3月.xlsx", sha256="ab" * 32,
                     media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    answer = file_response(row)
    assert answer.body == b"PK\x03\x04" and answer.media_type == row.media_type
    assert answer.headers["etag"] == f'"{"ab" * 32}"' and answer.headers["x-content-type-options"] == "nosniff"
    assert _name(answer.headers["content-disposition"]) == "发票 3月.xlsx"
    assert SHAPE.fullmatch(answer.headers["content-disposition"]).group(2) == "__ 3_.xlsx"  # type: ignore[union-attr]
