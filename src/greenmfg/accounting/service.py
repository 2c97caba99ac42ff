"""The accounting service: input file(s) + reference data + options → results with provenance."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeAlias

import duckdb
import ibis
import ibis.backends.duckdb
import ibis.expr.types as ir
import pyarrow as pa

from greenmfg import __version__
from greenmfg.accounting import engines
from greenmfg.accounting.parameters import AccountingOptions, BoundParameters, bind_parameters
from greenmfg.accounting.plans import Planner, plan_fingerprint
from greenmfg.accounting.reader import (
    ActivitySource,
    InputFile,
    SourceInput,
    read_activity,
    read_table,
)
from greenmfg.accounting.screening import (
    canonical_ids,
    distinct_spellings,
    may_have_cross_row_issues,
    may_have_duplicates,
    read_screen,
    screen_activity,
    screen_aggregates,
    with_key_codes,
    with_keys,
)
from greenmfg.accounting.validation import stripped, validate_activity
from greenmfg.calc.accounting import (
    activity_lines,
    facility_products,
    facility_sums,
    facility_totals,
    method_choice,
    parameter_sets,
    regroup_sums,
)
from greenmfg.refdata.catalog import Catalog, load_catalog
from greenmfg.refdata.vocabulary import Vocabulary, load_vocabulary

__all__ = ["AccountingRun", "Engine", "InputFile", "account", "account_table", "connect"]

#: what runs the plans: ``"duckdb"`` (in-process, the default), ``"spark"``, or an open Ibis backend
#: (DuckDB or PySpark)
Engine: TypeAlias = str | ibis.BaseBackend

#: Ibis's DuckDB backend, loaded with the engine rather than by the first run (loading it, with
#: Ibis's SQL compilers, is ≈ 0.13 s)
_DUCKDB = ibis.duckdb


#: the memory limit of the in-memory database the runs of inputs held in memory share
_SHARED_MEMORY_LIMIT = "3GB"


def _shared_database() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB database: runs open connections (cursors) to it. A forked
    child opens its own (a DuckDB database does not survive a fork)."""
    return _database_of_process(os.getpid())


@functools.cache
def _database_of_process(pid: int) -> duckdb.DuckDBPyConnection:
    database = duckdb.connect()
    database.execute(f"SET memory_limit = '{_SHARED_MEMORY_LIMIT}'")
    database.execute("SET preserve_insertion_order = false")
    return database


def connect(*, memory_limit: str = _SHARED_MEMORY_LIMIT, threads: int | None = None, in_memory: bool = False) -> ibis.BaseBackend:
    """An in-process DuckDB backend for one run, on a temporary database file.

    Working tables are stored compressed in that file and memory stays bounded (DuckDB spills
    beyond ``memory_limit``); the folder is removed when the connection is garbage-collected.
    ``in_memory``: no file (for inputs already held in memory, which are small: uploads, stored
    rows of an enterprise): with the default limit and threads, a connection of its own to the
    process's in-memory database, shared by such runs (and by the limit).
    """
    if in_memory and memory_limit == _SHARED_MEMORY_LIMIT and not threads:
        # a connection of its own (its registered inputs, temporary tables and views are its own)
        # to the process's in-memory database: opening a database costs ≈ 30 ms, a connection ≈ 1
        return ibis.backends.duckdb.Backend.from_connection(_shared_database().cursor())
    if in_memory:
        con = _DUCKDB.connect()
    else:
        folder = tempfile.mkdtemp(prefix="greenmfg-")
        con = _DUCKDB.connect(database=str(Path(folder) / "run.duckdb"))
        weakref.finalize(con, shutil.rmtree, folder, True)
    con.raw_sql(f"SET memory_limit = '{memory_limit}'")
    con.raw_sql("SET preserve_insertion_order = false")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con


