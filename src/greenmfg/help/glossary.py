"""The glossary: each term of the platform in Chinese and English, what it means here, and the
standard, regulation or method it comes from (linked from every form's in-page help).

The terms are data, not code: ``help/data/glossary-<edition>.csv`` (one row per term; a new edition is
a new file), each with its source in Chinese and English and the verification status of that
citation, the reference library's statuses (``refdata/README.md``): ``secondary`` when the reference
notes the platform was built from name the document and back the point (its own text not read),
``uncertain`` when they do not name it or mark it unverified, ``definitional`` for the platform's own
terms; ``checked_against`` says what the citation was checked against. The page says so beside every
term whose citation is not verified. The definitions paraphrase the cited documents in the platform's
own words; the documents are cited by number and title (facts), not quoted.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib.resources import files

__all__ = ["EDITION", "VERIFIED", "Term", "load_glossary"]

#: the edition of the glossary data file read
EDITION = "2026.1"
#: the statuses of a citation checked against its primary text (refdata/README.md)
VERIFIED = frozenset({"verified", "definitional", "crosschecked"})
_COLUMNS = ("key", "name_zh", "name_en", "text_zh", "text_en", "source_zh", "source_en", "verification_status",
            "checked_against")
_STATUSES = frozenset({"verified", "definitional", "crosschecked", "secondary", "uncertain", "recalled", "not_found"})


@dataclass(frozen=True, slots=True)
class Term:
    key: str
    name_zh: str
    name_en: str
    text_zh: str
    text_en: str
    #: the standard, regulation or method the term comes from, in Chinese and in English
    source_zh: str
    source_en: str
    #: how far the citation was checked (a status of the reference library)
    verification_status: str
    #: what it was checked against
    checked_against: str

    @property
    def verified(self) -> bool:
        """Whether the citation was checked against its primary text (or is the platform's own)."""
        return self.verification_status in VERIFIED


@functools.cache
def load_glossary(edition: str = EDITION) -> tuple[Term, ...]:
    """The terms of one edition of the glossary data file, in the file's order.

    Raises
    ------
    ValueError
        The file lacks a column, repeats a key, leaves a field empty or names an unknown status.
    """
    text = files("greenmfg.help").joinpath(f"data/glossary-{edition}.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(text.splitlines())
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise ValueError(f"glossary-{edition}.csv: the columns must be {', '.join(_COLUMNS)}")
    terms = []
    for number, row in enumerate(reader, start=2):
        if any(not (row.get(column) or "").strip() for column in _COLUMNS):
            raise ValueError(f"glossary-{edition}.csv line {number}: every field must be filled")
        if row["verification_status"] not in _STATUSES:
            raise ValueError(f"glossary-{edition}.csv line {number}: unknown status {row['verification_status']!r}")
        terms.append(Term(**{column: row[column].strip() for column in _COLUMNS}))
    if len({term.key for term in terms}) != len(terms):
        raise ValueError(f"glossary-{edition}.csv: a key is repeated")
    return tuple(terms)

