"""Synthetic demo regions in greenmfg's input-template format.

>>> from greenmfg.demo import generate_region, write_region
>>> table = generate_region(enterprises=10, months=12, seed=1)  # doctest: +SKIP
"""

from greenmfg.demo.generator import ERROR_KINDS, TEMPLATE_COLUMNS, generate_region, write_region

__all__ = ["ERROR_KINDS", "TEMPLATE_COLUMNS", "generate_region", "write_region"]
