"""The greenlist domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.greenlist", api=("api",), pages=("pages",), templates=True, models=("models",),
                nav=(
                    NavItem("greenlist", N_("Green list"), "/green-list", "leaf", order=70),
                ))
