"""Benchmark: a province on one server (issue #11 part 4).

Seeds the demo region (``--enterprises`` × ``--months``, seed 1) through the platform's own
seeding path (:func:`greenmfg.demo.platform.seed_demo`: one engine run, then per enterprise the
store a committed import takes) into a fresh SQLite file and/or a PostgreSQL database of its own,
prints the seeding time and the database size, then measures sequentially, in process, through
the ASGI app (Starlette's TestClient; no Redis, so nothing is served from a cache), after a
warm-up, the median of ``--repeat`` requests of:

* the regulator's views: ``GET /api/v1/region/summary``, ``/enterprises``, ``/top-emitters``,
  ``/rising-intensities``, the ``/region`` page, ``GET /api/v1/region/compliance`` and the
  ``/region/compliance`` page (the provincial regulator; the summary also as the admin);
* an enterprise's views (the demo steel enterprise's own user): ``GET
  /api/v1/enterprises/{id}/benchmark``, the ``/benchmark`` page, its results of a year with
  derivation lines and one result (``GET /api/v1/results/{id}``);
* the import of one enterprise-year: the enterprise's 12-month file uploaded (preview) and
  committed through the API.

    python bench/province.py [--enterprises 2000] [--months 12] [--backend sqlite|postgresql|both]
                             [--repeat 5] [--slow-repeat 3] [--postgres-url URL] [--keep DIR]

Run it at 40, 400 and 2 000 enterprises for the growth figures. Timing lives here, never in tests.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from greenmfg.accounting.models import ActivityRecord, FacilityResult, ImportBatch
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database, reading
from greenmfg.demo.platform import seed_demo
from greenmfg.settings import Settings
from greenmfg.web.app import create_app

PASSWORD = "greenmfg-demo"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Figure:
    name: str
    times: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times) * 1000


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def _postgres_database(base_url: str, name: str, *, reuse: bool) -> str:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not (reuse and exists):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


def _size(database: Database) -> int:
    if database.dialect == "sqlite":
        with reading(), database.engine.connect() as connection:  # not under the write lock
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(database.url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with database.engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def _table_sizes(database: Database) -> dict[str, int]:
    """Bytes per table (with its indexes and TOAST) on PostgreSQL; SQLite: dbstat when compiled in."""
    tables = ("facility_results", "facility_result_products", "line_templates", "activity_records")
    out: dict[str, int] = {}
    with database.engine.connect() as connection:
        for table in tables:
            try:
                if database.dialect == "postgresql":
                    value = connection.execute(text("SELECT pg_total_relation_size(:t)"), {"t": table}).scalar()
                else:
                    value = connection.execute(text("SELECT sum(pgsize) FROM dbstat WHERE name = :t"),
                                               {"t": table}).scalar()
            except Exception:  # an old schema without the table, or SQLite without dbstat
                connection.rollback()
                continue
            if value is not None:
                out[table] = int(value)
    return out


def _timed(name: str, call: Callable[[], Any], repeat: int) -> Figure:
    call()  # warm-up: templates, plans, caches of the process
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return Figure(name, times)


def _ok(answer: Any) -> Any:
    assert answer.status_code in (200, 201), f"{answer.status_code}: {answer.text[:500]}"
    return answer


def _browser(client: TestClient, username: str) -> TestClient:
    browser = TestClient(client.app)
    form = browser.get("/login")
    found = CSRF.search(form.text)
    assert found is not None
    answer = browser.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": found.group(1),
                                          "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return browser


def measure(database: Database, repeat: int, slow_repeat: int, *, skip: set[str]) -> list[Figure]:
    app = create_app(Settings(database_url=database.url), database=database)
    figures: list[Figure] = []
    with TestClient(app) as client:
        def token(username: str) -> dict[str, str]:
            answer = _ok(client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD}))
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        regulator, admin, steel = token("demo-regulator"), token("demo-admin"), token("demo-steel")
        steel_id = _steel_enterprise(database)
        with database.session() as session:
            content, filename = session.execute(
                select(ImportBatch.content, ImportBatch.filename).where(ImportBatch.enterprise_id == steel_id)
                .order_by(ImportBatch.id).limit(1)).one()
            year = session.scalar(select(func.max(FacilityResult.year)).where(
                FacilityResult.enterprise_id == steel_id)) or 0
            result_id = session.scalar(select(func.max(FacilityResult.id)).where(
                FacilityResult.enterprise_id == steel_id, FacilityResult.current.is_(True)))
        regulator_pages, steel_pages = _browser(client, "demo-regulator"), _browser(client, "demo-steel")

        def get(url: str, headers: dict[str, str] | None = None, browser: TestClient | None = None) -> Any:
            return _ok((browser or client).get(url, headers=headers))

        views: list[tuple[str, Callable[[], Any], int]] = [
            ("region summary API (regulator)", lambda: get("/api/v1/region/summary", regulator), repeat),
            ("region summary API (admin, all)", lambda: get("/api/v1/region/summary", admin), repeat),
            ("region enterprises API (page 1)", lambda: get("/api/v1/region/enterprises", regulator), repeat),
            ("region top emitters API", lambda: get("/api/v1/region/top-emitters", regulator), repeat),
            ("region rising intensities API", lambda: get("/api/v1/region/rising-intensities", regulator), repeat),
            ("/region page", lambda: get("/region", browser=regulator_pages), repeat),
            ("region compliance API", lambda: get("/api/v1/region/compliance", regulator), slow_repeat),
            ("/region/compliance page", lambda: get("/region/compliance", browser=regulator_pages), slow_repeat),
            ("enterprise benchmark API", lambda: get(f"/api/v1/enterprises/{steel_id}/benchmark", steel),
             slow_repeat),
            ("/benchmark page (enterprise)", lambda: get("/benchmark", browser=steel_pages), slow_repeat),
            ("enterprise results of a year with lines", lambda: get(
                f"/api/v1/enterprises/{steel_id}/results?period={year}&lines=true", steel), repeat),
            ("one result with lines", lambda: get(f"/api/v1/results/{result_id}", steel), repeat),
        ]
        for name, call, times in views:
            if any(word in name for word in skip):
                continue
            figure = _timed(name, call, times)
            figures.append(figure)
            print(f"  {name:<44} {figure.median_ms:9.1f} ms  ({_load()})", flush=True)

        def import_year() -> None:
            preview = _ok(client.post(f"/api/v1/enterprises/{steel_id}/imports", headers=steel,
                                      files={"file": (filename, content, "text/csv")})).json()
            assert preview["status"] == "previewed", preview
            _ok(client.post(f"/api/v1/imports/{preview['id']}/commit", headers=steel))

        if "import" not in skip:
            figure = _timed("import one enterprise-year (preview + commit)", import_year, slow_repeat)
            figures.append(figure)
            print(f"  {figure.name:<44} {figure.median_ms:9.1f} ms  ({_load()})", flush=True)
    return figures


def _steel_enterprise(database: Database) -> int:
    from greenmfg.auth.models import Membership, User

    with database.session() as session:
        return int(session.execute(select(Membership.organisation_id).join(User, User.id == Membership.user_id)
                                   .where(User.username == "demo-steel")).scalar_one())


def run(backend: str, args: argparse.Namespace, folder: Path) -> tuple[dict[str, Any], list[Figure]]:
    if backend == "sqlite":
        path = folder / f"province-{args.enterprises}.db"
        if not args.reuse:
            for old in folder.glob(path.name + "*"):
                old.unlink()
        url = f"sqlite:///{path}"
    else:
        url = _postgres_database(args.postgres_url, f"greenmfg_bench_{args.enterprises}", reuse=args.reuse)
    database = Database(url)
    upgrade(database)
    print(f"{backend}: seeding {args.enterprises} enterprises × {args.months} months ({_load()})"
          + (" — reused if seeded before" if args.reuse else ""), flush=True)
    start = time.perf_counter()
    seed_demo(database, password=PASSWORD, enterprises=args.enterprises, months=args.months, meter_days=0)
    seconds = time.perf_counter() - start
    with database.session() as session:
        rows = session.scalar(select(func.count()).select_from(ActivityRecord)) or 0
        results = session.scalar(select(func.count()).select_from(FacilityResult)) or 0
    size = _size(database)
    tables = _table_sizes(database)
    seeded = {"backend": backend, "seconds": seconds, "rows": rows, "results": results, "bytes": size,
              "tables": tables}
    print(f"{backend}: seeded in {seconds:.1f} s, {rows:,} activity rows, {results:,} results, "
          f"{size / 1e6:.1f} MB ({_load()})", flush=True)
    for table, value in tables.items():
        print(f"  {table:<28} {value / 1e6:9.1f} MB")
    figures = measure(database, args.repeat, args.slow_repeat, skip=set(args.skip))
    database.dispose()
    return seeded, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--slow-repeat", type=int, default=3, help="repeats of the compliance/benchmark views "
                        "and the import")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES,
                        help="a PostgreSQL URL whose user may create databases (greenmfg_bench_<n> is created)")
    parser.add_argument("--keep", type=Path, help="keep the SQLite file in this folder")
    parser.add_argument("--reuse", action="store_true", help="measure a database seeded by an earlier run "
                        "(kept with --keep; PostgreSQL: greenmfg_bench_<n>) instead of seeding anew")
    parser.add_argument("--skip", nargs="*", default=[], help="skip the views whose name contains a word")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"province bench: {args.enterprises} enterprises × {args.months} months, repeat {args.repeat}/"
          f"{args.slow_repeat}, {_load()}", flush=True)
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        outcome = [run(backend, args, folder) for backend in backends]
    print()
    names = [f.name for f in outcome[0][1]]
    print("| view | " + " | ".join(f"{s['backend']} median [ms]" for s, _ in outcome) + " |")
    print("|---|" + "---:|" * len(outcome))
    for index, name in enumerate(names):
        print(f"| {name} | " + " | ".join(f"{figures[index].median_ms:.1f}" for _, figures in outcome) + " |")
    for seeded, _ in outcome:
        print(f"| seeding ({seeded['backend']}) | {seeded['seconds']:.1f} s, {seeded['bytes'] / 1e6:.1f} MB, "
              f"{seeded['rows']:,} rows, {seeded['results']:,} results |")


if __name__ == "__main__":
    main()
