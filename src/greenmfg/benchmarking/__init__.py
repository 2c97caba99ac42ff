"""Energy-efficiency benchmarking: benchmark/baseline classes and quota grades per product.

See :mod:`greenmfg.benchmarking.service` (the service), :mod:`greenmfg.calc.benchmarking` (the
formulas) and the datasets ``indicators``, ``facility_attributes`` and ``quota_corrections`` of
the reference library.
"""

from greenmfg.benchmarking.attributes import FacilityAttributes, read_attributes
from greenmfg.benchmarking.definitions import Definitions, IndicatorDefinition, load_definitions
from greenmfg.benchmarking.models import Finding, LevelUsed, ProductBenchmark
from greenmfg.benchmarking.service import (
    BenchmarkOptions,
    BenchmarkRun,
    benchmark,
    benchmark_editions,
    select_variant,
)

__all__ = [
    "BenchmarkOptions",
    "BenchmarkRun",
    "Definitions",
    "FacilityAttributes",
    "Finding",
    "IndicatorDefinition",
    "LevelUsed",
    "ProductBenchmark",
    "benchmark",
    "benchmark_editions",
    "load_definitions",
    "read_attributes",
    "select_variant",
]
