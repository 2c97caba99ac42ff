"""The admin domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.admin", api=("api",), pages=("pages",), templates=True,
                nav=(
                    NavItem("admin", N_("Admin"), "/admin", "admin", order=110, roles=frozenset({"is_admin"})),
                ))
