"""Every user-visible string in src/greenmfg has a Chinese translation.

Strings are found the way translators' tools find them: Babel's Python extractor for ``_()``,
``gettext()``, ``ngettext()``, ``N_()`` … calls, and Jinja2's Babel extractor for ``_()`` and
``{% trans %}`` in any ``templates/`` folder. Translations are read from every
``i18n/locale/zh_CN/LC_MESSAGES/*.po`` file, so a domain's own catalog counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import greenmfg
from greenmfg.i18n import default_locale_dir, load_catalogs

PACKAGE = Path(greenmfg.__file__).resolve().parent
METHODS = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**/templates/**.txt", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"},
           "**/templates/**.txt": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w+)\}")

Message = str | tuple[str, ...]


def _extracted() -> dict[Message, list[str]]:
    found: dict[Message, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(PACKAGE, METHODS, OPTIONS):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def _catalogs(folder: str) -> Iterator[Catalog]:
    for path in sorted((default_locale_dir() / folder / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            yield read_po(handle, locale=folder)


def _translations(folder: str) -> dict[str, tuple[str, ...]]:
    merged: dict[str, tuple[str, ...]] = {}
    for catalog in _catalogs(folder):
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            merged[key] = tuple(strings)
    return merged


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_strings_are_found() -> None:
    """The extractors really see the layout (so the completeness test below can fail)."""
    found = _extracted()
    assert "Sign out" in found and "Dashboard" in found
    assert ("%(num)s row", "%(num)s rows") in found


def test_every_string_has_a_chinese_translation() -> None:
    zh = _translations("zh_CN")
    missing = []
    for message, where in _extracted().items():
        key = message if isinstance(message, str) else message[0]
        if not any(s.strip() for s in zh.get(key, ())):
            missing.append(f"{key!r} ({', '.join(where[:2])})")
    assert not missing, (
        "add these to a src/greenmfg/i18n/locale/zh_CN/LC_MESSAGES/*.po file:\n  " + "\n  ".join(missing)
    )


@pytest.mark.parametrize("folder", ["zh_CN", "en"])
def test_translations_keep_the_placeholders(folder: str) -> None:
    wrong = []
    for key, strings in _translations(folder).items():
        expected = _placeholders(key)
        for text in strings:
            # a plural form may leave out the count (e.g. "one row"), never add or rename a name
            if text and not (_placeholders(text) <= expected | {"num"} and expected - {"num"} <= _placeholders(text)):
                wrong.append(f"{key!r} → {text!r}")
    assert not wrong, "placeholders differ:\n  " + "\n  ".join(wrong)


def test_all_catalogs_load_without_conflicts() -> None:
    catalogs = load_catalogs()
    assert catalogs.translator("zh-CN").gettext("Dashboard") == "工作台"
