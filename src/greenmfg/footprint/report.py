"""The product carbon footprint report (产品碳足迹报告): PDF through the house report machinery.

One HTML template (``templates/footprint/report.html``, extending ``reports/base.html``) rendered in
one language (Chinese by default, English with ``locale="en"``; texts are English message ids
translated by ``footprint.po``), stamped in China time (:func:`greenmfg.reports.stamp`) and printed
by WeasyPrint (:func:`greenmfg.reports.html_to_pdf`).
"""

from __future__ import annotations

import functools

from jinja2 import Environment

from greenmfg.calc.footprint import STAGES
from greenmfg.exports import export_translator
from greenmfg.footprint.output import ALLOCATION_WORDS, GAS_WORDS, STAGE_WORDS
from greenmfg.footprint.service import FootprintRun
from greenmfg.i18n import N_
from greenmfg.reports import html_to_pdf, report_environment, stamp, word_functions

__all__ = ["render_html", "render_pdf"]


@functools.cache
def _environment() -> Environment:
    return report_environment("greenmfg.footprint")


def render_html(run: FootprintRun, *, locale: str = "zh-CN") -> str:
    """The report as one self-contained HTML document (what the PDF is made from)."""
    translator = export_translator(locale=locale)
    zh = locale.startswith("zh")
    words = word_functions(zh=zh)

    def status(value: str) -> str:
        if value == "supplier":
            return translator.gettext(N_("supplier's own factor"))
        return words["status_name"](value)

    return _environment().get_template("footprint/report.html").render(
        run=run, zh=zh, lang=translator.locale, _=translator.gettext, stages=STAGES, stage_words=STAGE_WORDS,
        gas_words=GAS_WORDS, allocation_words=ALLOCATION_WORDS, generated=stamp(run.run_at),
        provenance=run.provenance(), status_name=status, band=lambda value: run.band_name(value, zh=zh),
        num=lambda value, digits=2: "—" if value is None else translator.format_decimal(value, digits),
        pct=lambda value: "—" if value is None else translator.format_percent(value, 1))


def render_pdf(run: FootprintRun, *, locale: str = "zh-CN") -> bytes:
    return html_to_pdf(render_html(run, locale=locale))
