"""Paginated list answers: ``{"items": [...], "total", "page", "page_size"}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

__all__ = ["Page", "PageParams"]


class PageParams(BaseModel):
    page: int = 1
    page_size: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page_params(page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                page_size: Annotated[int, Query(ge=1, le=500)] = 50) -> PageParams:
    return PageParams(page=page, page_size=page_size)


def Page(items: list[dict[str, Any]], total: int, params: PageParams) -> dict[str, Any]:
    return {"items": items, "total": total, "page": params.page, "page_size": params.page_size}
