"""Benchmark: committing a large activity import (issue #13 item 2).

Generates one enterprise's activity file of about ``--rows`` rows (the demo region's generator,
:func:`greenmfg.demo.generator.generate_region`, 12 months, its facilities relabelled as
facilities of one enterprise: many facilities × months, the activity template's columns, as CSV),
then, on a fresh database, previews and commits it through the platform's own import service
(:func:`greenmfg.accounting.store.check_upload` + :func:`~greenmfg.accounting.store.preview_upload`,
then :func:`~greenmfg.accounting.store.account_batch` in a read-only transaction and
:func:`~greenmfg.accounting.store.commit_import` in the write transaction, as the API routes run
them) and prints the times (the commit's accounting and its writes: the writes are what holds
SQLite's write lock), the facility-periods, the SQL statements the writes issued and the load
average. A second import of the same file (new versions of every facility-period, replacing
the first) is timed too.

    python bench/import_commit.py [--rows 10000 25000 100000] [--backend sqlite|postgresql|both]
                                  [--postgres-url URL] [--keep DIR]

Timing lives here, never in tests; the figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import create_engine, event, func, select, text

from greenmfg.accounting import store
from greenmfg.accounting.models import ActivityRecord, DataVersion, ImportBatch
from greenmfg.auth.models import Membership, Role, User
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.generator import TEMPLATE_COLUMNS, generate_region
from greenmfg.orgs.access import load_principal
from greenmfg.orgs.models import Organisation, OrgKind

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ENTERPRISE = "E-BENCH"


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def activity_file(rows: int, *, seed: int = 1) -> tuple[bytes, int]:
    """About ``rows`` activity rows of one enterprise as CSV bytes, and the exact row count.

    Whole enterprises of the generated region are taken until ``rows`` is reached; each keeps its
    facilities (renamed ``<enterprise>-<facility>``) under the one enterprise ``E-BENCH``.
    """
    enterprises = max(1, rows // 200 + 5)  # about 17 rows per enterprise-month, 12 months
    table: pa.Table = generate_region(enterprises=enterprises, months=12, seed=seed)
    while table.num_rows < rows:
        enterprises *= 2
        table = generate_region(enterprises=enterprises, months=12, seed=seed)
    codes = table.column("enterprise_id")
    # whole enterprises, in order, until the row count is reached
    counts = pc.value_counts(codes).to_pylist()
    keep: list[str] = []
    total = 0
    for item in counts:
        if total >= rows:
            break
        keep.append(item["values"])
        total += item["counts"]
    table = table.filter(pc.is_in(codes, value_set=pa.array(keep)))
    facility = pc.binary_join_element_wise(table.column("enterprise_id"), table.column("facility_id"), "-")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_COLUMNS)
    columns: dict[str, list[Any]] = {name: table.column(name).to_pylist() for name in TEMPLATE_COLUMNS}
    columns["facility_id"] = facility.to_pylist()
    first_industry = columns["industry"][0]
    first_region = columns["region"][0]
    for index in range(table.num_rows):
        values = []
        for name in TEMPLATE_COLUMNS:
            value: Any
            if name == "enterprise_id":
                value = ENTERPRISE
            elif name == "enterprise_name":
                value = "基准测试制造有限公司"
            elif name == "industry":
                value = first_industry
            elif name == "region":
                value = first_region
            else:
                value = columns[name][index]
            values.append("" if value is None else value)
        writer.writerow(values)
    return buffer.getvalue().encode("utf-8"), table.num_rows


def _postgres_database(base_url: str, name: str) -> str:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


def _setup(database: Database) -> tuple[int, int]:
    """An enterprise ``E-BENCH`` and its manager; returns (enterprise id, user id)."""
    with database.session() as session:
        enterprise = Organisation(kind=OrgKind.enterprise, name="基准测试制造有限公司", code=ENTERPRISE,
                                  industry="steel", province="130000")
        session.add(enterprise)
        session.flush()
        user = User(username="bench", display_name="Bench", password_hash="!")
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=enterprise.id, role=Role.manager))
        return enterprise.id, user.id


def _import(database: Database, enterprise_id: int, user_id: int, content: bytes, name: str) -> dict[str, float]:
    """Preview and commit as the API routes do: check and account outside the write transaction,
    then store in one write transaction (the time SQLite's write lock is held)."""
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    times: dict[str, float] = {}
    start = time.perf_counter()
    with database.session(write=False) as session:
        enterprise = session.get_one(Organisation, enterprise_id)
        checked = store.check_upload(enterprise, filename=name, content_type="text/csv", content=content,
                                     max_bytes=len(content) + 1)
    with database.session(write=True) as session:
        principal = load_principal(session, session.get_one(User, user_id))
        enterprise = session.get_one(Organisation, enterprise_id)
        batch = store.preview_upload(session, principal, enterprise, filename=name, content_type="text/csv",
                                     content=content, max_bytes=len(content) + 1, checked=checked)
        assert not batch.issue_count, batch.issues[:5]
        batch_id = batch.id
    times["preview"] = time.perf_counter() - start
    start = time.perf_counter()
    with database.session(write=False) as session:
        accounted = store.account_batch(session.get_one(ImportBatch, batch_id))
    times["account"] = time.perf_counter() - start
    start = time.perf_counter()
    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with database.session(write=True) as session:
            principal = load_principal(session, session.get_one(User, user_id))
            committed = session.get_one(ImportBatch, batch_id)
            store.commit_import(session, principal, committed, accounted=accounted)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    times["write"] = time.perf_counter() - start
    times["commit"] = times["account"] + times["write"]
    times["statements"] = statements
    return times


def run(backend: str, rows: int, args: argparse.Namespace, folder: Path) -> None:
    content, exact = activity_file(rows)
    if backend == "sqlite":
        path = folder / f"import-{rows}.db"
        for old in folder.glob(path.name + "*"):
            old.unlink()
        url = f"sqlite:///{path}"
    else:
        url = _postgres_database(args.postgres_url, f"greenmfg_bench_import_{rows}")
    database = Database(url)
    upgrade(database)
    enterprise_id, user_id = _setup(database)
    first = _import(database, enterprise_id, user_id, content, "activity.csv")
    with database.session() as session:
        stored = session.scalar(select(func.count()).select_from(ActivityRecord)) or 0
        periods = session.scalar(select(func.count()).select_from(DataVersion)) or 0
    print(f"{backend:<10} {exact:>7} rows {periods:>6} facility-periods {len(content) / 1e6:5.1f} MB  "
          f"preview {first['preview']:6.1f} s  commit {first['commit']:6.1f} s = accounting {first['account']:6.1f} s "
          f"+ writes {first['write']:6.1f} s ({first['statements']:.0f} statements, "
          f"{exact / first['write']:,.0f} rows/s)  ({_load()})", flush=True)
    assert stored == exact, (stored, exact)
    again = _import(database, enterprise_id, user_id, content, "activity-again.csv")
    print(f"{'':<10} {'':>7}      again (new versions of all):  preview {again['preview']:6.1f} s  "
          f"commit {again['commit']:6.1f} s = accounting {again['account']:6.1f} s + writes {again['write']:6.1f} s "
          f"({again['statements']:.0f} statements)  ({_load()})", flush=True)
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 25_000, 100_000])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--keep", type=Path, help="folder for the SQLite files (default: a temporary one)")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        for backend in backends:
            for rows in args.rows:
                try:
                    run(backend, rows, args, folder)
                except Exception as error:  # PostgreSQL not reachable: say so and go on
                    if backend == "postgresql" and "connect" in str(error).lower():
                        print(f"postgresql: not reachable ({str(error).splitlines()[0]})")
                        break
                    raise


if __name__ == "__main__":
    main()
