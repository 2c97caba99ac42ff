"""National carbon market (全国碳排放权交易市场) accounting for steel, cement and aluminium.

    from greenmfg.ets import account_ets

    result = account_ets(Path("activity.xlsx"), sector="auto", year=2025)
    result.company.months            # covered emissions per month, by source, with derivation lines
    document = result.to_document()  # the documented JSON (README, "greenmfg ets")

The accounting itself is the one engine's (``greenmfg.accounting``) with the MEE guidelines
(CETS—AG—02.01, 03.01, 04.01) as methodology; see ``README.md`` beside this file.

On the platform: monthly filing (月度信息化存证) in :mod:`greenmfg.ets.filings` (covered companies,
covered emissions of a month, filings, amendments, deadlines, the regulators' overview; tables in
:mod:`greenmfg.ets.filing_models`, API :mod:`greenmfg.ets.api`, pages :mod:`greenmfg.ets.pages`), and
allowances, projection and the compliance calendar in :mod:`greenmfg.ets.allowances`.
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
