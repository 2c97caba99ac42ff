"""The greenfactory domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.greenfactory", api=("api",), pages=("pages",), templates=True, models=("models",),
                nav=(
                    NavItem("greenfactory", N_("Green evaluation"), "/green-factory", "leaf", order=60),
                ))
