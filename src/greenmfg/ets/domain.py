"""The ets domain: what it adds to the platform (see :mod:`greenmfg.domains`).

Two navigation entries: the enterprise's monthly filing (碳市场月度存证) and the regulators'
overview of the covered companies in their area.
"""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.ets", api=("api",), pages=("pages",), templates=True, models=("models",),
                nav=(
                    NavItem("ets", N_("Carbon market monthly filing"), "/ets", "lock", order=75,
                            roles=frozenset({"is_enterprise"})),
                    NavItem("ets-region", N_("Carbon market filings"), "/ets/region", "lock", order=76,
                            roles=frozenset({"is_regulator", "is_admin"})),
                ))
