"""The shared HTML → PDF path: a report with Chinese text becomes a PDF whose text is Chinese."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from greenmfg.reports import cjk_font_available, html_to_pdf, report_environment

TEMPLATE = """{% extends "reports/base.html" %}{% block title %}绿色工厂评价报告{% endblock %}
{% block body %}<h1>绿色工厂评价报告</h1><p class="subject">唐山示例钢铁有限公司</p>
<table><thead><tr><th>指标</th><th class="num">得分</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row[0] }}</td><td class="num">{{ row[1] }}</td></tr>{% endfor %}</tbody>
</table>{% endblock %}"""


def test_report_template_renders_and_escapes() -> None:
    environment = report_environment()
    html = environment.from_string(TEMPLATE).render(rows=[("能源投入", 12.5), ("<script>", 1)])
    assert "@page" in html  # the print stylesheet is inlined
    assert "&lt;script&gt;" in html and "<script>" not in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils, make system-deps) is missing")
def test_pdf_carries_the_chinese_text(tmp_path) -> None:
    if not cjk_font_available():
        pytest.skip("no CJK font: run `make system-deps` (fonts-noto-cjk)")
    html = report_environment().from_string(TEMPLATE).render(rows=[("能源投入", 12.5)] * 80)
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "绿色工厂评价报告" in text and "能源投入" in text
    assert text.count("\f") >= 2  # 80 rows run over more than one page
    info = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in info  # the glyphs come from Noto Sans CJK, not a fallback box font
