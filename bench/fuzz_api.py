"""Fuzz the REST API over its OpenAPI schema (schemathesis + Hypothesis), bounded in time: 0 × 5xx wanted.

For each backend (SQLite always; PostgreSQL in a private schema when it is reachable) the script migrates
and seeds a small demo region, signs in every demo account (admin, province and city regulators,
evaluator, enterprise users) and then, operation by operation of ``/api/v1/openapi.json``, sends cases
that fit the schema (positive) and cases that break it (negative: wrong types, out-of-range numbers,
missing fields, odd strings including NUL characters), each as one of the demo users or anonymous, in
process (ASGI). The time is shared evenly between backends, operations and the two modes. Prints the
number of requests, answers by status class and every route that answered 5xx with its first case;
exits 1 when any 5xx was seen. Figures are recorded in docs/security.md.

    python bench/fuzz_api.py [--seconds 120] [--examples 300] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import FailedHealthCheck, Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import create_engine, text

from greenmfg.db.migrate import upgrade
from greenmfg.db.session import Database
from greenmfg.demo.platform import demo_accounts, seed_demo
from greenmfg.settings import Settings
from greenmfg.web.app import create_app

POSTGRES = os.environ.get("GREENMFG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "greenmfg-demo"
#: seconds a request may take before it counts as a timeout (reported apart from 5xx)
TIMEOUT = 30


class _TimeUp(Exception):
    """The time share of one operation and mode is spent."""


def _tokens(app: Any, database: Database) -> list[tuple[str, dict[str, str]]]:
    from fastapi.testclient import TestClient

    with database.session() as session:
        accounts = demo_accounts(session, PASSWORD)
    out: list[tuple[str, dict[str, str]]] = [("anonymous", {})]
    with TestClient(app) as client:
        for account in accounts:
            answer = client.post("/api/v1/auth/token", json={"username": account.username, "password": PASSWORD})
            if answer.status_code == 200:
                out.append((account.role, {"Authorization": f"Bearer {answer.json()['access_token']}"}))
    return out


def fuzz(app: Any, database: Database, seconds: float, examples: int, label: str) -> dict[str, Any]:
    """Run the fuzz against ``app`` for about ``seconds``; the counts and the 5xx found."""
    tokens = _tokens(app, database)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    # an operation the schema cannot describe raises here (Err.ok()): the schema is FastAPI's own
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    statuses: collections.Counter[str] = collections.Counter()
    by_route: collections.Counter[str] = collections.Counter()
    errors: dict[str, dict[str, Any]] = {}
    roles: collections.Counter[str] = collections.Counter()
    skipped: list[str] = []
    slow: collections.Counter[str] = collections.Counter()
    budget = seconds / (len(operations) * 2)
    started = time.monotonic()
    turn = 0
    for operation in operations:
        route = f"{operation.method.upper()} {operation.path}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            until = time.monotonic() + budget

            # the closure runs at once, inside this iteration: ``until``, ``route`` and ``mode`` are current
            @settings(max_examples=examples, phases=[Phase.generate], deadline=None, database=None,
                      suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
            @given(case=operation.as_strategy(mode))
            def send(case: Any) -> None:
                nonlocal turn
                if time.monotonic() > until:  # noqa: B023
                    raise _TimeUp   # ends this operation's run (no shrinking phase to replay it)
                role, headers = tokens[turn % len(tokens)]
                turn += 1
                roles[role] += 1
                try:
                    status = case.call(headers=headers, timeout=TIMEOUT).status_code
                    problem = ""
                except Exception as error:   # an exception escaping the app is a 500 to a client
                    if "timed out" in str(error).lower() or "timeout" in type(error).__name__.lower():
                        statuses["timeout"] += 1   # slow (a recalculation of everything), not refused
                        slow[route] += 1  # noqa: B023
                        return
                    status, problem = 500, f"{type(error).__name__}: {error}"[:300]
                statuses[f"{status // 100}xx"] += 1
                by_route[route] += 1  # noqa: B023
                if status >= 500:
                    key = f"{route} -> {status}"  # noqa: B023
                    found = errors.setdefault(key, {"count": 0, "mode": str(mode), "role": role,  # noqa: B023
                                                    "path": case.path_parameters, "query": case.query,
                                                    "body": repr(case.body)[:300], "exception": problem})
                    found["count"] += 1

            try:
                send()
            except _TimeUp:
                pass
            except (Unsatisfiable, FailedHealthCheck):   # nothing to generate in this mode (e.g. no parameters)
                skipped.append(f"{route} ({mode})")
    elapsed = time.monotonic() - started
    return {"backend": label, "operations": len(operations), "requests": sum(statuses.values()),
            "seconds": round(elapsed, 1), "statuses": dict(sorted(statuses.items())),
            "server_errors": sum(f["count"] for f in errors.values()), "by_role": dict(roles),
            "not_generated": len(skipped), "timeouts": dict(slow),
            "errors": errors}


def _sqlite(folder: Path) -> Database:
    database = Database(f"sqlite:///{folder / 'fuzz.db'}")
    upgrade(database)
    return database


def _postgres() -> tuple[Database, str] | None:
    schema = f"gm_fuzz_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    except Exception as error:
        print(f"PostgreSQL not reachable at {POSTGRES}: {str(error).splitlines()[0]}; skipped", file=sys.stderr)
        return None
    engine = create_engine(POSTGRES, connect_args={"options": f"-csearch_path={schema}"})
    database = Database(POSTGRES, engine=engine)
    upgrade(database)
    return database, schema


def _drop(schema: str) -> None:
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120, help="total time, shared between backends")
    parser.add_argument("--examples", type=int, default=300, help="most cases per operation and mode")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    logging.getLogger("greenmfg").setLevel(logging.CRITICAL)   # the 4xx refusals are logged at warning
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    reports = []
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            schema = None
            if backend == "sqlite":
                database = _sqlite(Path(folder))
            else:
                found = _postgres()
                if found is None:
                    continue
                database, schema = found
            try:
                seed_demo(database, password=PASSWORD, enterprises=6, months=3, meter_days=1)
                app = create_app(Settings(database_url=database.url, demo_password=PASSWORD,
                                          max_upload_bytes=200_000), database=database)
                reports.append(fuzz(app, database, args.seconds / len(backends), args.examples, backend))
            finally:
                database.dispose()
                if schema:
                    _drop(schema)
    for report in reports:
        print(f"{report['backend']}: {report['requests']:,} requests over {report['operations']} operations in "
              f"{report['seconds']} s; answers {report['statuses']}; 5xx: {report['server_errors']}")
        for key, found in report["errors"].items():
            print(f"  {key} x{found['count']} ({found['mode']}, {found['role']}): path={found['path']} "
                  f"query={found['query']} body={found['body']} {found['exception']}")
    print(json.dumps([{k: v for k, v in r.items() if k != "errors"} for r in reports], ensure_ascii=False))
    return 1 if any(r["server_errors"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
