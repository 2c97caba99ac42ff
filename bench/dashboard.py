"""Benchmark: the enterprise dashboard on PostgreSQL with the demo region.

Seeds the demo region into a private schema, prints the query plan of each of the dashboard's
four queries (EXPLAIN ANALYZE: each should be an index scan of ``(enterprise_id, current,
period)``), then times sequential ``GET /api/v1/enterprises/{id}/dashboard`` calls in-process and
prints the median and the 99th percentile. The schema is dropped at the end. Concurrency (200
clients) is measured against a running server with a load tool, not here.

    python bench/dashboard.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                              [--enterprises 40] [--months 12] [--requests 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select, text

from greenmfg.accounting.dashboard import enterprise_dashboard
from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.platform import seed_demo
from greenmfg.orgs.models import Organisation
from greenmfg.settings import Settings
from greenmfg.web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--enterprises", type=int, default=40)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    schema = f"gm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(args.url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=5)
    database = Database(args.url, engine=engine)
    try:
        upgrade(database)
        started = time.perf_counter()
        seed_demo(database, password="bench-password", enterprises=args.enterprises, months=args.months)
        print(f"seeded {args.enterprises} enterprises × {args.months} months in {time.perf_counter() - started:.1f} s")
        with database.session() as session:
            session.execute(text("ANALYZE"))
        explain(database)
        timing(database, args.requests)
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _busiest(session: Any) -> Organisation:
    """The enterprise with the most facilities (the largest dashboard)."""
    from sqlalchemy import func

    from greenmfg.orgs.models import Facility

    enterprise_id = session.execute(select(Facility.enterprise_id).group_by(Facility.enterprise_id)
                                    .order_by(func.count().desc()).limit(1)).scalar_one()
    enterprise: Organisation = session.get(Organisation, enterprise_id)
    return enterprise


def explain(database: Database) -> None:
    statements: list[tuple[str, Any]] = []
    with database.session() as session:
        enterprise = _busiest(session)
        connection = session.connection()

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
            statements.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", capture)
        enterprise_dashboard(session, enterprise)
        event.remove(connection, "before_cursor_execute", capture)
        raw = connection.connection.dbapi_connection
        assert raw is not None
        for number, (statement, parameters) in enumerate(statements, start=1):
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + statement, parameters)
                plan = "\n    ".join(row[0] for row in cursor.fetchall())
            print(f"\nquery {number}: {statement.split(chr(10))[0][:90]}…\n    {plan}")


def timing(database: Database, requests: int) -> None:
    app = create_app(Settings(database_url=database.url), database=database)
    client = TestClient(app)
    token = client.post("/api/v1/auth/token", json={"username": "demo-admin", "password": "bench-password"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    with database.session() as session:
        enterprise_id = _busiest(session).id
    url = f"/api/v1/enterprises/{enterprise_id}/dashboard"
    assert client.get(url, headers=headers).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * len(times)) - 1)]
    print(f"\nGET {url} × {requests} (sequential, in-process): median {statistics.median(times):.1f} ms, "
          f"p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
