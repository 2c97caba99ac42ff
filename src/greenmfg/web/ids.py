"""The one type of every id a request carries (path, query, form field or JSON body).

Row ids are PostgreSQL ``integer`` columns: an id of 2^31 or more made PostgreSQL refuse the query and
one over 2^63 overflowed SQLite's driver, both answered with a 500. :data:`Id` bounds every id to
1 … 2^31 − 1 where the request is parsed, so an id out of range is a 422 naming the parameter (in the
one error envelope of :mod:`greenmfg.web.errors`) before any query runs; the OpenAPI schema shows the
bounds. A handler in :mod:`greenmfg.web.errors` is the safety net for any integer that still reaches
the database out of range.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

__all__ = ["MAX_ID", "Id"]

#: the largest value of a PostgreSQL ``integer`` (row ids are ``integer`` on both backends)
MAX_ID = 2**31 - 1

#: an id parameter: ``enterprise_id: Id`` (path or query), ``Annotated[Id, Form()]``, a model field ``Id``
Id = Annotated[int, Ge(1), Le(MAX_ID)]
