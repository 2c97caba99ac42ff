"""Printable reports: one HTML → PDF path for every domain (evaluation, diagnosis, compliance).

A domain renders its report as HTML with its own Jinja2 template that extends
``reports/base.html`` (A4 page, CJK-capable fonts, header/footer with page numbers, tables that
repeat their header across pages), then calls :func:`html_to_pdf`. The same HTML is what the
browser shows, so the PDF and the page never disagree.

Fonts: WeasyPrint lays text out with Pango and finds fonts through fontconfig; Chinese needs
Noto Sans CJK from Debian's ``fonts-noto-cjk`` (installed by ``make system-deps``). Without it
Chinese comes out as boxes, so :func:`cjk_font_available` lets tests and the CLI say so.

Times: every report and workbook the platform makes is stamped in China time (Asia/Shanghai,
UTC+08:00), by :func:`report_time` and :func:`stamp` here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import subprocess
from collections.abc import Callable
from importlib.resources import files
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["CHINA_TIME", "REPORT_CSS", "cjk_font_available", "html_to_pdf", "report_environment", "report_time",
           "stamp", "word_functions"]

#: the time zone of every stamp in a report or workbook (China Standard Time, UTC+08:00, no DST)
CHINA_TIME = ZoneInfo("Asia/Shanghai")

#: the print stylesheet every report links or inlines (``{{ report_css }}`` in reports/base.html)
REPORT_CSS = files("greenmfg.reports").joinpath("templates/reports/report.css")


def report_time(moment: dt.datetime | None = None) -> dt.datetime:
    """``moment`` (now by default) in China time; a naive ``moment`` is taken as UTC, as stored."""
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA_TIME)


def stamp(moment: dt.datetime | None = None) -> str:
    """``moment`` (now by default) as a report shows it: ``2024-03-05 09:30 +08:00`` (China time)."""
    local = report_time(moment)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def word_functions(*, zh: bool) -> dict[str, Callable[[str], str]]:
    """The reference library's words for codes (:mod:`greenmfg.refdata.words`) in one language, for a
    report: as filters of a per-request environment or as functions in a report's context."""
    from greenmfg.refdata import words

    return {name: functools.partial(getattr(words, function), zh=zh) for name, function in (
        ("words", "in_words"), ("key_name", "key_name"), ("dataset_name", "dataset_name"),
        ("reference_name", "reference_name"), ("status_name", "status_name"), ("unit_name", "unit_name"),
        ("rating_name", "rating_name"))}


def report_environment(*packages: str) -> Environment:
    """A Jinja2 environment that finds ``reports/base.html`` and each package's ``templates/``.

    Parameters
    ----------
    packages
        Domain packages (``"greenmfg.greenfactory"``) whose ``templates/`` folder holds the
        report templates, searched in order after this package.
    """
    from jinja2 import ChoiceLoader

    loaders = [PackageLoader("greenmfg.reports", "templates")]
    loaders += [PackageLoader(package, "templates") for package in packages]
    environment = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]),
                              trim_blocks=True, lstrip_blocks=True)
    environment.globals["report_css"] = REPORT_CSS.read_text(encoding="utf-8")
    return environment


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """Render report HTML to PDF bytes with WeasyPrint.

    Parameters
    ----------
    html
        A complete HTML document (normally from a template extending ``reports/base.html``).
    base_url
        Where relative links (images) resolve; None when the report is self-contained.
    """
    import weasyprint  # imported here: loading Pango costs ~0.3 s and only reports need it

    document = weasyprint.HTML(string=html, base_url=base_url)
    pdf: bytes = document.write_pdf()
    return pdf


@functools.cache
def cjk_font_available() -> bool:
    """True when fontconfig knows a font covering Simplified Chinese (Noto Sans CJK SC)."""
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())