@dataclass
class AccountingRun:
    """A validated, bound accounting run. Tables are lazy Ibis expressions on ``con``.

    ``parameter_sets`` has one row per parameter set (see
    :func:`greenmfg.calc.accounting.parameter_sets`); ``source_lines`` is the derivation lines as
    the rows of the input they come from (``_file_id``: the place of the file in ``inputs``,
    ``_row``) with their ``parameter_set`` but without identifiers, which :attr:`lines` has.
    """

    con: ibis.BaseBackend
    options: AccountingOptions
    totals: ir.Table
    products: ir.Table
    parameter_sets: ir.Table
    bound: BoundParameters
    catalog: Catalog
    vocabulary: Vocabulary
    #: the files or tables read (rows carry ``_file_id``, the index here)
    inputs: list[SourceInput]
    #: the input rows as read, located (``_file``, ``_sheet``, ``_row``), every column as text
    source: ir.Table
    #: runs the run's queries from the process's compiled plans
    planner: Planner = field(repr=False)
    source_lines_plan: Callable[[], ir.Table] = field(repr=False)
    lines_plan: Callable[[], ir.Table] = field(repr=False)
    #: the identifiers were canonical as read (part of the lines' plan)
    ids_canonical: bool = True
    #: the lines are read from the run's table of them (inputs held in memory), not computed by the plans
    #: that read them (part of those plans' keys)
    lines_kept: bool = False
    #: the industries of the input (their methodologies are in the provenance)
    industries: tuple[str, ...] = ()
    run_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @cached_property
    def lines(self) -> ir.Table:
        """One derivation line per input row, with its facility, period and parameters used."""
        # made only when lines are asked for: a table where the run keeps its lines (read several
        # times: the document, the benchmark's context), else a view (computed when read)
        stage = ("lines", self.ids_canonical, self.lines_kept)
        if self.lines_kept:
            return self.planner.table("greenmfg_lines_kept", stage, self.lines_plan)
        return self.planner.view("greenmfg_lines", stage, self.lines_plan)

    @cached_property
    def source_lines(self) -> ir.Table:
        """The derivation lines as the input rows they come from (``_file_id``, ``_row``)."""
        # the plan joins the facility-period's method choice by canonical identifiers
        return self.planner.view("greenmfg_source_lines", ("source_lines", self.ids_canonical, self.lines_kept),
                                 self.source_lines_plan)

    def provenance(self) -> dict[str, object]:
        """What produced these numbers: version, datasets with sha256, options, inputs, UTC time."""
        datasets = []
        for dataset_id in self.options.reference_dataset_ids(self.catalog):
            info = self.catalog.dataset(dataset_id).info
            datasets.append({
                "id": info.id, "title": info.title, "title_zh": info.title_zh, "edition": info.edition,
                "publisher": info.publisher, "sha256": info.sha256,
            })
        return {
            "greenmfg_version": __version__,
            "run_at_utc": self.run_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "options": self.options.as_dict(),
            "datasets": datasets,
            # the methodology whose default fuel parameters each industry's lines use
            "methodologies": {i: self.bound.methodologies[i].as_dict()
                              for i in self.industries if i in self.bound.methodologies},
            # per data year: the year of the electricity factor used and its dataset
            "grid_factor": {"rule": self.options.grid_factor_year, "years": {
                str(year): {"factor_year": self.bound.grid_years[year], "dataset": dataset}
                for year, dataset in sorted(self.bound.grid_datasets.items())}},
            "inputs": [{"file": i.name, "sheet": i.sheet, "sha256": i.sha256()} for i in self.inputs],
            "units": {"energy": "tce", "emissions": "tCO2e"},
        }


def _engine(engine: Engine | None, spark_master: str | None = None, *, in_memory: bool = False) -> ibis.BaseBackend:
    """The backend of one run: a new DuckDB database (in memory for inputs held in memory), a child
    session of the process's Spark (master: ``spark_master``, else ``$GREENMFG_SPARK_MASTER``, else
    ``local[*]``), or the open backend given."""
    if engine is None or engine == "duckdb":
        return connect(in_memory=in_memory)
    if engine == "spark":
        return engines.spark_backend(spark_master)
    if isinstance(engine, ibis.BaseBackend):
        return engines.adopt(engine)
    raise ValueError(f"unknown engine {engine!r}: use 'duckdb', 'spark' or an Ibis backend")


