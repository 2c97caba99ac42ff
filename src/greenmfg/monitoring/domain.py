"""The monitoring domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.monitoring", api=("baselines_api", "api"), pages=("pages",), templates=True,
                models=("baseline_models", "models"),
                nav=(
                    NavItem("meters", N_("Meters"), "/meters", "dashboard", order=80),
                ))
