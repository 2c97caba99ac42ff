"""Cost of the keyed audit chain with checkpoints, and of the export helper (issue #13 items 5, 6).

    python bench/audit_and_exports.py [--events 2000] [--rows 100000]

Prints: audit appends per second (one event per transaction, SQLite file database) with a signed
checkpoint after every commit and without checkpoints; verify time per 1 000 events; writing a
write-only xlsx sheet of ``--rows`` rows × 8 columns through ``append_row`` and plain ``append``.
Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from greenmfg.audit import service
from greenmfg.audit.keys import Keyring
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.exports import append_row


def _appends(folder: Path, events: int, every: int) -> tuple[float, float]:
    database = Database(f"sqlite:///{folder / f'audit-{every}.db'}")
    upgrade(database)
    service.configure(Keyring(current=b"k" * 48, checkpoints=folder / f"cp-{every}.jsonl", checkpoint_every=every))
    start = time.perf_counter()
    for i in range(events):
        with database.session() as s:
            service.record(s, "bench.event", actor="bench", details={"i": i, "text": "x" * 40})
    appended = time.perf_counter() - start
    start = time.perf_counter()
    with database.session() as s:
        report = service.verify(s)
    verified = time.perf_counter() - start
    assert report.ok, report.problems
    database.dispose()
    return events / appended, verified / events * 1000


def _xlsx(rows: int, safe: bool) -> float:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    start = time.perf_counter()
    for i in range(rows):
        values = [f"E{i % 500}", f"F-{i}", "2024-01", "原煤", -1.5 * i, i, "=x" if i % 100 == 0 else "t", None]
        if safe:
            append_row(sheet, values)
        else:
            sheet.append(values)
    book.save(io.BytesIO())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for every, label in ((1, "checkpoint after every commit"), (0, "no checkpoints")):
            rate, verify_ms = _appends(Path(folder), args.events, every)
            print(f"audit appends, {label}: {rate:,.0f} events/s; verify {verify_ms:.3f} s per 1 000 events")
    for safe in (False, True):
        print(f"xlsx {args.rows:,} rows × 8, {'append_row' if safe else 'sheet.append'}: {_xlsx(args.rows, safe):.2f} s")


if __name__ == "__main__":
    main()
