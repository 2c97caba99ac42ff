"""One page of a filtered table and how many rows the filter matches (the paginated lists)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import LoaderOption

from greenmfg.db.base import Base

__all__ = ["fetch_page"]

_Row = TypeVar("_Row", bound=Base)


def fetch_page(session: Session, model: type[_Row], where: Sequence[ColumnElement[bool]], order_by: Sequence[Any],
               *, offset: int, limit: int, options: Sequence[LoaderOption] = ()) -> tuple[list[_Row], int]:
    """The rows of ``model`` matching every ``where`` clause, in ``order_by`` order from ``offset`` (at most
    ``limit``), and how many rows match in all."""
    total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    rows = list(session.execute(select(model).options(*options).where(*where).order_by(*order_by)
                                .offset(offset).limit(limit)).scalars())
    return rows, int(total)
