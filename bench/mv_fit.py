"""Benchmark: daily baseline fitting (CalTRACK change-point grid search), meters per second.

Each meter has a year (365 days) of daily energy with its own heating/cooling structure and noise;
all meters share the weather of one station. ``fit_change_point_many`` fits them in batches: the
61-point balance-point grid (1891 HDD+CDD pairs, 61 HDD-only, 61 CDD-only, intercept-only) is
solved as batched closed-form OLS, then the chosen candidate of each meter is refitted exactly.
Prints the median of interleaved rounds (a shared 2-core machine) for the temperature-only and
the production-extended model, and with ``balance_point_search="continuous"`` (the grid optimum
refined by golden-section search, the model compared with OpenDSM's legacy daily model).
Target (issue #5 item 8): ≥ 50 meters/s; OpenDSM ≈ 0.4–2 s a meter.

    python bench/mv_fit.py [--meters 500] [--batch 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from greenmfg.calc import mv


def data(meters: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    d = np.arange(365)
    t = 12 - 14 * np.cos(2 * np.pi * (d - 15) / 365) + rng.normal(0, 3, 365)
    base = rng.uniform(500, 3000, (meters, 1))
    hb, cb = rng.uniform(12, 17, (meters, 1)), rng.uniform(20, 24, (meters, 1))
    prod = rng.uniform(100, 200, (meters, 365))
    e = base + 0.03 * base * np.maximum(hb - t, 0) + 0.05 * base * np.maximum(t - cb, 0) + 2 * prod
    return e * (1 + rng.normal(0, 0.05, e.shape)), t, prod


def run(e: np.ndarray, t: np.ndarray, prod: np.ndarray | None, batch: int, search: str = "grid") -> float:
    t0 = time.perf_counter()
    for i in range(0, e.shape[0], batch):
        mv.fit_change_point_many(e[i:i + batch], t, production=None if prod is None else prod[i:i + batch],
                                 balance_point_search=search)
    return e.shape[0] / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--meters", type=int, default=500)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    e, t, prod = data(args.meters)
    run(e[:args.batch], t, None, args.batch)  # warm-up (imports, allocator)
    plain, extended, single, continuous = [], [], [], []
    for _ in range(args.rounds):
        plain.append(run(e, t, None, args.batch))
        continuous.append(run(e, t, None, args.batch, "continuous"))
        extended.append(run(e, t, prod, args.batch))
        single.append(run(e[:50], t, None, 1))
    print(f"{args.meters} meters × 365 days, batches of {args.batch}, median of {args.rounds} rounds")
    print(f"  temperature only (HDD/CDD grid)   : {statistics.median(plain):8.1f} meters/s")
    print(f"  continuous balance points         : {statistics.median(continuous):8.1f} meters/s")
    print(f"  with production as a driver       : {statistics.median(extended):8.1f} meters/s")
    print(f"  one meter at a time (batch of 1)  : {statistics.median(single):8.1f} meters/s")


if __name__ == "__main__":
    main()
