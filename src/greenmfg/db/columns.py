"""The columns the models repeat, as annotated types: ``id: Mapped[IntPk]``.

An annotated type keeps the column where the class declares it (a mixin's columns would come after
the class's own), so a model written with these has the same table, column for column, as one
spelling each ``mapped_column`` out; ``alembic`` autogenerate sees no difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated

from sqlalchemy import CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import mapped_column

from greenmfg.db.base import UTCDateTime, utcnow

__all__ = ["ByUser", "FacilityId", "IntPk", "OrgId", "RunId", "Timestamp", "UpdatedAt", "UserId", "one_of"]

#: the integer primary key
IntPk = Annotated[int, mapped_column(Integer, primary_key=True)]
#: a UTC time, now when the row is inserted (created_at, entered_at …)
Timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime, default=utcnow)]
#: a UTC time, now when the row is inserted and whenever it is updated
UpdatedAt = Annotated[dt.datetime, mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)]
#: the user who did something to the row (created_by, decided_by …); kept as NULL when the user goes
ByUser = Annotated[int | None, mapped_column(ForeignKey("users.id", ondelete="SET NULL"))]
#: the organisation a row belongs to (enterprise_id, organisation_id …), indexed; the row goes with it
OrgId = Annotated[int, mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)]
#: the facility a row belongs to, indexed; the row goes with it
FacilityId = Annotated[int, mapped_column(ForeignKey("facilities.id", ondelete="CASCADE"), index=True)]
#: the user a row belongs to (sessions, tokens, memberships), indexed; the row goes with it
UserId = Annotated[int, mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)]
#: the calculation run that stored a result row, indexed; the row goes with it
RunId = Annotated[int, mapped_column(ForeignKey("calculation_runs.id", ondelete="CASCADE"), index=True)]


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """``CHECK (column IN ('a', 'b', …))`` named after the column; ``values`` in order, e.g. a StrEnum's."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)
