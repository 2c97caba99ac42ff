"""Benchmark: ~10 million activity rows accounted end to end, Parquet in → Parquet out.

Prints wall time, CPU time and peak memory of greenmfg's run (validation + accounting + results,
products and derivation lines written; and results only) and of a plain hand-written DuckDB SQL
query doing the same joins and sums on the same file (no validation), without and with one line
per input row, so that each greenmfg run has a baseline writing the same outputs. All are
measured in the same run, each in its own process, in interleaved rounds (medians reported: the
machine is shared). Targets (issue #2): greenmfg < 60 s, peak RSS < 4 GB, ≤ 1.5 × the plain query.

    python bench/accounting_10m.py [--enterprises 50000] [--months 12] [--seed 1] [--repeat 3] [--old-plain]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).with_name("out")


def _peak_rss_mb() -> float:
    """This process's own peak resident set size [MB].

    ``getrusage(RUSAGE_SELF).ru_maxrss`` is not that in a child: Linux carries the high-water mark
    of the parent's memory over fork and exec, so every child would report at least the parent's
    peak (e.g. that of generating the input). ``VmHWM`` belongs to the process's own address
    space, which exec replaces.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: an upper bound


def _cpu_seconds() -> float:
    """CPU time of this process so far, user + system, all threads [s] (less sensitive than wall
    time to other work on a shared machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def generate(enterprises: int, months: int, seed: int) -> Path:
    folder = OUT / f"region-{enterprises}x{months}-s{seed}"
    target = folder / "activity.parquet"
    if not target.exists():
        # in a child of its own: the parent stays small, as the runs it starts should not see its memory
        subprocess.run([sys.executable, __file__, "--generate-only", "--enterprises", str(enterprises),
                        "--months", str(months), "--seed", str(seed)], check=True)
    return target


def _generate(enterprises: int, months: int, seed: int) -> None:
    from greenmfg.demo import generate_region, write_region

    folder = OUT / f"region-{enterprises}x{months}-s{seed}"
    target = folder / "activity.parquet"
    if not target.exists():
        started = time.perf_counter()
        table = generate_region(enterprises=enterprises, months=months, seed=seed)
        folder.mkdir(parents=True, exist_ok=True)
        write_region(table, folder, "parquet")
        print(f"generated {table.num_rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def run_greenmfg(source: Path, lines: bool) -> dict[str, float]:
    from greenmfg.accounting.output import write_parquet
    from greenmfg.accounting.service import account

    target = OUT / "greenmfg" / "results.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    run = account(source)
    validated = time.perf_counter()
    write_parquet(run, target, with_lines=lines)
    finished, cpu_seconds = time.perf_counter(), _cpu_seconds() - cpu_started
    rows = int(run.con.con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0])
    return {"seconds": finished - started, "cpu_seconds": cpu_seconds, "validate_seconds": validated - started,
            "write_seconds": finished - validated, "peak_rss_mb": _peak_rss_mb(), "result_rows": rows}


def run_plain_sql(source: Path, complete: bool = True, with_lines: bool = False) -> dict[str, float]:
    """The same joins and sums written by hand in DuckDB SQL (the comparison baseline).

    ``complete``: the results have what greenmfg's have but the derivation bookkeeping
    (enterprise name, industry and region keys, scopes, lines counted), and the products file is
    written too (output of each product by facility-period, with its intensities); otherwise only
    the facility-period sums, as this baseline first was (no name, industry, scopes or products).

    ``with_lines`` (with ``complete``): also one line per input row, as greenmfg's derivation lines
    carry them (row number, item, flow and region naming the parameters, quantity as given
    and converted, measured parameters, energy and CO2e), in a second pass over the file written
    with the same Parquet settings. A single pass into a temporary table first was tried and is
    much slower (10 M wide rows materialised: 11–12 s before any output).
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc

    from greenmfg.accounting.parameters import AccountingOptions, bind_parameters
    from greenmfg.refdata import load_catalog, load_vocabulary
    from greenmfg.refdata.vocabulary import FLOW_NAMES
    from greenmfg.units import conversion_factor

    target = OUT / "plain" / "results.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    con = duckdb.connect()
    con.execute("SET memory_limit = '3GB'")
    vocabulary = load_vocabulary()
    # the same name and unit resolution greenmfg does, once per distinct text
    measured = ", ncv_unit, carbon_content_unit" if complete else ""
    distinct = con.execute(f"SELECT DISTINCT item, unit{measured} FROM read_parquet('{source}')").fetchall()
    columns: dict[str, list[object]] = {name: [] for name in (
        "item_text", "unit_text", "ncv_unit_text", "cc_unit_text", "item_key", "factor", "ncv_factor", "cc_factor")}
    # measured parameters: net calorific value in GJ per unit of the item, carbon content in tC/GJ
    # (fuels) or tC per unit (carbon-bearing materials), as greenmfg converts them
    ncv_targets, cc_targets = {"fuel": "GJ/{unit}", "steam": "GJ/{unit}"}, {"fuel": "tC/GJ", "carbon_material": "tC/{unit}"}

    def to_target(unit_text: str | None, targets: dict[str, str], item_key: str) -> float | None:
        item = vocabulary.item(item_key)
        if unit_text is None or item.kind not in targets:
            return None
        return conversion_factor(unit_text, targets[item.kind].format(unit=f"({item.canonical_unit})"))

    for item_text, unit_text, *units in distinct:
        ncv_unit, cc_unit = units if complete else (None, None)
        key = vocabulary.item_names.resolve(item_text)
        for name, value in (("item_text", item_text), ("unit_text", unit_text), ("ncv_unit_text", ncv_unit),
                            ("cc_unit_text", cc_unit), ("item_key", key),
                            ("factor", conversion_factor(unit_text, vocabulary.item(key).canonical_unit)),
                            ("ncv_factor", to_target(ncv_unit, ncv_targets, key)),
                            ("cc_factor", to_target(cc_unit, cc_targets, key))):
            columns[name].append(value)
    con.register("unit_map", pa.table(columns, schema=pa.schema(
        [(n, pa.string()) for n in list(columns)[:5]] + [(n, pa.float64()) for n in list(columns)[5:]])))
    if complete:
        pairs = con.execute(f"SELECT DISTINCT region, industry FROM read_parquet('{source}')").fetchall()
        regions = sorted({(r,) for r, _ in pairs})
        industries = sorted({i for _, i in pairs})
        con.register("industry_map", pa.table({
            "industry_text": industries, "industry_key": [vocabulary.industry_names.resolve(i) for i in industries]}))
    else:
        regions = con.execute(f"SELECT DISTINCT region FROM read_parquet('{source}')").fetchall()
    con.register("region_map", pa.table({"region_text": [r[0] for r in regions],
                                         "region_key": [vocabulary.region_names.resolve(r[0]) for r in regions]}))
    years = [r[0] for r in con.execute(
        f"SELECT DISTINCT CAST(substr(CAST(period AS VARCHAR), 1, 4) AS INTEGER) FROM read_parquet('{source}')"
    ).fetchall()]
    bound = bind_parameters(vocabulary, load_catalog(), AccountingOptions(), years)
    params = bound.parameters
    if not complete:  # as first written: one set of defaults (the general tables' industries)
        params = params.filter(pc.equal(params["p_industry"], "other_manufacturing"))
    con.register("params", params)
    con.register("grid", bound.grid)
    kinds = pa.table({"k_item": list(vocabulary.items), "kind": [i.kind for i in vocabulary.items.values()],
                      "canonical_unit": [i.canonical_unit for i in vocabulary.items.values()]})
    con.register("kinds", kinds)
    flows = {spelling: key for key, names in FLOW_NAMES.items() for spelling in names}
    con.register("flow_map", pa.table({"flow_text": list(flows), "flow_key": list(flows.values())}))
    heat_ef = bound.heat_ef_tco2_per_gj
    described = ("r.enterprise_name, i.industry_key AS industry, " if complete else "")
    if complete:  # a measured value given on the row replaces the default parameter
        measured_columns = ("r.ncv * u.ncv_factor AS ncv_m, r.carbon_content * u.cc_factor AS cc_m, "
                            "r.oxidation_rate AS of_m,")
        measured_join = (" AND r.ncv_unit IS NOT DISTINCT FROM u.ncv_unit_text"
                         " AND r.carbon_content_unit IS NOT DISTINCT FROM u.cc_unit_text")
        formula = {"coef": "(CASE WHEN a.kind <> 'electricity' AND a.ncv_m IS NOT NULL THEN a.ncv_m / 29.3076 "
                           "ELSE p.coef END)",
                   "ncv": "coalesce(a.ncv_m, p.ncv)", "cc": "coalesce(a.cc_m, p.cc)", "of": "coalesce(a.of_m, p.of)",
                   "heat_content": "coalesce(a.ncv_m, p.heat_content)",
                   "process_ef": "(CASE WHEN a.cc_m IS NOT NULL THEN a.cc_m * 44/12 ELSE p.process_ef END)"}
    else:  # as first written: default parameters only
        measured_columns = measured_join = ""
        formula = {"coef": "p.coef", "ncv": "p.ncv", "cc": "p.cc", "of": "p.of", "heat_content": "p.heat_content",
                   "process_ef": "p.process_ef"}
    industry_join = "JOIN industry_map i ON r.industry = i.industry_text" if complete else ""
    industry_on = " AND p.p_industry = a.industry" if complete else ""
    lines = f"""
      WITH a AS (
        SELECT r.enterprise_id, {described}r.facility_id, r.period, u.item_key AS item, k.kind, f.flow_key AS flow,
               r.quantity * u.factor AS q, g.region_key AS region, {measured_columns}
               CAST(substr(CAST(r.period AS VARCHAR), 1, 4) AS INTEGER) AS year,
               CASE WHEN f.flow_key = 'exported' THEN -1.0 ELSE 1.0 END AS s
        FROM read_parquet('{source}') r
        JOIN unit_map u ON r.item = u.item_text AND r.unit = u.unit_text{measured_join}
        JOIN flow_map f ON r.flow = f.flow_text
        JOIN region_map g ON r.region = g.region_text
        JOIN kinds k ON k.k_item = u.item_key
        {industry_join}
      ), l AS (
        SELECT a.*, p.*, gr.grid_ef,
          CASE WHEN a.kind IN ('fuel','electricity','heat','steam','working_medium')
                AND a.flow IN ('consumed','purchased','feedstock','exported') THEN a.s * a.q * {formula['coef']} ELSE 0 END AS e,
          CASE
            WHEN a.kind = 'fuel' AND a.flow IN ('consumed','purchased','exported') THEN a.s * a.q * {formula['ncv']} * {formula['cc']} * {formula['of']} * 44/12
            WHEN a.kind = 'fuel' AND a.flow = 'feedstock' THEN a.q * {formula['ncv']} * {formula['cc']} * 44/12
            WHEN a.kind = 'electricity' THEN a.s * a.q * gr.grid_ef
            WHEN a.kind IN ('heat','steam') THEN a.s * a.q * {formula['heat_content']} * {heat_ef}
            WHEN a.kind IN ('carbonate','carbon_material') AND a.flow = 'process' THEN a.q * {formula['process_ef']}
            WHEN a.flow = 'produced' THEN a.q * (coalesce(p.output_ef, 0) - coalesce(p.fixed_ef, 0))
            ELSE 0 END AS c,
          CASE
            WHEN a.kind = 'fuel' AND a.flow IN ('consumed','purchased','exported') THEN 'combustion'
            WHEN a.kind = 'fuel' OR a.flow IN ('process','produced') THEN 'process'
            WHEN a.flow = 'exported' THEN 'exported'
            WHEN a.kind = 'electricity' THEN 'purchased_electricity'
            ELSE 'purchased_heat' END AS category
        FROM a JOIN params p ON p.p_item = a.item{industry_on}
        JOIN grid gr ON gr.g_region = a.region AND gr.g_year = a.year
      )"""
    sums = """
             sum(e::DECIMAL(38,10))::DOUBLE AS energy_tce,
             sum(c::DECIMAL(38,10))::DOUBLE AS total,
             sum(c::DECIMAL(38,10)) FILTER (WHERE category = 'combustion')::DOUBLE AS combustion,
             sum(c::DECIMAL(38,10)) FILTER (WHERE category = 'process')::DOUBLE AS process,
             sum(c::DECIMAL(38,10)) FILTER (WHERE category = 'purchased_electricity')::DOUBLE AS purchased_electricity,
             sum(c::DECIMAL(38,10)) FILTER (WHERE category = 'purchased_heat')::DOUBLE AS purchased_heat,
             sum(c::DECIMAL(38,10)) FILTER (WHERE category = 'exported')::DOUBLE AS exported"""
    if not complete:
        con.execute(f"""
        COPY ({lines}
          SELECT enterprise_id, facility_id, period, {sums}
          FROM l GROUP BY ALL ORDER BY ALL
        ) TO '{target}' (FORMAT parquet)
        """)
    else:
        # one pipeline from the file to the results, as the sums-only query; the products read
        # the facility totals back from the results just written (2 million rows, a fraction of a second)
        con.execute(f"""
        COPY ({lines}, t AS (
          SELECT enterprise_id, enterprise_name, industry, region, facility_id, period, {sums},
                 count(*) AS lines
          FROM l GROUP BY ALL)
          SELECT * EXCLUDE (lines), coalesce(combustion, 0) + coalesce(process, 0) AS scope1,
                 coalesce(purchased_electricity, 0) + coalesce(purchased_heat, 0) AS scope2, lines
          FROM t ORDER BY enterprise_id, facility_id, period
        ) TO '{target}' (FORMAT parquet)
        """)
        con.execute(f"""
        COPY (
          WITH p AS (
            SELECT r.enterprise_id, r.facility_id, r.period, u.item_key AS product, k.canonical_unit AS unit,
                   sum((r.quantity * u.factor)::DECIMAL(38,10))::DOUBLE AS quantity
            FROM read_parquet('{source}') r
            JOIN unit_map u ON r.item = u.item_text AND r.unit = u.unit_text{measured_join}
            JOIN flow_map f ON r.flow = f.flow_text
            JOIN kinds k ON k.k_item = u.item_key
            WHERE f.flow_key = 'produced'
            GROUP BY ALL
          )
          SELECT p.*, t.energy_tce * 1000 / p.quantity AS energy_intensity, 'kgce/' || p.unit AS energy_intensity_unit,
                 t.total / p.quantity AS emission_intensity, 'tCO2e/' || p.unit AS emission_intensity_unit,
                 count(*) OVER (PARTITION BY p.enterprise_id, p.facility_id, p.period) AS products_in_facility
          FROM p JOIN read_parquet('{target}') t USING (enterprise_id, facility_id, period)
          ORDER BY enterprise_id, facility_id, period, product
        ) TO '{target.with_suffix(".products.parquet")}' (FORMAT parquet)
        """)
    if complete and with_lines:
        numbered = lines.replace(f"read_parquet('{source}') r", f"read_parquet('{source}', file_row_number = true) r")
        numbered = numbered.replace("SELECT r.enterprise_id,", "SELECT r.file_row_number AS row, r.quantity AS q_input, "
                                    "r.enterprise_id,", 1)
        con.execute(f"""
        COPY ({numbered}
          SELECT row, item, flow, region, q_input, q, ncv_m, cc_m, of_m, e AS energy_tce, c AS co2e_t FROM l
        ) TO '{target.with_suffix(".lines.parquet")}' (FORMAT parquet, DICTIONARY_SIZE_LIMIT 1)
        """)
    seconds, cpu_seconds = time.perf_counter() - started, _cpu_seconds() - cpu_started
    rows = int(con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0])
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": _peak_rss_mb(), "result_rows": rows}


