"""Load benchmark: concurrent clients against the enterprise dashboard API on PostgreSQL.

Starts ``greenmfg serve`` (uvicorn, N worker processes) on loopback against a private schema of
the PostgreSQL database, seeded with the demo region, and drives C concurrent clients for D
seconds. Each client signs in once (its own bearer token: enterprise users, regulators and the
admin, so the access policy is exercised) and then requests the dashboard of an enterprise it
may see, waiting ``--think`` seconds between requests (0 = back to back). Prints p50/p90/p99
latency, throughput and errors. Issue #3 target: 200 clients, 60 s, p99 < 200 ms, zero errors.

    python bench/api_load.py [--clients 200] [--seconds 60] [--think 1.0] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

POSTGRES = os.environ.get("GREENMFG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "greenmfg_bench"
PASSWORD = "greenmfg-demo"


def _url_with_schema() -> str:
    separator = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{separator}options=-csearch_path%3D{SCHEMA}"


def prepare(fresh: bool) -> str:
    """Create the bench schema, migrate it and seed the demo region (once)."""
    from greenmfg.db.migrate import upgrade
    from greenmfg.db.session import Database
    from greenmfg.demo.platform import seed_demo

    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        if fresh:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
    admin.dispose()
    url = _url_with_schema()
    database = Database(url)
    upgrade(database)
    started = time.perf_counter()
    seed_demo(database, password=PASSWORD)
    print(f"database ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    database.dispose()
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, workers: int, redis_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "GREENMFG_DATABASE_URL": url}
    if redis_url:
        env["GREENMFG_REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "greenmfg.web.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("server did not start")


def _tokens(base: str) -> list[tuple[dict[str, str], list[int]]]:
    """(headers, visible enterprise ids) for every demo account."""
    out = []
    with httpx.Client(base_url=base, timeout=30) as client:
        accounts = ["demo-admin", "demo-regulator", "demo-city", "demo-evaluator", "demo-steel", "demo-cement",
                    "demo-glass", "demo-aluminium", "demo-chemicals"]
        for username in accounts:
            answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            if answer.status_code != 200:
                continue
            headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
            ids = [e["id"] for e in client.get("/api/v1/enterprises?page_size=500", headers=headers).json()["items"]]
            if ids:
                out.append((headers, ids))
    return out


async def _client(client: httpx.AsyncClient, path: str, ids: list[int], until: float, think: float,
                  latencies: list[float], errors: list[str], rng: random.Random) -> None:
    await asyncio.sleep(rng.random() * max(think, 0.05))  # spread the starts
    while time.perf_counter() < until:
        enterprise = rng.choice(ids)
        started = time.perf_counter()
        try:
            answer = await client.get(path.format(id=enterprise))
            if answer.status_code != 200:
                errors.append(f"HTTP {answer.status_code}")
            else:
                answer.json()
        except httpx.HTTPError as error:
            errors.append(type(error).__name__)
        latencies.append(time.perf_counter() - started)
        if think:
            await asyncio.sleep(think * (0.5 + rng.random()))


def _make_clients(base: str, accounts: list[tuple[dict[str, str], list[int]]],
                  count: int) -> list[tuple[httpx.AsyncClient, list[int]]]:
    """One client (own connection) per simulated user, built before the clock starts: building an
    httpx client loads a TLS context, ~25 ms each, which would otherwise stall the first seconds."""
    return [(httpx.AsyncClient(base_url=base, headers=accounts[i % len(accounts)][0], timeout=30, verify=False,
                               limits=httpx.Limits(max_connections=1)), accounts[i % len(accounts)][1])
            for i in range(count)]


async def drive(base: str, path: str, clients: int, seconds: float, think: float) -> dict[str, Any]:
    accounts = _tokens(base)
    rng = random.Random(1)
    latencies: list[float] = []
    errors: list[str] = []
    warm = _make_clients(base, accounts, 20)
    users = _make_clients(base, accounts, clients)
    # warm-up: every worker compiles its queries and fills its pools
    await asyncio.gather(*(_client(c, path, ids, time.perf_counter() + 3, 0.2, [], [], rng) for c, ids in warm))
    gc.collect()
    gc.freeze()  # the long-lived setup objects leave the collector's scans: fewer client-side pauses
    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(_client(c, path, ids, until, think, latencies, errors, random.Random(i))
                           for i, (c, ids) in enumerate(users)))
    elapsed = time.perf_counter() - started
    for c, _ in warm + users:
        await c.aclose()
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {"path": path, "clients": clients, "seconds": round(elapsed, 1), "think_s": think,
            "requests": len(latencies), "throughput_rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(pct(0.50), 1), "p90_ms": round(pct(0.90), 1), "p99_ms": round(pct(0.99), 1),
            "max_ms": round(ordered[-1] * 1000, 1), "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
            "errors": len(errors), "error_kinds": sorted(set(errors))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a client's requests")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--path", default="/api/v1/enterprises/{id}/dashboard")
    parser.add_argument("--fresh", action="store_true", help="drop and re-seed the bench schema")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0",
                        help="GREENMFG_REDIS_URL of the server (dashboard cache); '' for none")
    args = parser.parse_args()
    url = prepare(args.fresh)
    process, base = start_server(url, args.workers, args.redis)
    try:
        result = asyncio.run(drive(base, args.path, args.clients, args.seconds, args.think))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    result["server_workers"] = args.workers
    result["redis_cache"] = bool(args.redis)
    print(json.dumps(result, ensure_ascii=False))
    target = "✅" if result["p99_ms"] < 200 and result["errors"] == 0 else "❌"
    print(f"{result['clients']} clients × {result['seconds']} s: {result['requests']} requests, "
          f"{result['throughput_rps']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
          f"errors {result['errors']}  target p99 < 200 ms, 0 errors {target}", file=sys.stderr)


if __name__ == "__main__":
    Path(__file__).parent.joinpath("out").mkdir(exist_ok=True)
    main()
