"""Compiled plans: each stage of an accounting run is compiled to SQL once per process and reused.

Building the Ibis expressions of a run and compiling them to SQL costs far more than running them
on a small input (0.6-0.7 s against milliseconds for one enterprise-year). Every stage therefore
reads only *named* tables of its connection: the located input (``greenmfg_activity_raw``), the
lookup tables of the distinct spellings, the parameter tables and the results of earlier stages.
What depends on the data (spellings, years, parameter-set numbers, region and period keys) is in
those tables, never in the SQL text, so the SQL of a stage is a function of

* the stage,
* the options of the run (grid factor, electricity basis …),
* the *reference key*: the SHA-256 of every installed dataset, of the code that builds plans and
  of the versions of Ibis, sqlglot and DuckDB (:func:`plan_fingerprint`), so that new reference
  data or new code never meets an old plan,
* the column types of every table the run has put on its connection so far (:meth:`Planner.put`:
  the duplicate screen's word columns, for instance, change the SQL of the lines), and a few
  structural facts the stage names itself (whether identifiers need stripping),

and a stage's SQL is looked up under that key before anything is built: a hit builds no
expression at all. The schema kept with the SQL is the one the engine gave the stage's result the
first time. Plans are kept in memory and, for the next process, on disk (:class:`PlanCache`). Only
DuckDB runs cached SQL text; other engines (Apache Spark) run the same Ibis expressions through
their own backend, compiled per run (their inputs are large, the compile is negligible there).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import re
import threading
from collections.abc import Callable, Hashable
from functools import cache
from pathlib import Path

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.schema as sch
import ibis.expr.types as ir
import pyarrow as pa
from ibis.common.exceptions import IbisError

from greenmfg import __version__
from greenmfg.refdata.catalog import Catalog

__all__ = ["PlanCache", "Planner", "StoredValues", "plan_fingerprint", "plans"]

#: the modules whose code decides what a plan computes: part of every plan's key
_PLAN_SOURCES = ("accounting/plans.py", "accounting/service.py", "accounting/screening.py",
                 "accounting/validation.py", "accounting/parameters.py", "accounting/reader.py",
                 "accounting/output.py", "accounting/engines.py", "accounting/template_spec.py",
                 "calc/accounting.py", "calc/steam.py", "calc/benchmarking.py", "benchmarking/service.py")


@cache
def _code_digest() -> str:
    root = Path(__file__).resolve().parent.parent
    # the compiler and the engine too: another Ibis, sqlglot or DuckDB may write or read SQL otherwise
    versions = " ".join(f"{name}={importlib.metadata.version(name)}" for name in ("ibis-framework", "sqlglot", "duckdb"))
    digest = hashlib.sha256(f"{__version__} {versions}".encode())
    for name in _PLAN_SOURCES:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def plan_fingerprint(catalog: Catalog) -> str:
    """SHA-256 over every dataset of ``catalog`` (id and file hash), the plan-building code and the
    versions of Ibis, sqlglot and DuckDB."""
    return hashlib.sha256(f"{_code_digest()} {catalog.digest}".encode()).hexdigest()


class PlanCache:
    """Compiled stages by plan key, for the life of the process (bounded: least recently used go
    first). An entry is the stage's SQL and the schema of what it gives *as the engine types it*
    (read once from the engine after the first run of the SQL: an expression's own schema may
    differ from the engine's, e.g. a literal typed DECIMAL by DuckDB, and every later plan over the
    stage must see the real types).

    With a ``folder`` (``GREENMFG_PLAN_CACHE``; default ``~/.cache/greenmfg/plans``, ``off`` for
    none) entries are also kept on disk, one small JSON file per key named by the SHA-256 of the
    key, so that a new process (a CLI run, a new server worker) starts with compiled plans. Keys
    hold the code and reference-data fingerprints: a file never answers for other code or data.
    A file that cannot be read or written is ignored (the plan is compiled).
    """

    def __init__(self, size: int = 512, folder: Path | None = None) -> None:
        self._size = size
        self._entries: dict[Hashable, tuple[str, sch.Schema | None]] = {}
        self._lock = threading.Lock()
        self.folder = folder
        #: compilations done (a hit, in memory or on disk, compiles nothing): read by tests and benches
        self.compiled = 0

    def get(self, key: Hashable, compile_: Callable[[], str]) -> tuple[str, sch.Schema | None]:
        """The SQL of ``key`` and its schema (None until :meth:`settle` gave it)."""
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is not None:
                self._entries[key] = entry  # most recently used last
                return entry
        entry = self._read(key)
        if entry is None:
            entry = (compile_(), None)
            self.compiled += 1
        self._keep(key, entry)
        return entry

    def settle(self, key: Hashable, sql: str, schema: sch.Schema | None) -> None:
        """Record the schema the engine gave ``key``'s SQL (and keep the entry on disk)."""
        self._keep(key, (sql, schema))
        self._write(key, sql, schema)

    def _keep(self, key: Hashable, entry: tuple[str, sch.Schema | None]) -> None:
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self._size:
                self._entries.pop(next(iter(self._entries)))

    def _path(self, key: Hashable) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"{hashlib.sha256(repr(key).encode()).hexdigest()}.json"

    def _read(self, key: Hashable) -> tuple[str, sch.Schema | None] | None:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored["key"] != repr(key):
                return None
            schema = stored["schema"]
            return stored["sql"], None if schema is None else sch.Schema({n: _dtype(t) for n, t in schema})
        except (OSError, ValueError, KeyError, TypeError, IbisError):
            return None

    def _write(self, key: Hashable, sql: str, schema: sch.Schema | None) -> None:
        path = self._path(key)
        if path is None:
            return
        text = json.dumps({"key": repr(key), "sql": sql,
                           "schema": None if schema is None else [[n, str(t)] for n, t in schema.items()]})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)  # atomic: a reader sees the whole file or none
        except OSError:
            pass

    def forget(self, key: Hashable) -> None:
        """Drop ``key`` (in memory and on disk): its SQL did not run."""
        with self._lock:
            self._entries.pop(key, None)
        path = self._path(key)
        if path is not None:
            path.unlink(missing_ok=True)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_DECIMAL = re.compile(r"(!?)decimal\((\d+), (\d+)\)")
