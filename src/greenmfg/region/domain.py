"""The region domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.region", api=("api",), pages=("pages",), templates=True,
                nav=(
                    NavItem("region", N_("Region"), "/region", "region", order=100, roles=frozenset({"is_regulator", "is_admin"})),
                ))
