"""Energy (GB/T 2589) and GHG (GB/T 32150/32151) accounting of activity data.

The engine's entries::

    from greenmfg.accounting import account, account_table, result_document

    run = account(Path("activity.xlsx"))            # a file or a folder of files
    run = account_table(arrow_table, engine="duckdb")  # rows already in memory
    run = account("s3a://bucket/activity/", engine="spark", spark_master="yarn")  # on Spark
    document = result_document(run)                 # the documented JSON shape

Parts: ``reader`` (files and tables into one located table), ``validation`` and ``screening``
(every rule, located issues), ``parameters`` (reference values bound to the input), ``service``
(the run), ``engines`` (DuckDB or Spark: everything Spark-specific), ``output`` (JSON, Excel, Parquet), ``store`` (the platform's imports, versions and
stored results), ``api``/``pages`` (the web edge). The formulas are in :mod:`greenmfg.calc.accounting`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from greenmfg.accounting.output import result_document
    from greenmfg.accounting.parameters import AccountingOptions
    from greenmfg.accounting.reader import InputFile
    from greenmfg.accounting.service import AccountingRun, account, account_table

__all__ = ["AccountingOptions", "AccountingRun", "InputFile", "account", "account_table", "result_document"]

_HOMES = {"result_document": "output", "AccountingOptions": "parameters", "AccountingRun": "service",
          "account": "service", "account_table": "service", "InputFile": "reader"}


def __getattr__(name: str) -> Any:
    # imported on first use: the platform imports the models of this package without the engine
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"greenmfg.accounting.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'greenmfg.accounting' has no attribute {name!r}")
