"""greenmfg's versioned, cited reference library (see README.md beside this file)."""

from greenmfg.refdata.catalog import (
    DATA_ROOT,
    STATUSES,
    WARNING_FREE_STATUSES,
    Catalog,
    Dataset,
    DatasetInfo,
    ParameterRow,
    load_catalog,
)
from greenmfg.refdata.vocabulary import FLOWS, Item, Vocabulary, load_vocabulary, normalize_name

__all__ = [
    "DATA_ROOT",
    "FLOWS",
    "STATUSES",
    "WARNING_FREE_STATUSES",
    "Catalog",
    "Dataset",
    "DatasetInfo",
    "Item",
    "ParameterRow",
    "Vocabulary",
    "load_catalog",
    "load_vocabulary",
    "normalize_name",
]
