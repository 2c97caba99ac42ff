"""Import commits in a bounded number of set-based statements (issue #13 item 2).

The commit used to issue statements per facility-period (an INSERT … RETURNING per data version
and per result on SQLite, an UPDATE per replaced facility-period, benchmark rows grouped by their
None values): its time grew with the square of the facility-periods on SQLite. Counting the
statements the commit sends is the deterministic check (its speed is measured in
``bench/import_commit.py``, recorded in docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from greenmfg.accounting import store
from greenmfg.accounting.models import ActivityRecord, DataVersion, FacilityResult
from greenmfg.db.session import Database
from tests.factories import ACTIVITY_HEADER, Login, World, upload


def _activity(facilities: int, months: int, *, coke: float = 1000.0) -> bytes:
    lines = [",".join(ACTIVITY_HEADER)]
    for f in range(facilities):
        for m in range(1, months + 1):
            base = f"E-STEEL,唐山示例钢铁有限公司,钢铁,130000,E-STEEL-S{f:02d},2024-{m:02d}"
            lines += [f"{base},焦炭,{coke + f},吨,consumed", f"{base},电力,120,万千瓦时,purchased",
                      f"{base},粗钢,5000,吨,produced"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _commit_statements(client: TestClient, login: Login, world: World, database: Database,
                       content: bytes, monkeypatch: pytest.MonkeyPatch) -> int:
    """Statements sent by the platform's commit (``store.commit_import``, called by the API route;
    not the request's sign-in lookups, which depend on the token cache's age)."""
    preview = upload(client, login("steel"), world.org("steel"), content)
    assert preview.status_code == 201 and preview.json()["status"] == "previewed", preview.text
    statements: list[str] = []

    def count(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    real = store.commit_import

    def counted(*args: Any, **kwargs: Any) -> Any:
        event.listen(database.engine, "before_cursor_execute", count)
        try:
            return real(*args, **kwargs)
        finally:
            event.remove(database.engine, "before_cursor_execute", count)

    monkeypatch.setattr(store, "commit_import", counted)
    answer = client.post(f"/api/v1/imports/{preview.json()['id']}/commit", headers=login("steel"))
    monkeypatch.setattr(store, "commit_import", real)
    assert answer.status_code == 200, answer.text
    assert statements
    return len(statements)


def test_commit_statements_do_not_grow_with_facility_periods(client: TestClient, login: Login, world: World,
                                                             database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # a first commit warms what a process loads once (reference data, the token's principal)
    _commit_statements(client, login, world, database, _activity(1, 1, coke=700.0).replace(b"S00", b"W00"),
                       monkeypatch)
    small = _commit_statements(client, login, world, database, _activity(2, 5), monkeypatch)  # 10 facility-periods
    # 200 facility-periods: 190 new ones, and the 10 of the small import replaced (their version 2)
    large = _commit_statements(client, login, world, database, _activity(20, 10, coke=900.0), monkeypatch)
    assert large == small, (small, large)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 3 * (1 + 10 + 200)
        assert s.scalar(select(func.count()).where(DataVersion.current.is_(True))) == 1 + 200
        assert s.scalar(select(func.count()).where(DataVersion.current.is_(False))) == 10
        assert s.scalar(select(func.count()).where(DataVersion.version == 2)) == 10
        assert s.scalar(select(func.count()).where(FacilityResult.current.is_(True))) == 1 + 200
        assert s.scalar(select(func.count()).where(FacilityResult.counted.is_(True))) == 1 + 200
        replaced = s.execute(select(FacilityResult.counted).join(
            DataVersion, DataVersion.id == FacilityResult.data_version_id).where(
            FacilityResult.current.is_(False))).scalars().all()
        assert len(replaced) == 10 and not any(replaced)
        # the replaced results were those of the small import's facility-periods
        assert set(s.execute(select(FacilityResult.period).where(FacilityResult.current.is_(False))).scalars()) \
            == {f"2024-{m:02d}" for m in range(1, 6)}
