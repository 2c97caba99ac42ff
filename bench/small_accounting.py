"""Benchmark: one enterprise-year accounted in memory, the platform's everyday run.

Prints wall and CPU time of ``account_table`` + ``result_document`` (the JSON document with every
derivation line) for one demo enterprise × 12 months (about 130 rows): the first call in a fresh
process (plans compiled) and warm calls (plans reused), beside a plain hand-written DuckDB query
on an open connection that sums the same rows by facility-period with the reference values already
loaded (the floor: no validation, no lines, no provenance). Medians of ``--repeat`` calls; the first
call is measured in ``--processes`` fresh processes, the first of them with an empty plan folder
(``GREENMFG_PLAN_CACHE``: every plan compiled), the others with the plans it left on disk; the
import of the engine (``from greenmfg.accounting import account_table``, which loads Ibis and its
DuckDB backend) is printed apart, as it comes before the first call. Targets
(issue #11): warm ≤ 30 × the plain query; first call in a process ≤ 3 × warm.

    python bench/small_accounting.py [--repeat 30] [--processes 5] [--enterprises 1] [--months 12]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _region(enterprises: int, months: int) -> Any:
    from greenmfg.demo import generate_region

    return generate_region(enterprises=enterprises, months=months, seed=1)


def _timed(call: Any) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    call()
    return time.perf_counter() - wall, _cpu() - cpu


def greenmfg_calls(table: Any, repeat: int) -> dict[str, Any]:
    wall, cpu = time.perf_counter(), _cpu()
    from greenmfg.accounting import account_table, result_document  # the engine's import

    imported = (time.perf_counter() - wall, _cpu() - cpu)

    def once() -> None:
        document = result_document(account_table(table))
        assert document["results"]

    first = _timed(once)
    warm = [_timed(once) for _ in range(repeat)]
    return {"import": imported, "first": first, "warm": warm}


def plain_calls(table: Any, repeat: int) -> list[tuple[float, float]]:
    """Facility-period energy and CO2 by category, by hand, on an open connection."""
    import duckdb
    import pyarrow as pa

    from greenmfg.accounting.parameters import AccountingOptions, bind_parameters
    from greenmfg.refdata import load_catalog, load_vocabulary
    from greenmfg.refdata.vocabulary import FLOW_NAMES
    from greenmfg.units import conversion_factor

    vocabulary = load_vocabulary()
    con = duckdb.connect()
    items = sorted({(i, u) for i, u in zip(table.column("item").to_pylist(), table.column("unit").to_pylist(),
                                           strict=True)})
    keys = [vocabulary.item_names.resolve(i) for i, _ in items]
    con.register("unit_map", pa.table({
        "item_text": [i for i, _ in items], "unit_text": [u for _, u in items], "item_key": keys,
        "factor": [conversion_factor(u, vocabulary.item(k).canonical_unit) for (_, u), k in zip(items, keys, strict=True)],
        "kind": [vocabulary.item(k).kind for k in keys]}))
    flows = {spelling: key for key, names in FLOW_NAMES.items() for spelling in names}
    con.register("flow_map", pa.table({"flow_text": list(flows), "flow_key": list(flows.values())}))
    regions = sorted(set(table.column("region").to_pylist()))
    con.register("region_map", pa.table({"region_text": regions,
                                         "region_key": [vocabulary.region_names.resolve(r) for r in regions]}))
    industries = sorted(set(table.column("industry").to_pylist()))
    con.register("industry_map", pa.table({"industry_text": industries,
                                           "industry_key": [vocabulary.industry_names.resolve(i) for i in industries]}))
    years = sorted({int(str(p)[:4]) for p in table.column("period").to_pylist()})
    bound = bind_parameters(vocabulary, load_catalog(), AccountingOptions(), years)
    con.register("params", bound.parameters)
    con.register("grid", bound.grid)
    query = f"""
      WITH a AS (
        SELECT r.enterprise_id, r.facility_id, r.period, u.item_key AS item, u.kind, f.flow_key AS flow,
               CAST(r.quantity AS DOUBLE) * u.factor AS q, g.region_key AS region, i.industry_key AS industry,
               CAST(substr(CAST(r.period AS VARCHAR), 1, 4) AS INTEGER) AS year,
               CASE WHEN f.flow_key = 'exported' THEN -1.0 ELSE 1.0 END AS s
        FROM rows r JOIN unit_map u ON r.item = u.item_text AND r.unit = u.unit_text
        JOIN flow_map f ON r.flow = f.flow_text JOIN region_map g ON r.region = g.region_text
        JOIN industry_map i ON r.industry = i.industry_text)
      SELECT enterprise_id, facility_id, period,
        sum(CASE WHEN a.kind IN ('fuel','electricity','heat','steam','working_medium')
                 AND a.flow IN ('consumed','purchased','feedstock','exported') THEN a.s * a.q * p.coef ELSE 0 END) AS energy_tce,
        sum(CASE WHEN a.kind = 'fuel' AND a.flow IN ('consumed','purchased','exported') THEN a.s * a.q * p.ncv * p.cc * p.of * 44/12
                 WHEN a.kind = 'fuel' AND a.flow = 'feedstock' THEN a.q * p.ncv * p.cc * 44/12
                 WHEN a.kind = 'electricity' THEN a.s * a.q * gr.grid_ef
                 WHEN a.kind IN ('heat','steam') THEN a.s * a.q * p.heat_content * {bound.heat_ef_tco2_per_gj}
                 WHEN a.kind IN ('carbonate','carbon_material') AND a.flow = 'process' THEN a.q * p.process_ef
                 WHEN a.flow = 'produced' THEN a.q * (coalesce(p.output_ef, 0) - coalesce(p.fixed_ef, 0))
                 ELSE 0 END) AS co2e_t
      FROM a JOIN params p ON p.p_item = a.item AND p.p_industry = a.industry
      JOIN grid gr ON gr.g_region = a.region AND gr.g_year = a.year
      GROUP BY ALL ORDER BY ALL"""

    def once() -> None:
        con.register("rows", table)
        assert con.sql(query).to_arrow_table().num_rows

    once()
    return [_timed(once) for _ in range(repeat)]


def _median(pairs: list[tuple[float, float]], index: int) -> float:
    return statistics.median(p[index] for p in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--enterprises", type=int, default=1)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    table = _region(args.enterprises, args.months)
    if args.child:  # a fresh process: its first call compiles the plans
        print(json.dumps(greenmfg_calls(table, 3)))
        return
    firsts, imports = [], []
    with tempfile.TemporaryDirectory(prefix="greenmfg-plans-") as folder:
        for _ in range(args.processes):
            out = subprocess.run([sys.executable, __file__, "--child", "--enterprises", str(args.enterprises),
                                  "--months", str(args.months)], check=True, capture_output=True, text=True,
                                 env={**os.environ, "GREENMFG_PLAN_CACHE": folder})
            child = json.loads(out.stdout.strip().splitlines()[-1])
            firsts.append(tuple(child["first"]))
            imports.append(tuple(child["import"]))
    cold, from_disk = firsts[:1], firsts[1:] or firsts[:1]
    warm = greenmfg_calls(table, args.repeat)["warm"]
    plain = plain_calls(table, args.repeat)
    load = os.getloadavg()
    print(f"{table.num_rows} rows ({args.enterprises} enterprise × {args.months} months); "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; medians")
    print(f"{'run':<46} {'wall ms':>9} {'CPU ms':>9}")
    rows = [("plain DuckDB query, open connection", plain),
            ("greenmfg warm: account_table + result_document", warm),
            ("first call in a process, plans compiled", cold),
            ("first call in a process, plans from disk", from_disk),
            ("(before it: the engine's import, fresh process)", imports)]
    for label, pairs in rows:
        print(f"{label:<46} {_median(pairs, 0) * 1000:>9.1f} {_median(pairs, 1) * 1000:>9.1f}")
    print(f"warm ÷ plain: {_median(warm, 0) / _median(plain, 0):.0f}× wall, "
          f"{_median(warm, 1) / _median(plain, 1):.0f}× CPU (target ≤ 30×)")
    for label, pairs in (("compiled", cold), ("from disk", from_disk)):
        print(f"first ({label}) ÷ warm: {_median(pairs, 0) / _median(warm, 0):.1f}× wall, "
              f"{_median(pairs, 1) / _median(warm, 1):.1f}× CPU (target ≤ 3×)")


if __name__ == "__main__":
    main()
