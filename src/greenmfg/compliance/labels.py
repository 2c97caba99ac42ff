"""Words for a benchmark class and a quota grade, for every place that shows them to a person.

The English message ids are marked with :func:`~greenmfg.i18n.N_` and translated through the
platform's catalogs (``i18n/locale/*/LC_MESSAGES/compliance.po``): the pages and reports
(``compliance.pages.CLASS_STYLE``, the ``grade`` macro of ``templates/compliance/_parts.html``,
whose message ids are these) and the ``greenmfg benchmark`` table of the CLI read them here, so
a class reads the same everywhere and no code (``below_baseline``, ``fails``) is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from greenmfg.i18n import N_

__all__ = ["CLASS_LABELS", "class_label", "grade_label"]

#: class code → English message id (translated by the caller's translator)
CLASS_LABELS: Mapping[str, str] = MappingProxyType({
    "benchmark": N_("Benchmark level"),
    "between": N_("Between levels"),
    "below_baseline": N_("Below baseline"),
    "not_classified": N_("Not classified"),
    "no_indicator": N_("No indicator"),
})
_FAILS = N_("Fails the quota")
_GRADE = N_("Grade %(grade)s")

Gettext = Callable[..., str]


def class_label(cls: str | None, gettext: Gettext) -> str:
    """A class in words (None: not classified), translated by ``gettext`` (a ``Translator.gettext``)."""
    return gettext(CLASS_LABELS.get(cls or "not_classified", CLASS_LABELS["not_classified"]))


def grade_label(grade: int | str | None, gettext: Gettext) -> str:
    """A quota grade in words: "—" when not graded, "fails the quota", or "grade N"."""
    if grade is None:
        return "—"
    if grade == "fails":
        return gettext(_FAILS)
    return gettext(_GRADE, grade=grade)