#: the runs: what each child does
MODES = {
    "plain": "plain DuckDB SQL: results + products (greenmfg's outputs but the derivation lines)",
    "plain-lines": "plain DuckDB SQL: results + products + one line per input row",
    "lines": "greenmfg: results + products + derivation lines and parameter sets",
    "results": "greenmfg: results + products (--no-lines)",
    "plain-sums-only": "plain DuckDB SQL as first written: facility-period sums only, default parameters only",
}


def _child(mode: str, source: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", mode, "--source", str(source)]
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _run_child(mode: str, source: Path) -> dict[str, float]:
    if mode in ("lines", "results"):
        return run_greenmfg(source, mode == "lines")
    return run_plain_sql(source, complete=mode != "plain-sums-only", with_lines=mode == "plain-lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the runs, interleaved")
    parser.add_argument("--child", choices=list(MODES))
    parser.add_argument("--old-plain", action="store_true",
                        help="also time the plain query as it first was (facility-period sums only, no products)")
    parser.add_argument("--source", type=Path)
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        _generate(args.enterprises, args.months, args.seed)
        return
    if args.child:
        print(json.dumps(_run_child(args.child, args.source)))
        return
    source = generate(args.enterprises, args.months, args.seed)
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(source).metadata.num_rows
    # interleaved rounds: on a shared machine the load changes; medians of the same rounds compare
    modes = [m for m in MODES if args.old_plain or m != "plain-sums-only"]
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    for _ in range(args.repeat):
        for mode in modes:
            runs[mode].append(_child(mode, source))

    def median(mode: str, key: str = "seconds") -> float:
        return statistics.median(r[key] for r in runs[mode])

    def peak(mode: str) -> float:
        return max(r["peak_rss_mb"] for r in runs[mode])

    print(f"input: {rows:,} activity rows ({source.stat().st_size / 1e6:.0f} MB parquet); "
          f"median of {args.repeat} interleaved rounds, all runs [s]: " + "; ".join(
              f"{m} " + " ".join(f"{r['seconds']:.1f}" for r in v) for m, v in runs.items()))
    for mode in modes:
        split = (f" (account {median(mode, 'validate_seconds'):.1f} s, write {median(mode, 'write_seconds'):.1f} s)"
                 if "validate_seconds" in runs[mode][0] else "")
        print(f"{mode:16s} {median(mode):6.1f} s{split}, CPU {median(mode, 'cpu_seconds'):5.1f} s, peak RSS {peak(mode):6.0f} MB, "
              f"{runs[mode][0]['result_rows']:,} results: {MODES[mode]}")
    plain, plain_lines = median("plain"), median("plain-lines")
    lines, results = median("lines"), median("results")
    print(f"ratio greenmfg/plain, like for like: {results / plain:.2f} (results + products), "
          f"{lines / plain_lines:.2f} (with lines)")
    print(f"ratio greenmfg with lines / plain without lines: {lines / plain:.2f}")
    cpu = {m: median(m, "cpu_seconds") for m in ("plain", "plain-lines", "lines", "results")}
    print(f"CPU-time ratios, like for like: {cpu['results'] / cpu['plain']:.2f} (results + products), "
          f"{cpu['lines'] / cpu['plain-lines']:.2f} (with lines)")
    if args.old_plain:
        old = median("plain-sums-only")
        print(f"ratio to the plain query as first written: {lines / old:.2f} (with lines), "
              f"{results / old:.2f} (results only)")


if __name__ == "__main__":
    main()
