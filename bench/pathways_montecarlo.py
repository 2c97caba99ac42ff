"""Time 10 000 Monte Carlo draws of a province's 2025-2060 carbon-peak pathway (issue #18).

    python bench/pathways_montecarlo.py [--draws 10000] [--repeat 3]

The province is the example file ``docs/examples/pathways/province.yaml`` (steel with two routes,
cement, primary aluminium; five uncertain parameters, one correlation) with its base year moved to
2025 and its policy scenario left out: one pathway of 36 years. Prints the wall time of reading and
checking the file, of the deterministic run, and of the run with the draws (sampling, the model on
draws × years arrays, bands, peak probabilities and target probabilities). Figures go in
``docs/benchmarks.md``; no test times anything.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from greenmfg.pathways.scenario_file import read_scenario_file
from greenmfg.pathways.scenarios import run_scenarios
from greenmfg.refdata.catalog import load_catalog

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "pathways" / "province.yaml"


def province_file() -> tuple[str, bytes]:
    text = EXAMPLE.read_text(encoding="utf-8").replace("base_year: 2020", "base_year: 2025")
    head, _policies, rest = text.partition("\npolicies:")
    uncertainty = rest[rest.index("\nuncertainty:"):]
    return "province-2025.yaml", (head + uncertainty).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_catalog()   # the reference library is read once per process; not part of the figure
    source = province_file()
    read_times, plain_times, mc_times = [], [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        scenario_file = read_scenario_file(source)
        read_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_scenarios(scenario_file, draws=0)
        plain_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        run = run_scenarios(scenario_file, draws=args.draws, seed=1)
        mc_times.append(time.perf_counter() - start)
    s = run.scenarios[0]
    assert s.uncertainty is not None and s.uncertainty.draws == args.draws
    print(f"province pathway {s.years[0]}-{s.years[-1]} ({len(s.years)} years, {len(s.sectors)} sectors, "
          f"{sum(len(x.routes) for x in s.sectors)} routes, {len(scenario_file.uncertainties)} uncertain parameters)")
    print(f"read and check the file : median {statistics.median(read_times) * 1000:8.1f} ms")
    print(f"deterministic run       : median {statistics.median(plain_times) * 1000:8.1f} ms")
    print(f"run with {args.draws} draws  : median {statistics.median(mc_times) * 1000:8.1f} ms "
          f"({', '.join(f'{t * 1000:.0f}' for t in mc_times)} ms)")
    print(f"peak year 5/50/95 %: {s.uncertainty.peak_year_p5}/{s.uncertainty.peak_year_p50}/"
          f"{s.uncertainty.peak_year_p95}")


if __name__ == "__main__":
    main()
