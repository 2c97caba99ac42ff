"""Benchmark: reading a year of 15-minute meter data (35,040 points) on PostgreSQL.

Stores one meter with a year of 15-minute interval readings (through the ingest path, so the
rollups are built as in production) in a private schema, then times, per query, the median and
the maximum of ``--repeat`` calls of the service function and of
``GET /api/v1/meters/{id}/readings`` in-process (JSON included). The schema is dropped at the end.

    python bench/meter_readings.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--repeat 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from greenmfg.auth.models import Role
from greenmfg.auth.security import hash_password
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.monitoring.readings import LOCAL_TZ, load_meters, raw_readings, series, store_readings
from greenmfg.settings import Settings
from greenmfg.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: the shared test factories

from tests.factories import add_user, metered_enterprise

PASSWORD = "bench-password-123"


def timed(call, repeat: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    times, size = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        size = call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    schema = f"gm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.url)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(args.url, connect_args={"options": f"-csearch_path={schema}"})
    database = Database(args.url, engine=engine)
    try:
        upgrade(database)
        start = dt.datetime(2025, 1, 1, tzinfo=LOCAL_TZ)
        first = int(start.timestamp())
        points = [(first + 900 * i, 10.0 + (i % 96) / 10) for i in range(35_040)]
        with database.session() as s:
            seeded = metered_enterprise(s, name="基准企业", code="BENCH", facility_code="F1", meter_codes=["EM"],
                                        meter_name=lambda _: "总表", register_kind="interval")
            add_user(s, "bench", seeded.enterprise_id, Role.manager, hash_password(PASSWORD), display_name="bench")
            meter_id = seeded.meter_id
            began = time.perf_counter()
            store_readings(s, load_meters(s, [meter_id]), {meter_id: points})
        print(f"stored 35,040 readings with rollups in {time.perf_counter() - began:.2f} s")
        with database.engine.begin() as c:
            c.execute(text("ANALYZE meter_readings; ANALYZE meter_rollups"))
        end = first + 366 * 86400
        with database.session() as s:
            for name, call in [("raw (35,040 points)", lambda: len(raw_readings(s, meter_id, first, end))),
                               *[(interval, lambda i=interval: len(series(s, meter_id, i, first, end)))
                                 for interval in ("15min", "hour", "day", "month")]]:
                median, worst, size = timed(call, args.repeat)
                print(f"service {name:22s} {size:6d} points  median {median:7.1f} ms  max {worst:7.1f} ms")
        app = create_app(Settings(database_url=args.url), database=database)
        with TestClient(app) as client:
            token = client.post("/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            for interval in (None, "15min", "hour", "day", "month"):
                params = {"from": "2025-01-01", "to": "2026-01-01", **({"interval": interval} if interval else {})}

                def call(p: dict[str, str] = params) -> int:
                    answer = client.get(f"/api/v1/meters/{meter_id}/readings", params=p, headers=headers)
                    assert answer.status_code == 200, answer.text
                    return answer.text.count('"ts"')   # counted, not decoded: the server's time is measured

                median, worst, size = timed(call, args.repeat)
                print(f"GET ?interval={interval or 'raw':6s} {size:6d} points  median {median:7.1f} ms  "
                      f"max {worst:7.1f} ms (JSON encoded)")
    finally:
        database.dispose()
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
