"""Benchmark: benchmark classes computed on read, for one enterprise and for a regulator's region.

Seeds the demo region into a fresh SQLite file, then times (in-process, sequentially)
``GET /api/v1/enterprises/{id}/benchmark`` for the demo enterprises and
``GET /api/v1/region/compliance`` for the provincial regulator and the admin, and prints the
median of each with the number of activity rows re-accounted.

    python bench/compliance.py [--enterprises 40] [--months 12] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from greenmfg.accounting.models import ActivityRecord
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
        assert answer.status_code == 200, answer.text
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(database)
        accounts = seed_demo(database, password=PASSWORD, enterprises=args.enterprises, months=args.months)
        with database.session() as session:
            rows = session.scalar(select(func.count()).select_from(ActivityRecord)) or 0
        app = create_app(Settings(database_url=database.url), database=database)
        with TestClient(app) as client:
            def login(username: str) -> dict[str, str]:
                token = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
                return {"Authorization": f"Bearer {token.json()['access_token']}"}

            print(f"demo region: {args.enterprises} enterprises × {args.months} months, {rows:,} stored activity rows")
            for account in accounts:
                if account.role == "enterprise":
                    seconds = _timed(client, f"/api/v1/enterprises/{account.organisation_id}/benchmark",
                                     login(account.username), args.repeat)
                    print(f"enterprise benchmark ({account.username}): median {seconds * 1000:.0f} ms")
            for username in ("demo-city", "demo-regulator", "demo-admin"):
                seconds = _timed(client, "/api/v1/region/compliance", login(username), args.repeat)
                print(f"region compliance ({username}): median {seconds * 1000:.0f} ms")
        database.dispose()


if __name__ == "__main__":
    main()
