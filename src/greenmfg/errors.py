"""The one error hierarchy of greenmfg.

Every error a user can cause says where (file, sheet, row, column or dataset), what was wrong and how
to fix it, in English and Chinese. Edges (CLI, API) render these; nothing below them prints.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field

__all__ = [
    "DatasetError",
    "Finding",
    "GreenmfgError",
    "InputError",
    "Issue",
    "SEVERITIES",
    "UnitError",
    "ValidationFailed",
]


class GreenmfgError(Exception):
    """Base of every error greenmfg raises on purpose."""


class UnitError(GreenmfgError, ValueError):
    """A unit is unknown or does not fit the quantity it is given for."""


class DatasetError(GreenmfgError):
    """A reference dataset is missing, altered (sha256 mismatch) or malformed."""


class InputError(GreenmfgError):
    """An input file cannot be read at all (missing, wrong type, unreadable)."""


#: how much a finding matters: ``error`` stops a computation, ``warning`` qualifies a result, ``info`` explains it
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """One located finding, in English and Chinese: the one shape of every input issue, warning and reason.

    ``code`` is a dotted name such as ``accounting.input.unknown_item``; ``message`` and ``fix``
    are English, ``message_zh`` and ``fix_zh`` Chinese; ``severity`` is one of :data:`SEVERITIES`;
    ``file``, ``sheet``, ``row``, ``column`` and ``value`` say where it is (empty when not located).
    It lives here, beside the errors, because ``calc/`` may import only ``greenmfg.calc``,
    ``greenmfg.errors`` and ``greenmfg.units`` and its results carry findings too; a domain that needs
    more (a reference, a period) adds fields in a thin subclass. :func:`as_dict` is the input-issue
    shape the API and pages show (``Issue``), so it leaves out ``severity``.
    """

    code: str
    message: str
    fix: str
    message_zh: str
    fix_zh: str
    _: KW_ONLY
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    severity: str = "error"

    def location(self) -> str:
        parts = [p for p in (self.file, f"sheet {self.sheet}" if self.sheet else "") if p]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "message_zh": self.message_zh,
            "fix": self.fix,
            "fix_zh": self.fix_zh,
        }


#: a located finding about input data (an error unless it says otherwise): the same type as :class:`Finding`
Issue = Finding


@dataclass
class ValidationFailed(GreenmfgError):
    """Input data has errors; nothing was computed.

    ``issues`` lists the errors found (up to a cap); ``total`` counts all of them.
    """

    issues: list[Issue] = field(default_factory=list)
    total: int = 0

    def __post_init__(self) -> None:
        super().__init__(f"{self.total} error(s) in the input; nothing was computed")
