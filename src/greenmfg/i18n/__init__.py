"""Languages of the platform: locale negotiation, message catalogs and locale-aware formatting.

Below the web edge on purpose: domain labels, charts and PDF reports translate with a
:class:`Translator` without importing the web app (``docs/architecture.md``); pages get theirs
from :func:`greenmfg.web.templating.translator_for`.

greenmfg speaks Simplified Chinese first (``zh-CN``, the default) and English second (``en``).
Source code and templates carry English message ids; translations live in gettext ``.po`` files::

    src/greenmfg/i18n/locale/zh_CN/LC_MESSAGES/messages.po     layout and components
    src/greenmfg/i18n/locale/zh_CN/LC_MESSAGES/accounting.po   one file per domain, as it needs
    src/greenmfg/i18n/locale/en/LC_MESSAGES/messages.po

Every ``*.po`` file of a locale folder is read (with Babel) and merged, so a domain adds its own
file without touching anyone else's. Nothing is read at import time: the app factory calls
:func:`load_catalogs` once at start-up and keeps the returned :class:`Catalogs`; each request
gets a :class:`Translator` from it for the locale that :func:`negotiate` chose.

Python code marks strings with ``_()``/``gettext()``/``ngettext()`` calls on a translator, or with
:func:`N_` where a string is defined before a translator exists (module constants); the test
``tests/web/test_catalog_complete.py`` extracts all of them, and every template string, and
fails on any without a Chinese translation.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT_LOCALE",
    "DEFAULT_TIMEZONE",
    "SUPPORTED_LOCALES",
    "CatalogConflict",
    "Catalogs",
    "N_",
    "Translator",
    "load_catalogs",
    "negotiate",
]

#: Locales the pages are offered in, as BCP 47 tags (what ``<html lang>`` and URLs use).
SUPPORTED_LOCALES: tuple[str, ...] = ("zh-CN", "en")
#: The platform's users are Chinese enterprises and authorities: Chinese unless asked otherwise.
DEFAULT_LOCALE = "zh-CN"
#: Times are shown in China Standard Time unless a page says otherwise.
DEFAULT_TIMEZONE = "Asia/Shanghai"

# folder name under locale/ (gettext convention, underscore) for each supported tag
_FOLDER: Mapping[str, str] = MappingProxyType({"zh-CN": "zh_CN", "en": "en"})

Number = int | float | Decimal


def N_(message: str) -> str:  # the gettext name for "mark now, translate later"
    """Mark ``message`` for extraction without translating it (for module-level constants).

    The caller translates it later with ``translator.gettext(message)``.
    """
    return message


def _match(tag: str) -> str | None:
    """The supported locale a language tag stands for, or None.

    ``zh``, ``zh-CN``, ``zh_CN``, ``zh-Hans``, ``zh-Hans-CN`` … all mean Simplified Chinese here:
    it is the only Chinese the pages have, and a Chinese reader is better served by it than by
    English. Any ``en-*`` means English.
    """
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    if primary == "zh":
        return "zh-CN"
    if primary == "en":
        return "en"
    return None


def _parse_accept_language(header: str) -> list[tuple[float, int, str]]:
    """``Accept-Language`` ranges as (q, position, tag), unusable entries dropped (RFC 9110 §12.5.4)."""
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = -1.0  # malformed weight: ignore the range rather than guess
        if 0.0 < quality <= 1.0:
            ranges.append((quality, position, tag))
    return ranges


def negotiate(accept_language: str | None, chosen: str | None) -> str:
    """Choose the locale of a response.

    Parameters
    ----------
    accept_language
        The request's ``Accept-Language`` header, if any.
    chosen
        The locale the user picked explicitly (language switch, stored in a cookie or profile).

    Returns
    -------
    str
        One of :data:`SUPPORTED_LOCALES`: the user's explicit choice when it is supported, else
        the supported language with the highest q-value in ``Accept-Language`` (earlier ranges
        win ties; ``*`` accepts the default), else :data:`DEFAULT_LOCALE`.
    """
    if chosen:
        match = _match(chosen)
        if match is not None:
            return match
    if accept_language:
        for _quality, _position, tag in sorted(
            _parse_accept_language(accept_language), key=lambda r: (-r[0], r[1])
        ):
            if tag == "*":
                return DEFAULT_LOCALE
            match = _match(tag)
            if match is not None:
                return match
    return DEFAULT_LOCALE


class CatalogConflict(ValueError):
    """Two ``.po`` files of one locale translate the same message id differently."""


def _merge(locale: str, files: Sequence[Path]) -> tuple[Translations, dict[str, str]]:
    """Merge the ``.po`` files of one locale into one gettext catalog.

    Returns the compiled translations and, for each message id, the file that supplied it.
    Merged once per process for the same file names and contents (parsing and compiling the
    catalogs costs ≈ 0.4 s, paid by every app the factory builds: the tests build hundreds).
    """
    translations, origin = _merged(locale, tuple((path.name, path.read_bytes()) for path in files))
    return translations, dict(origin)


@functools.lru_cache(maxsize=8)
def _merged(locale: str, files: tuple[tuple[str, bytes], ...]) -> tuple[Translations, dict[str, str]]:
    merged = Catalog(locale=_FOLDER[locale], domain="messages")
    origin: dict[str, str] = {}
    for name, content in files:
        for message in read_po(io.BytesIO(content), locale=_FOLDER[locale], abort_invalid=True):
            if not message.id or message.fuzzy or not message.string:
                continue  # header, unreviewed or untranslated: gettext falls back to the id
            key = message.id if isinstance(message.id, str) else message.id[0]
            existing = merged.get(message.id, message.context)
            if existing is not None and existing.string != message.string:
                raise CatalogConflict(
                    f"{locale}: {key!r} is translated differently in {origin[key]} and {name}; "
                    "keep one translation (in the file of the domain that owns the message)"
                )
            merged.add(message.id, message.string, context=message.context)
            origin.setdefault(key, name)
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages"), origin


@functools.cache
def _babel_locale(folder: str) -> Locale:
    """The Babel locale of a folder name, parsed once (parsing scans every known locale: ~0.5 ms,
    paid by each number a page formats)."""
    return Locale.parse(folder)


@dataclass(frozen=True)
class Translator:
    """Translations and formats of one locale; what a request renders with.

    Numbers, percentages and dates follow CLDR conventions for the locale (via Babel): grouping
    and decimal marks, ``2024年3月5日`` against ``Mar 5, 2024``.
    """

    locale: str
    translations: NullTranslations = field(repr=False)
    timezone: str = DEFAULT_TIMEZONE

    @property
    def babel_locale(self) -> Locale:
        return _babel_locale(_FOLDER[self.locale])

    # -- messages ---------------------------------------------------------------------------

    def gettext(self, message: str, **variables: Any) -> str:
        """``message`` translated; ``%(name)s`` placeholders filled from ``variables``."""
        text = self.translations.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, n: int, **variables: Any) -> str:
        """The plural form for ``n`` translated; ``%(num)s`` is ``n`` unless given."""
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **variables}

    def pgettext(self, context: str, message: str, **variables: Any) -> str:
        """``message`` translated in ``context`` (for one English word with two Chinese ones)."""
        text = str(self.translations.pgettext(context, message))
        return text % variables if variables else text

    # -- numbers and dates ------------------------------------------------------------------

    def format_decimal(self, value: Number | None, digits: int | None = 2) -> str:
        """``value`` with grouping and exactly ``digits`` decimals (``None``: as many as needed, ≤ 3).

        ``None`` (a missing value) is shown as an em dash.
        """
        if value is None:
            return "—"
        if digits is None:
            return babel_numbers.format_decimal(value, locale=self.babel_locale)
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return babel_numbers.format_decimal(
            value, format=pattern, locale=self.babel_locale, decimal_quantization=True
        )

    def format_number(self, value: Number | None, digits: int | None = 0) -> str:
        """A count or a large quantity: grouping, ``digits`` decimals (none by default)."""
        return self.format_decimal(value, digits)

    def format_percent(self, value: Number | None, digits: int = 1) -> str:
        """A fraction as a percentage: ``0.1234`` → ``12.3%``."""
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
        return babel_numbers.format_percent(
            value, format=pattern, locale=self.babel_locale, decimal_quantization=True
        )

    def format_date(self, value: dt.date | None, format: str = "medium") -> str:
        """A calendar date; ``format`` is a CLDR width (short/medium/long/full) or pattern."""
        if value is None:
            return "—"
        return babel_dates.format_date(value, format=format, locale=self.babel_locale)

    def format_datetime(self, value: dt.datetime | None, format: str = "medium") -> str:
        """A point in time shown in :attr:`timezone` (naive values are taken as UTC)."""
        if value is None:
            return "—"
        return babel_dates.format_datetime(
            value, format=format, tzinfo=babel_dates.get_timezone(self.timezone),
            locale=self.babel_locale,
        )


@dataclass(frozen=True)
class Catalogs:
    """The merged catalogs of every supported locale, loaded once at start-up."""

    translations: Mapping[str, NullTranslations]
    #: for each locale, message id → the ``.po`` file that supplies its translation
    sources: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self.translations)

    def translator(self, locale: str, *, timezone: str = DEFAULT_TIMEZONE) -> Translator:
        """The :class:`Translator` for ``locale`` (one of :data:`SUPPORTED_LOCALES`)."""
        if locale not in self.translations:
            raise KeyError(f"unsupported locale {locale!r}; supported: {', '.join(self.locales)}")
        return Translator(locale, self.translations[locale], timezone)


def default_locale_dir() -> Path:
    """``src/greenmfg/i18n/locale``: where the platform's catalogs live."""
    return Path(__file__).resolve().parent / "locale"


def load_catalogs(
    locale_dir: Path | None = None, *, locales: Iterable[str] = SUPPORTED_LOCALES
) -> Catalogs:
    """Read and merge every ``<locale_dir>/<zh_CN|en>/LC_MESSAGES/*.po`` file.

    Parameters
    ----------
    locale_dir
        Folder holding one sub-folder per locale; the package's ``i18n/locale`` by default.
    locales
        Locales to load.

    Returns
    -------
    Catalogs
        A locale without any ``.po`` file gets empty translations (English message ids).

    Raises
    ------
    CatalogConflict
        Two files of one locale translate the same message differently.
    babel.messages.pofile.PoFileError
        A ``.po`` file is malformed.
    """
    root = locale_dir if locale_dir is not None else default_locale_dir()
    translations: dict[str, NullTranslations] = {}
    sources: dict[str, Mapping[str, str]] = {}
    for locale in locales:
        if locale not in _FOLDER:
            raise KeyError(f"unsupported locale {locale!r}; supported: {', '.join(SUPPORTED_LOCALES)}")
        files = sorted((root / _FOLDER[locale] / "LC_MESSAGES").glob("*.po"))
        translations[locale], sources[locale] = _merge(locale, files)
    return Catalogs(translations, sources)
