"""Benchmark: the same accounting on local Spark beside DuckDB, at 1 M and 10 M activity rows.

Each run accounts the generated region (Parquet in) end to end — validation, accounting, results,
products and derivation lines written as Parquet — in a process of its own. Printed per engine
and size: wall time (Spark's start-up separately), CPU time of the process and of its children
(Spark's JVM is one), peak resident memory of the process plus its JVM, and the growth from the
smaller to the larger input. The results of both engines are compared, every facility-period and
category within 1e-9 relative: the plan is the same, only the engine differs.

    python bench/spark_engine.py [--sizes 5000 50000] [--months 12] [--seed 1] [--master local[*]]

``--sizes`` are numbers of enterprises (5 000 ≈ 1 M rows, 50 000 ≈ 10 M rows at 12 months).
Spark runs with ``GREENMFG_SPARK_DRIVER_MEMORY`` (default here 6g: locally the executors run in
the driver's JVM).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import accounting_10m as base

OUT = base.OUT
CATEGORIES = ("energy_tce", "total", "scope1", "scope2", "combustion", "process", "purchased_electricity",
              "purchased_heat", "exported")


def _tree_measures() -> tuple[float, float]:
    """CPU seconds of this process and its live children (Spark's JVM), and the sum of their
    peak resident memory [MB] (each process's own VmHWM)."""
    import psutil

    me = psutil.Process()
    cpu, peak = base._cpu_seconds(), base._peak_rss_mb()
    for child in me.children(recursive=True):
        try:
            times = child.cpu_times()
            cpu += times.user + times.system
            with open(f"/proc/{child.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak += int(line.split()[1]) / 1024
        except (psutil.Error, OSError):
            continue
    return cpu, peak


def run(engine: str, source: Path, master: str) -> dict[str, float]:
    from greenmfg.accounting.output import write_parquet
    from greenmfg.accounting.service import account

    target = OUT / f"engine-{engine}" / "results.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    startup = 0.0
    if engine == "spark":
        from greenmfg.accounting.engines import spark_session

        spark_session(master)
        startup = time.perf_counter() - started
    run_ = account(source, engine=engine, spark_master=master if engine == "spark" else None)
    validated = time.perf_counter()
    write_parquet(run_, target, with_lines=True)
    finished = time.perf_counter()
    cpu, peak = _tree_measures()
    import pyarrow.parquet as pq

    rows = pq.read_table(target).num_rows
    return {"seconds": finished - started, "startup_seconds": startup,
            "account_seconds": validated - started - startup, "write_seconds": finished - validated,
            "cpu_seconds": cpu, "peak_rss_mb": peak, "result_rows": rows}


def _child(engine: str, source: Path, master: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", engine, "--source", str(source), "--master", master]
    env = {**os.environ, "GREENMFG_SPARK_DRIVER_MEMORY": os.environ.get("GREENMFG_SPARK_DRIVER_MEMORY", "6g")}
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(output.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def compare() -> str:
    """Both engines' results, facility-period by facility-period: the largest relative difference."""
    import numpy as np
    import pyarrow.parquet as pq

    keys = [("enterprise_id", "ascending"), ("facility_id", "ascending"), ("period", "ascending")]
    duck = pq.read_table(OUT / "engine-duckdb" / "results.parquet").sort_by(keys)
    spark = pq.read_table(OUT / "engine-spark" / "results.parquet").sort_by(keys)
    if duck.num_rows != spark.num_rows:
        return f"DIFFERENT: {duck.num_rows} vs {spark.num_rows} facility-periods"
    for key, _ in keys:
        if duck.column(key) != spark.column(key):
            return f"DIFFERENT keys in {key}"
    worst = 0.0
    for column in CATEGORIES:
        a = duck.column(column).to_numpy(zero_copy_only=False)
        b = spark.column(column).to_numpy(zero_copy_only=False)
        scale = np.maximum(np.abs(a), np.abs(b))
        relative = np.where(scale > 1e-12, np.abs(a - b) / np.where(scale > 0, scale, 1), 0.0)
        worst = max(worst, float(relative.max(initial=0.0)))
    verdict = "same" if worst <= 1e-9 else "DIFFERENT"
    return f"{verdict}: {duck.num_rows:,} facility-periods, largest relative difference {worst:.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000], help="enterprises per run")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    parser.add_argument("--child", choices=["duckdb", "spark"])
    parser.add_argument("--source", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.source, args.master)))
        return
    import pyarrow.parquet as pq

    measured: dict[tuple[str, int], dict[str, float]] = {}
    rows: dict[int, int] = {}
    for size in args.sizes:
        source = base.generate(size, args.months, args.seed)
        rows[size] = pq.ParquetFile(source).metadata.num_rows
        for engine in args.engines:
            result = _child(engine, source, args.master)
            measured[(engine, size)] = result
            print(f"{engine:6s} {rows[size]:>11,} rows: {result['seconds']:7.1f} s wall"
                  f" (start-up {result['startup_seconds']:.1f} s, account {result['account_seconds']:.1f} s,"
                  f" write {result['write_seconds']:.1f} s), CPU {result['cpu_seconds']:7.1f} s,"
                  f" peak RSS {result['peak_rss_mb']:6.0f} MB, {result['result_rows']:,} results", flush=True)
        if set(args.engines) == {"duckdb", "spark"}:
            print(f"results, Spark against DuckDB: {compare()}", flush=True)
    small, large = min(args.sizes), max(args.sizes)
    if small != large:
        for engine in args.engines:
            a, b = measured[(engine, small)], measured[(engine, large)]
            print(f"growth {engine:6s} {rows[small]:,} → {rows[large]:,} rows (×{rows[large] / rows[small]:.1f}): "
                  f"wall ×{b['seconds'] / a['seconds']:.1f}, CPU ×{b['cpu_seconds'] / a['cpu_seconds']:.1f}, "
                  f"peak RSS ×{b['peak_rss_mb'] / a['peak_rss_mb']:.1f}")


if __name__ == "__main__":
    main()
