"""Attachments of green-list applications on SQLite and PostgreSQL (issue #15 item 6): PDF and images stored
with their SHA-256, sniffed by content (not the name), listed in the history, downloadable by those who see the
application and 404 for everyone else; a wrong type, an empty or oversized file is refused with nothing stored.
Also: a second draft of the same kind is refused with a link to the existing application.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import func, select

from greenmfg.attachments.models import Attachment
from greenmfg.attachments.service import sniff
from greenmfg.db.session import Database
from greenmfg.greenlist.models import GreenApplicationEvent
from greenmfg.settings import Settings
from tests.factories import Pages, World, page_text

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)


def _count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Attachment)) or 0


def _attach(session: Any, url: str, kind: str, name: str, content: bytes, content_type: str = "application/pdf") -> Any:
    return session.post(f"{url}/attachments", data={"kind": kind}, files={"file": (name, content, content_type)})


def test_sniffing_trusts_the_content_not_the_name() -> None:
    assert (sniff(PDF), sniff(PNG), sniff(JPEG)) == ("application/pdf", "image/png", "image/jpeg")
    assert sniff(b"PK\x03\x04 an xlsx or zip") is None and sniff(b"<html>%PDF-</html>") is None and sniff(b"") is None


def test_attachments_stored_hashed_listed_downloaded_and_private(pages: Pages, world: World, database: Database,
                                                                 settings: Settings) -> None:
    steel = pages("steel")
    steel.get("/green-list")
    created = steel.post("/green-list/applications", data={"organisation_id": str(world.org("steel")),
                                                           "kind": "factory", "list_year": "2026"})
    application_id = int(created.headers["location"].rsplit("/", 1)[1])
    url = f"/green-list/applications/{application_id}"
    page = steel.get(url)
    assert 'data-testid="form-attach"' in page.text and "申报书" in page_text(page)
    # a second factory application is refused with a link to the one that exists
    again = steel.post("/green-list/applications", data={"organisation_id": str(world.org("steel")),
                                                         "kind": "factory", "list_year": "2027"})
    assert again.status_code == 422
    assert f'href="{url}" data-testid="existing-application"' in again.text
    assert f"已有同类型的在办或已列入名单的申请：#{application_id}（草稿）" in page_text(again)
    # refused: an executable named .pdf, an empty file, an unknown kind; nothing stored
    fake = _attach(steel, url, "application_form", "申报书.pdf", b"MZ\x90\x00 not a pdf")
    assert fake.status_code == 422 and "不是 PDF、PNG 或 JPEG 文件" in page_text(fake)
    assert re.search(r'data-field-error="file"', fake.text)
    assert _attach(steel, url, "application_form", "empty.pdf", b"").status_code == 422
    assert _attach(steel, url, "contract", "x.pdf", PDF).status_code == 422
    # only the evaluator attaches its report
    assert _attach(steel, url, "evaluator_report", "report.pdf", PDF).status_code == 403
    # over the upload limit: 413, nothing stored
    big = b"%PDF-" + bytes(settings.max_upload_bytes)
    assert _attach(steel, url, "evidence", "big.pdf", big).status_code == 413
    assert _count(database) == 0
    # stored: a PDF and a PNG whose name claims JPEG (the content decides the type; the name gets the right extension)
    assert _attach(steel, url, "application_form", "申报书.pdf", PDF).status_code == 303
    assert _attach(steel, url, "evidence", "..\\证书扫描.jpg", PNG, "image/jpeg").status_code == 303
    with database.session() as s:
        rows = list(s.execute(select(Attachment).order_by(Attachment.id)).scalars())
        assert [(r.kind, r.filename, r.media_type, r.size_bytes, r.sha256) for r in rows] == [
            ("application_form", "申报书.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
            ("evidence", "证书扫描.jpg.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest())]
        ids = [r.id for r in rows]
        history = list(s.execute(select(GreenApplicationEvent.action, GreenApplicationEvent.comment).where(
            GreenApplicationEvent.application_id == application_id).order_by(GreenApplicationEvent.id)))
    assert [tuple(h) for h in history] == [("create", None), ("attach", "申报书.pdf"), ("attach", "证书扫描.jpg.png")]
    page = steel.get(url)
    text = page_text(page)
    assert "上传附件" in text and "证明材料" in text and hashlib.sha256(PDF).hexdigest()[:12] in text
    download = steel.get(f"{url}/attachments/{ids[0]}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "attachment;" in download.headers["content-disposition"]
    # outsiders (another enterprise, an evaluator not commissioned, a regulator: drafts are not theirs) get 404
    for username in ("cement", "evaluator", "hebei"):
        other = pages(username)
        assert other.get(f"{url}/attachments/{ids[0]}").status_code == 404
        other.get("/green-list")
        assert _attach(other, url, "evidence", "x.pdf", PDF).status_code == 404
    # an attachment asked for under another application is 404 too
    glass = pages("glass")
    glass.get("/green-list")
    glass_app = glass.post("/green-list/applications", data={"organisation_id": str(world.org("glass")),
                                                             "kind": "factory", "list_year": "2026"})
    glass_url = glass_app.headers["location"]
    assert glass.get(f"{glass_url}/attachments/{ids[0]}").status_code == 404
    assert steel.get(f"{glass_url}/attachments/{ids[0]}").status_code == 404
    assert _count(database) == 2
    # in English
    steel.language("en")
    english = page_text(steel.get(url))
    assert "Attachments" in english and "Application form" in english and "Attachment added" in english