def account(path: str | Path | InputFile, options: AccountingOptions | None = None, *,
            engine: Engine | None = None, spark_master: str | None = None,
            check: Callable[[ActivitySource], None] | None = None) -> AccountingRun:
    """Validate the activity data at ``path`` (a file or a folder of files, or an uploaded file's
    bytes as an :class:`~greenmfg.accounting.reader.InputFile`) and build the accounting plan on
    ``engine``: ``"duckdb"`` (the default), ``"spark"`` (on ``spark_master``; ``path`` may then be
    any path Spark reads: ``hdfs://…``, ``s3a://…``) or an open Ibis backend. ``check`` sees the
    rows as read before they are validated (the platform's: they belong to the enterprise they
    are uploaded for) and raises what it finds.

    Nothing is computed when any input row is bad: :class:`~greenmfg.errors.ValidationFailed`
    lists the located issues.

    Raises
    ------
    InputError
        The input cannot be read.
    ValidationFailed
        Any row is invalid.
    DatasetError
        A selected reference dataset is unknown or malformed.
    """
    options = _checked(options)
    con = _engine(engine, spark_master, in_memory=isinstance(path, InputFile))
    if engines.is_spark(con):
        return _account(engines.read_activity(path, con), options, check)
    return _account(read_activity(path if isinstance(path, InputFile) else Path(path), con), options, check,
                    materialise=isinstance(path, InputFile))


def account_table(table: pa.Table | ir.Table, options: AccountingOptions | None = None, *,
                  engine: Engine | None = None, name: str = "table",
                  spark_master: str | None = None,
                  check: Callable[[ActivitySource], None] | None = None) -> AccountingRun:
    """Validate and account activity rows held in memory: a :class:`pyarrow.Table` or an Ibis table.

    The table has the template's columns (English or Chinese headers; quantities as numbers or
    text), optionally ``_file``, ``_sheet`` and ``_row`` saying where each row came from (else
    rows are numbered from 1 and errors name ``name``). Everything else is as :func:`account`.
    """
    options = _checked(options)
    con = _engine(engine, spark_master, in_memory=True)
    if engines.is_spark(con):
        return _account(engines.read_table(table, con, name=name), options, check)
    return _account(read_table(table, con, name=name), options, check, materialise=True)


def _checked(options: AccountingOptions | None) -> AccountingOptions:
    """The options, once every dataset they select is known and well formed (else DatasetError)."""
    options = options or AccountingOptions()
    catalog = load_catalog()
    for dataset_id in options.reference_dataset_ids(catalog):
        catalog.dataset(dataset_id)
    return options


