"""Helpers for the capacity-replacement tests: projects with defaults, the installed rule book."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from greenmfg.calc.capacity import PROCESSES, Project, Requirement, required_retirement
from greenmfg.capacity.rules import RuleBook, load_rulebook


@pytest.fixture(scope="session")
def book() -> RuleBook:
    return load_rulebook()


def project(process: str = "ironmaking", capacity: int | str = 1_000_000, *, province: str = "130000",
            city: str | None = "唐山", on: str = "2023-05-01", unit: str = "t/a", **flags: Any) -> Project:
    return Project(sector=PROCESSES[process], process=process, capacity=Decimal(str(capacity)), unit=unit,
                   province=province, city=city, on=dt.date.fromisoformat(on), **flags)


def apply(book: RuleBook, item: Project) -> Requirement:
    return required_retirement(item, book.measures, book.regions)
