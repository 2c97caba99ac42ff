"""The energy manager downloads the year's energy and GHG report from the results page (issue #15 item 4).

A real Chromium against the real application and the demo region: the results page at 1440 and
390 px shows the two buttons; the PDF button downloads a PDF whose text is the report in the page's
language with the year's figures; the Excel button a workbook that opens. Screenshots of the page land
in var/screenshots/enterprise-report-*.png, and the PDF's pages (pdftoppm) beside them.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from .conftest import SCREENSHOTS, LiveServer, screenshot
from .live_server import sign_in


@pytest.mark.parametrize(("locale", "words"), [
    ("zh-CN", ("能源消费与温室气体排放报告", "综合能耗", "附录：总量的计算过程", "汇总")),
    ("en", ("Energy consumption and GHG emissions report", "Comprehensive energy consumption",
            "Appendix: derivation of the totals", "Summary")),
])
def test_report_buttons_on_the_results_page(page: Page, live_server: LiveServer, locale: str,
                                            words: tuple[str, str, str, str]) -> None:
    sign_in(page, live_server.url, "demo-steel", locale=locale)
    page.goto(f"{live_server.url}/results")
    pdf_button = page.get_by_test_id("report-pdf")
    expect(pdf_button).to_be_visible()
    screenshot(page, f"enterprise-report-results-{locale}-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(pdf_button).to_be_visible()
    box = pdf_button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # not pushed off a phone's screen
    screenshot(page, f"enterprise-report-results-{locale}-390")
    page.set_viewport_size({"width": 1440, "height": 900})

    with page.expect_download(timeout=180_000) as pdf_download:  # a loaded CI machine renders slowly
        pdf_button.click()
    pdf = pdf_download.value
    assert pdf.suggested_filename.endswith(f"-{locale}.pdf")
    path = SCREENSHOTS / f"enterprise-report-{locale}.pdf"
    pdf.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    with page.expect_download(timeout=180_000) as xlsx_download:
        page.get_by_test_id("report-xlsx").click()
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    assert book.sheetnames[0] == words[3]
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is missing: the PDF's text is not checked")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for word in words[:3]:
        assert word in text, word
    assert "+08:00" in text
    if shutil.which("pdftoppm") is not None:  # the pages as images, for a person to look at
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(path), str(SCREENSHOTS / f"enterprise-report-{locale}-page")],
                       check=True)
