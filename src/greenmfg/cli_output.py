"""How the command line prints a result: the language chosen, a console wide enough and the words.

Every printer of :mod:`greenmfg.cli` (``greenmfg account``, ``ets``, ``cbam``, ``footprint``, ``benchmark``,
``pathways …``, ``greenfactory evaluate``) prints through one :class:`Printout`: Chinese, English or both
(``--lang``), each pair of words in the chosen languages, a class or grade by the pages' words, numbers with
thousands separators and a dash for none, warnings in one style. Output piped to a file or another program
(not a terminal) gets a console wide enough for the table instead of 80 squeezed columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from rich.console import Console
from rich.markup import escape

__all__ = ["Lang", "Printout", "number"]


class Lang(StrEnum):
    """The language of the messages (``--lang``): Chinese, English or both (Chinese first)."""

    zh = "zh"
    en = "en"
    both = "both"


def number(value: float | None, digits: int = 2) -> str:
    """``value`` with thousands separators and ``digits`` decimals; ``—`` for none."""
    return "—" if value is None else f"{value:,.{digits}f}"


T = TypeVar("T")

#: a class or grade in words: a ``compliance.labels`` function of the value and a ``gettext``
Label = Callable[[Any, Callable[..., str]], str]


@dataclass(frozen=True)
class Printout:
    """One printer's console and language.

    ``joiner`` goes between the Chinese and the English of a pair of words when both are shown
    (a line break in table cells, `` / `` in running text)."""

    console: Console
    lang: Lang
    joiner: str = "\n"
    _gettext: dict[str, Callable[..., str]] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def of(cls, console: Console, lang: Lang, *, width: int | None = 120, joiner: str = "\n") -> Printout:
        """The printout on ``console``; piped output (not a terminal) narrower than ``width`` gets a console
        ``width`` wide, so that the columns are not squeezed (None: the console as it is)."""
        if width is not None and not console.is_terminal and console.width < width:
            console = Console(width=width, soft_wrap=False)
        return cls(console, lang, joiner)

    @property
    def zh(self) -> bool:
        """Whether Chinese is shown."""
        return self.lang in (Lang.zh, Lang.both)

    @property
    def en(self) -> bool:
        """Whether English is shown."""
        return self.lang in (Lang.en, Lang.both)

    def words(self, chinese: str, english: str) -> str:
        """The words in the chosen languages: both joined by :attr:`joiner`, Chinese first."""
        return self.joiner.join(w for w, shown in ((chinese, self.zh), (english, self.en)) if shown)

    def one(self, chinese: T, english: T) -> T:
        """The words (or anything said in each language) in one language: English when only English is
        chosen, else Chinese."""
        return english if self.lang is Lang.en else chinese

    def label(self, label: Label, value: Any) -> str:
        """A class or grade in words (a ``compliance.labels`` function, the pages' words) in the chosen
        language; both: Chinese above English, once when they are the same."""
        if not self._gettext:
            from greenmfg.i18n import load_catalogs

            catalogs = load_catalogs()
            self._gettext.update(zh=catalogs.translator("zh-CN").gettext, en=catalogs.translator("en").gettext)
        if self.lang is not Lang.both:
            return label(value, self._gettext[self.lang.value])
        chinese, english = label(value, self._gettext["zh"]), label(value, self._gettext["en"])
        return chinese if chinese == english else f"{chinese}\n{english}"

    def print(self, *objects: Any, **options: Any) -> None:
        self.console.print(*objects, **options)

    def warn(self, text: str) -> None:
        """A warning line: ``! text`` in yellow (``text`` is escaped, not read as markup)."""
        self.console.print(f"[yellow]! {escape(text)}[/]")