def _account(source: ActivitySource, options: AccountingOptions,
             check: Callable[[ActivitySource], None] | None = None, *, materialise: bool = False) -> AccountingRun:
    if check is not None:
        check(source)
    con = source.con
    catalog = load_catalog()
    vocabulary = load_vocabulary()
    if source.issues:  # header problems (two columns meaning one field …): no row screen would see them
        validate_activity(source, vocabulary)  # raises ValidationFailed listing them with any row issues
    fingerprint = plan_fingerprint(catalog)
    planner = Planner(con, (json.dumps(options.as_dict(), sort_keys=True), fingerprint))
    # Fast path: the rules are evaluated on every row in the same pass that sums the results;
    # only when a screen may have caught something does the detailed check run, to locate and
    # list every issue (and raise).
    screened = screen_activity(source, vocabulary,
                               lines=planner.arrow("distinct_lines", lambda: distinct_spellings(source)[0]),
                               keys=planner.arrow("distinct_keys", lambda: distinct_spellings(source)[1]),
                               put=planner.put)
    bound = _bound(vocabulary, catalog, options, tuple(screened.years), fingerprint)
    parameters = planner.put("greenmfg_parameters", bound.parameters)
    grid = planner.put("greenmfg_grid", bound.grid)
    electricity = planner.put("greenmfg_electricity", bound.electricity)
    methods = planner.put("greenmfg_methods", bound.methods) if bound.methods is not None else None

    def sets_of(keys: ir.Table) -> ir.Table:
        return parameter_sets(keys, parameters, grid, electricity,
                              heat_ef_tco2_per_gj=bound.heat_ef_tco2_per_gj, heat_ef_ref=bound.heat_ef_ref,
                              equal_value_basis=options.electricity_basis == "equal-value")

    sets = _parameter_sets(planner, screened.maps.set_keys_arrow, screened.set_keys, sets_of)
    words = screened.duplicate_words

    # Inputs held in memory are small: their derivation lines are computed once into a table that
    # the sums, the lines and the products then read. DuckDB plans each statement afresh, and
    # planning the long chain of lookups, rules and formulas took longer than running it (≈ 40 ms
    # per stage that read it, for an enterprise-year); a file (up to national scale) streams
    # through the plans instead, its lines never held.
    computed = (planner.table("greenmfg_activity_lines", ("activity_lines", words),
                              lambda: activity_lines(screened.activity, sets, methods))
                if materialise and planner.cached else None)
    bookkeeping = ("_failing", *(f"_dup_{w}" for w in range(words)))

    def summed() -> ir.Table:
        # grouped by industry, region and period numbers (cheaper), named again at the end
        rows = with_key_codes(computed if computed is not None else activity_lines(screened.activity, sets, methods))
        return facility_sums(rows, method_ranks=bound.method_ranks, extra=screen_aggregates(screened, rows))

    def valid_lines() -> ir.Table:
        """The lines of the valid input, before the method choice (as read: identifiers not stripped)."""
        if computed is not None:
            return computed.drop(*bookkeeping)
        return activity_lines(screened.valid(), sets, methods)

    def produced() -> ir.Table:
        if computed is not None:
            lines = computed.filter(computed.flow == "produced")
            return lines.select("enterprise_id", "enterprise_name", "facility_id", "item", "flow", "unit", "quantity",
                                *(c for c in lines.columns if c.endswith("_code") and c.startswith("_")))
        return screened.produced()

    kept = "kept" if computed is not None else "streamed"
    coded = planner.table("greenmfg_facility_sums", ("facility_sums", words, kept), summed)
    screen = read_screen(screened, coded, planner)
    if screen.failing_rows:
        validate_activity(source, vocabulary, maps=screened.maps, planner=planner)  # raises ValidationFailed
    ids = screen.ids_canonical

    def canonical(t: ir.Table) -> ir.Table:
        return t if ids else canonical_ids(t)

    def _source_lines(lines: ir.Table) -> ir.Table:
        # the lines as read; the method chosen for their facility-period is keyed by canonical ids
        keys = None if ids else {c: stripped(lines[c]) for c in ("enterprise_id", "facility_id")}
        return method_choice(lines, coded_totals, keys=keys)

    if not ids:  # rare: identifiers with spaces around them
        sums = coded
        coded = planner.table("greenmfg_facility_sums_canonical", "facility_sums_canonical",
                              lambda: regroup_sums(canonical(sums)))
    # a run that keeps its lines keeps what is read of it several times in tables too (each read then
    # plans a scan, not the chain of views below); a file's run makes views (computed when read)
    def keep(name: str, stage: Hashable, build: Callable[[], ir.Table]) -> ir.Table:
        # (tables and views of their own names: one engine may serve both kinds of run)
        if computed is not None:
            return planner.table(f"{name}_kept", stage, build)
        return planner.view(name, stage, build)

    coded_totals = keep("greenmfg_coded_totals", ("coded_totals", ids, kept), lambda: facility_totals(coded))
    if (may_have_cross_row_issues(screened, screen, coded_totals)
            or ((screen.duplicates_suspected or not ids) and may_have_duplicates(screened))):
        # raises ValidationFailed, unless the screen's alarm was false
        validate_activity(source, vocabulary, maps=screened.maps, planner=planner)
    # views (tables for a run that keeps its lines): each plan compiled once; output queries stay small
    chosen = [c for c in coded_totals.columns if c.startswith("_chosen_")]
    totals = keep("greenmfg_totals", ("totals", kept), lambda: with_keys(screened, coded_totals.drop(*chosen)))
    products = keep("greenmfg_products", ("products", ids, kept), lambda: with_keys(
        screened, facility_products(with_key_codes(canonical(produced())), coded_totals)))
    return AccountingRun(
        con=con, options=options, totals=totals, products=products, parameter_sets=sets,
        bound=bound, catalog=catalog, vocabulary=vocabulary, inputs=source.inputs, source=source.table,
        planner=planner, source_lines_plan=lambda: _source_lines(valid_lines()),
        lines_plan=lambda: method_choice(canonical(valid_lines()), coded_totals),
        ids_canonical=ids, lines_kept=computed is not None, industries=tuple(screened.maps.keys["industry"]),
    )


