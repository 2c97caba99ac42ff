"""EU CBAM (carbon border adjustment mechanism): embedded emissions of an installation's goods, the
communication template for EU customers, and suppliers' templates read as precursor data.

See ``README.md`` beside this file. Names are imported on first use (the engine is loaded only when
a run is made).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CbamOptions", "CbamResult", "account_cbam", "read_communication", "write_communication"]

_HOMES = {"CbamOptions": "models", "CbamResult": "models", "account_cbam": "service",
          "read_communication": "communication", "write_communication": "communication"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"greenmfg.cbam.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'greenmfg.cbam' has no attribute {name!r}")
