"""The capacity domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.capacity", api=("api",), pages=("pages",), templates=True, models=("models",),
                nav=(
                    NavItem("capacity", N_("Capacity replacement"), "/capacity", "factory", order=40),
                ))