#: type names Ibis writes for the plain types of plans, read without Ibis's type parser (which costs
#: about 80 ms on a process's first plans)
_PLAIN_TYPES: dict[str, type[dt.DataType]] = {
    "string": dt.String, "float64": dt.Float64, "float32": dt.Float32, "int64": dt.Int64, "int32": dt.Int32,
    "int16": dt.Int16, "int8": dt.Int8, "boolean": dt.Boolean, "date": dt.Date, "null": dt.Null,
}


def _dtype(text: str) -> dt.DataType:
    """The Ibis type written ``text`` (``str`` of a type): plain types and decimals directly, any
    other by Ibis's parser."""
    nullable = not text.startswith("!")
    plain = _PLAIN_TYPES.get(text.removeprefix("!"))
    if plain is not None:
        return plain(nullable=nullable)
    decimal = _DECIMAL.fullmatch(text)
    if decimal is not None:
        return dt.Decimal(int(decimal[2]), int(decimal[3]), nullable=nullable)
    return dt.dtype(text)


def _default_folder() -> Path | None:
    setting = os.environ.get("GREENMFG_PLAN_CACHE", "")
    if setting.lower() in ("off", "0", "none", "false"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "greenmfg" / "plans"


#: the process's plans
plans = PlanCache(folder=_default_folder())


class StoredValues:
    """Results of a pure, costly function of a few values (the IAPWS-IF97 steam states), kept for
    the life of the process and, beside the plans, on disk for the next one.

    ``name`` and the version (the plan-building code, which includes the code computing the values,
    and ``libraries``: the versions of the libraries it uses) name one JSON file in the folder
    ``values`` of the plan folder (:data:`plans`); a file written for other code or libraries is
    never read. Entries are JSON values; a file that cannot be read or written is ignored (the
    values are computed). Bounded: beyond ``size`` entries it starts afresh.
    """

    def __init__(self, name: str, libraries: tuple[str, ...], size: int = 10_000) -> None:
        self._name = name
        self._libraries = libraries
        self._size = size
        self._lock = threading.Lock()
        self._values: dict[str, object] | None = None  # read from disk on first use

    @functools.cached_property
    def _version_text(self) -> str:
        versions = " ".join(f"{name}={importlib.metadata.version(name)}" for name in self._libraries)
        return f"{_code_digest()} {versions}"

    def _version(self) -> str:
        return self._version_text

    def _path(self) -> Path | None:
        if plans.folder is None:
            return None
        return plans.folder / "values" / f"{self._name}-{hashlib.sha256(self._version().encode()).hexdigest()}.json"

    def _loaded(self) -> dict[str, object]:
        if self._values is None:
            values: dict[str, object] = {}
            path = self._path()
            if path is not None and path.exists():
                try:
                    stored = json.loads(path.read_text(encoding="utf-8"))
                    if stored.get("version") == self._version() and isinstance(stored.get("values"), dict):
                        values = stored["values"]
                except (OSError, ValueError, AttributeError):
                    values = {}
            self._values = values
        return self._values

    def get_many(self, keys: list[str], compute: Callable[[str], object]) -> dict[str, object]:
        """The value of every key, computing (``compute(key)``) only those not kept."""
        with self._lock:
            values = self._loaded()
            found = {k: values[k] for k in keys if k in values}
        missing = [k for k in keys if k not in found]
        if not missing:
            return found
        computed = {k: compute(k) for k in missing}
        with self._lock:
            values = self._loaded()
            if len(values) + len(computed) > self._size:
                values.clear()
            values.update(computed)
            text = json.dumps({"version": self._version(), "values": values})
        path = self._path()
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                partial.write_text(text, encoding="utf-8")
                partial.replace(path)
            except OSError:
                pass
        return {**found, **computed}

    def clear(self) -> None:
        """Forget the values (in memory; the file stays, for a new process)."""
        with self._lock:
            self._values = {}


@functools.lru_cache(maxsize=512)
def _ibis_schema(schema: pa.Schema) -> sch.Schema:
    """:meth:`ibis.Schema.from_pyarrow`, once per Arrow schema (the same few, run after run)."""
    return sch.Schema.from_pyarrow(schema)


def _is_duckdb(con: ibis.BaseBackend) -> bool:
    return bool(con.name == "duckdb")


class Planner:
    """Runs the stages of one run on ``con``, from cached SQL where the engine allows.

    ``context`` is everything besides the stage that decides a stage's SQL (see the module
    docstring); stages that depend on more (a structural fact) add it to their stage name. Each
    stage's result is a named table or view of the connection, given back as an Ibis table whose
    schema comes from the cache (no round trip to ask the engine for it).
    """

    def __init__(self, con: ibis.BaseBackend, context: Hashable) -> None:
        self.con = con
        self.context = context
        self.cached = _is_duckdb(con)
        #: the name and column types of every table put on the connection so far: part of every
        #: later stage's key, since a plan's SQL may depend on the tables it reads (for instance
        #: the duplicate screen's word columns), never on their rows
        self._inputs: tuple[tuple[str, Hashable], ...] = ()

    def _key(self, stage: Hashable) -> Hashable:
        return (stage, self.context, self._inputs)

    def _compiled(self, stage: Hashable, build: Callable[[], ir.Table]) -> tuple[str, sch.Schema | None]:
        return plans.get(self._key(stage), lambda: str(self.con.compile(build())))

    def _named(self, name: str, schema: sch.Schema) -> ir.Table:
        return ops.DatabaseTable(name, schema=schema, source=self.con,
                                 namespace=ops.Namespace(catalog=None, database=None)).to_expr()

    def _created(self, name: str, stage: Hashable, sql: str, schema: sch.Schema | None) -> ir.Table:
        key = self._key(stage)
        if schema is None:  # first run of this SQL: the engine's own types, kept with the plan
            table = self.con.table(name)
            plans.settle(key, sql, table.schema())
        else:
            table = self._named(name, schema)
        # what the name now holds is part of every later stage's key: a later plan that reads it by
        # name fits only the same definition (a run keeping its lines in tables and a run
        # streaming them through views name things alike)
        made_by = hashlib.sha256(repr(key).encode()).hexdigest()[:20]
        self._inputs = (*(i for i in self._inputs if i[0] != name), (name, ("made by", made_by)))
        return table

    def put(self, name: str, table: pa.Table, *, keyed: bool = True) -> ir.Table:
        """An Arrow table under a fixed name on the connection (replacing one of that name).

        ``keyed``: its column types become part of later stages' keys (not for a table that only
        one stage reads, whose own key names it, and that only some runs have)."""
        if keyed:
            shape = tuple((f.name, str(f.type)) for f in table.schema)
            self._inputs = (*(i for i in self._inputs if i[0] != name), (name, shape))
        if self.cached:
            self.con.con.register(name, table)
            return self._named(name, _ibis_schema(table.schema))
        return ibis.memtable(table)  # other engines take in-memory tables as they are

    def _run(self, stage: Hashable, build: Callable[[], ir.Table], statement: Callable[[str], object]
             ) -> tuple[str, sch.Schema | None, object]:
        """Run ``statement`` with the stage's SQL. SQL from the cache that the engine refuses (a
        catalog or binder error: a plan that does not fit this connection's tables) is forgotten
        and compiled afresh, once."""
        sql, schema = self._compiled(stage, build)
        try:
            return sql, schema, statement(sql)
        except (duckdb.CatalogException, duckdb.BinderException):
            plans.forget(self._key(stage))
            sql, schema = self._compiled(stage, build)
            return sql, schema, statement(sql)

    def table(self, name: str, stage: Hashable, build: Callable[[], ir.Table]) -> ir.Table:
        """Compute ``build()`` into a temporary table ``name``."""
        if not self.cached:
            return self.con.create_table(name, build(), temp=True, overwrite=True)
        sql, schema, _ = self._run(stage, build, lambda sql: self.con.con.execute(
            f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}'))
        return self._created(name, stage, sql, schema)

    def view(self, name: str, stage: Hashable, build: Callable[[], ir.Table]) -> ir.Table:
        """``build()`` as a view ``name`` (computed when read)."""
        if not self.cached:
            return self.con.create_view(name, build(), overwrite=True)
        sql, schema, _ = self._run(stage, build, lambda sql: self.con.con.execute(
            f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}'))
        return self._created(name, stage, sql, schema)

    def arrow(self, stage: Hashable, build: Callable[[], ir.Table]) -> pa.Table:
        """The rows of ``build()`` as Arrow."""
        if not self.cached:
            return build().to_pyarrow()
        sql, schema, out = self._run(stage, build, lambda sql: self.con.con.sql(sql).to_arrow_table())
        result: pa.Table = out
        if schema is None:
            try:
                typed: sch.Schema | None = sch.Schema.from_pyarrow(result.schema)
            except (TypeError, ValueError, NotImplementedError, IbisError):
                typed = None  # a type Ibis does not name: kept without (never used for these)
            plans.settle(self._key(stage), sql, typed)
        return result
