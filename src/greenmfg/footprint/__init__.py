"""Product carbon footprint, cradle to gate (GB/T 24067-2024 / ISO 14067:2018). See README.md."""

from greenmfg.footprint.service import (
    ALLOCATION_CHOICES,
    Boundary,
    Contribution,
    FootprintOptions,
    FootprintRun,
    ProductFootprint,
    footprint,
)

__all__ = ["ALLOCATION_CHOICES", "Boundary", "Contribution", "FootprintOptions", "FootprintRun", "ProductFootprint",
           "footprint"]
