"""The monitoring domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.monitoring", api=("baselines_api", "api"), pages=("pages",), templates=True,
                models=("baseline_models", "models"))
