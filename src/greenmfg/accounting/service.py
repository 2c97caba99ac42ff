"""The accounting service: input file(s) + reference data + options → results with provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir

from greenmfg import __version__
from greenmfg.accounting.parameters import AccountingOptions, BoundParameters, bind_parameters
from greenmfg.accounting.reader import read_activity
from greenmfg.accounting.validation import validate_activity
from greenmfg.calc.accounting import activity_lines, facility_products, facility_totals
from greenmfg.refdata.catalog import Catalog, load_catalog
from greenmfg.refdata.vocabulary import Vocabulary, load_vocabulary

__all__ = ["AccountingRun", "account", "connect"]


def connect(*, memory_limit: str = "3GB", threads: int | None = None) -> ibis.BaseBackend:
    """An in-process DuckDB backend for one run, on a temporary database file.

    Working tables are stored compressed in that file and memory stays bounded (DuckDB spills
    beyond ``memory_limit``); the folder is removed when the connection is garbage-collected.
    """
    folder = tempfile.mkdtemp(prefix="greenmfg-")
    con = ibis.duckdb.connect(database=str(Path(folder) / "run.duckdb"))
    weakref.finalize(con, shutil.rmtree, folder, True)
    con.raw_sql(f"SET memory_limit = '{memory_limit}'")
    con.raw_sql("SET preserve_insertion_order = false")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class AccountingRun:
    """A validated, bound accounting run. Tables are lazy Ibis expressions on ``con``."""

    con: ibis.BaseBackend
    options: AccountingOptions
    lines: ir.Table
    totals: ir.Table
    products: ir.Table
    bound: BoundParameters
    catalog: Catalog
    vocabulary: Vocabulary
    inputs: list[Path]
    run_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def provenance(self) -> dict[str, object]:
        """What produced these numbers: version, datasets with sha256, options, inputs, UTC time."""
        datasets = []
        for dataset_id in self.options.dataset_ids():
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
            "inputs": [{"file": p.name, "sha256": _file_sha256(p)} for p in self.inputs],
            "units": {"energy": "tce", "emissions": "tCO2e"},
        }


def account(path: Path, options: AccountingOptions | None = None, *,
            con: ibis.BaseBackend | None = None) -> AccountingRun:
    """Validate the activity data at ``path`` and build the accounting plan.

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
    options = options or AccountingOptions()
    con = con or connect()
    catalog = load_catalog()
    vocabulary = load_vocabulary()
    for dataset_id in options.dataset_ids():
        catalog.dataset(dataset_id)
    source = read_activity(Path(path), con)
    activity = validate_activity(source, vocabulary)
    years = [int(y) for y in activity.select("year").distinct().to_pyarrow().column("year").to_pylist()]
    bound = bind_parameters(vocabulary, catalog, options, years)
    lines = activity_lines(
        activity, bound.parameters, bound.grid, bound.electricity,
        heat_ef_tco2_per_gj=bound.heat_ef_tco2_per_gj, heat_ef_ref=bound.heat_ef_ref,
        equal_value_basis=options.electricity_basis == "equal-value",
    )
    # views: each plan is compiled once; output queries then stay small
    lines = con.create_view("greenmfg_lines", lines, overwrite=True)
    totals = con.create_table("greenmfg_totals", facility_totals(lines), overwrite=True)
    products = con.create_view("greenmfg_products", facility_products(lines, totals), overwrite=True)
    return AccountingRun(
        con=con, options=options, lines=lines, totals=totals, products=products, bound=bound,
        catalog=catalog, vocabulary=vocabulary, inputs=source.files,
    )
