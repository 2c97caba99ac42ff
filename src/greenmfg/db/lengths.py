"""The one place an input's length limit comes from: the length of the column that keeps it.

Text that lands in a ``String(n)`` column is checked against ``n`` where it is read (a preview, a
form, an API body), so an over-long value is refused there with a located 4xx instead of failing
in the database at commit (PostgreSQL refuses ``value too long``; SQLite would keep it). Nothing
hard-codes the numbers: change the column, and the check follows.
"""

from __future__ import annotations

from typing import Any

__all__ = ["column_length", "over_limit"]


def column_length(attribute: Any) -> int:
    """The declared length of a ``String(n)`` column (a mapped attribute such as ``Facility.code``).

    Raises
    ------
    TypeError
        The column has no length (``Text``, numbers): there is nothing to check against.
    """
    column = attribute.property.columns[0] if hasattr(attribute, "property") else attribute
    length = getattr(column.type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column} has no declared length")
    return length


def over_limit(value: object, attribute: Any) -> int | None:
    """The column's length when ``value`` (as stored: text, stripped) is longer than it, else None."""
    if value is None:
        return None
    limit = column_length(attribute)
    return limit if len(str(value).strip()) > limit else None
