"""The compliance domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.compliance", api=("api",), pages=("pages",), templates=True, models=("stored",),
                nav=(
                    NavItem("benchmark", N_("Benchmarking"), "/benchmark", "gauge", order=50),
                ))
