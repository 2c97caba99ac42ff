"""Benchmark: the benchmark views read from stored results, for enterprises and regulators.

Seeds the demo region (benchmark classes are stored with the results) into a fresh SQLite file
or a private schema of a PostgreSQL database, then times (in-process, sequentially)
``GET /api/v1/enterprises/{id}/benchmark`` for the demo enterprise accounts and
``GET /api/v1/region/compliance`` for the city and provincial regulators and the admin (each
edition option), and prints the median of each.

    python bench/compliance_views.py [--enterprises 40] [--months 12] [--repeat 5]
                                     [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test | --sqlite FILE]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from greenmfg.accounting.models import ActivityRecord
from greenmfg.compliance.stored import StoredBenchmark, StoredPlantYear
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.platform import seed_demo
from greenmfg.settings import Settings
from greenmfg.web.app import create_app

PASSWORD = "greenmfg-demo"


def _timed(client: TestClient, url: str, headers: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(url, headers=headers)
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200, answer.text[:500]
    return statistics.median(times)


def _signed_in(client: TestClient, username: str) -> TestClient:
    browser = TestClient(client.app)
    form = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = browser.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1),
                                          "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    return browser


def _run(database: Database, args: argparse.Namespace) -> None:
    upgrade(database)
    start = time.perf_counter()
    accounts = seed_demo(database, password=PASSWORD, enterprises=args.enterprises, months=args.months, meter_days=0)
    seeded = time.perf_counter() - start
    with database.session() as session:
        rows = session.scalar(select(func.count()).select_from(ActivityRecord)) or 0
        stored = session.scalar(select(func.count()).select_from(StoredBenchmark)) or 0
        pooled = session.scalar(select(func.count()).select_from(StoredPlantYear)) or 0
    if database.url.startswith("postgresql"):
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    app = create_app(Settings(database_url=database.url), database=database)
    with TestClient(app) as client:
        def login(username: str) -> dict[str, str]:
            token = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            return {"Authorization": f"Bearer {token.json()['access_token']}"}

        backend = database.url.split(":", 1)[0].split("+", 1)[0]
        print(f"{backend}: demo region {args.enterprises} enterprises × {args.months} months, {rows:,} activity rows, "
              f"{stored:,} stored benchmark rows, {pooled:,} plant-year rows; seeded in {seeded:.0f} s")
        for account in accounts:
            if account.role == "enterprise":
                url = f"/api/v1/enterprises/{account.organisation_id}/benchmark"
                seconds = _timed(client, url, login(account.username), args.repeat)
                print(f"  enterprise benchmark ({account.username}): median {seconds * 1000:.0f} ms")
        for username in ("demo-city", "demo-regulator", "demo-admin"):
            headers = login(username)
            for edition in ("", "2021", "2023"):
                seconds = _timed(client, f"/api/v1/region/compliance?edition={edition}", headers, args.repeat)
                print(f"  region compliance ({username}, edition {edition or 'newest'}): median {seconds * 1000:.0f} ms")
            browser = _signed_in(client, username)
            seconds = _timed(browser, "/region/compliance", {}, args.repeat)
            print(f"  page /region/compliance ({username}): median {seconds * 1000:.0f} ms")
        for account in accounts:
            if account.role == "enterprise":
                browser = _signed_in(client, account.username)
                seconds = _timed(browser, f"/benchmark?enterprise={account.organisation_id}", {}, args.repeat)
                print(f"  page /benchmark ({account.username}): median {seconds * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", help="PostgreSQL URL: run in a private schema of this database (dropped after)")
    parser.add_argument("--sqlite", type=Path, help="SQLite file to use and keep (a seeded file is not seeded again)")
    args = parser.parse_args()
    if args.sqlite:
        database = Database(f"sqlite:///{args.sqlite}")
        try:
            _run(database, args)
        finally:
            database.dispose()
        return
    if args.postgres:
        schema = f"gm_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.postgres)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_engine(args.postgres, connect_args={"options": f"-csearch_path={schema}"})
        database = Database(args.postgres, engine=engine)
        try:
            _run(database, args)
        finally:
            database.dispose()
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
        return
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            _run(database, args)
        finally:
            database.dispose()


if __name__ == "__main__":
    main()