#: parameter-set rows already computed, by plan context and the set's key (its number left out)
_SET_ROWS: dict[Hashable, tuple[pa.Schema, dict[tuple[object, ...], dict[str, object]]]] = {}
_SET_ROWS_LOCK = threading.Lock()
#: inputs with more parameter sets than this compute them in the engine, without the memo
_SET_MEMO_ROWS = 50_000


def _parameter_sets(planner: Planner, keys: pa.Table, keys_table: ir.Table,
                    sets_of: Callable[[ir.Table], ir.Table]) -> ir.Table:
    """The run's parameter sets (:func:`~greenmfg.calc.accounting.parameter_sets` of its set keys).

    A parameter set is a function of its key (item, flow, units, region, year, what was measured),
    the options and the reference data alone: rows computed for one run are kept per plan context
    and a later run computes only keys not seen before (a run of an enterprise like the last
    computes none), then numbers them as its own keys are numbered.
    """
    if keys.num_rows > _SET_MEMO_ROWS or not planner.cached or keys.num_rows == 0:
        # (no keys: every row failed a check; the empty table still needs the engine's column types, which
        # a first run in a process has no memo to take from)
        return planner.table("greenmfg_parameter_sets", ("parameter_sets", "all"), lambda: sets_of(keys_table))
    names = [n for n in keys.column_names if n != "parameter_set"]
    rows = keys.to_pylist()
    with _SET_ROWS_LOCK:
        schema, memo = _SET_ROWS.get(planner.context, (None, {}))
        missing = [r for r in rows if tuple(r[n] for n in names) not in memo]
    if missing:
        new = planner.put("greenmfg_set_keys_new", pa.Table.from_pylist(missing, schema=keys.schema), keyed=False)
        computed = planner.arrow(("parameter_sets", "new"), lambda: sets_of(new))
        with _SET_ROWS_LOCK:
            schema, memo = _SET_ROWS.get(planner.context, (computed.schema, {}))
            if len(memo) > 4 * _SET_MEMO_ROWS:
                memo = {}
            for row in computed.to_pylist():
                memo[tuple(row[n] for n in names)] = row
            _SET_ROWS[planner.context] = (schema, memo)
    assert schema is not None
    table = pa.Table.from_pylist([{**memo[tuple(r[n] for n in names)], "parameter_set": r["parameter_set"]}
                                  for r in rows], schema=schema)
    return planner.put("greenmfg_parameter_sets", table)


@functools.lru_cache(maxsize=64)
def _bound_cached(options: AccountingOptions, years: tuple[int, ...], fingerprint: str) -> BoundParameters:
    return bind_parameters(load_vocabulary(), load_catalog(), options, years)


def _bound(vocabulary: Vocabulary, catalog: Catalog, options: AccountingOptions, years: tuple[int, ...],
           fingerprint: str) -> BoundParameters:
    """:func:`bind_parameters`, once per process for the same options, years and reference data
    (the installed catalog and vocabulary: others are bound afresh)."""
    if catalog is not load_catalog() or vocabulary is not load_vocabulary():
        return bind_parameters(vocabulary, catalog, options, years)
    return _bound_cached(options, years, fingerprint)
