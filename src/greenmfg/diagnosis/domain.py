"""The diagnosis domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.diagnosis", api=("api",), pages=("pages",), templates=True, models=("models",),
                nav=(
                    NavItem("diagnosis", N_("Energy diagnosis"), "/diagnosis", "gauge", order=90),
                ))
