"""National carbon market (全国碳排放权交易市场) accounting for steel, cement and aluminium.

    from greenmfg.ets import account_ets

    result = account_ets(Path("activity.xlsx"), sector="auto", year=2025)
    result.company.months            # covered emissions per month, by source, with derivation lines
    document = result.to_document()  # the documented JSON (README, "greenmfg ets")

The accounting itself is the one engine's (``greenmfg.accounting``) with the MEE guidelines
(CETS—AG—02.01, 03.01, 04.01) as methodology; see ``README.md`` beside this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from greenmfg.ets.models import EtsResult
    from greenmfg.ets.service import account_ets

__all__ = ["EtsResult", "account_ets"]

_HOMES = {"EtsResult": "models", "account_ets": "service"}


def __getattr__(name: str) -> Any:
    # imported on first use: importing the package loads neither the engine nor DuckDB
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"greenmfg.ets.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'greenmfg.ets' has no attribute {name!r}")
