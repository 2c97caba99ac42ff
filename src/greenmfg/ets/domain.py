"""The national carbon market domain: what it adds to the platform (see :mod:`greenmfg.domains`).

Monthly filing (碳市场月度存证, ``api``/``pages``, the enterprise's and the regulators' entries) and
allowances (``allowances*`` modules, ``templates/ets/allowances*``: the API under
``/api/v1/ets/allowances``, the enterprise page ``/enterprises/{id}/ets/allowances`` and the list
``/ets/allowances``, reached from the filing pages: one navigation entry per role).
"""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.ets", api=("api", "allowances_api"), pages=("pages", "allowances_page"), templates=True,
                models=("filing_models",),
                nav=(
                    NavItem("ets", N_("Carbon market monthly filing"), "/ets", "lock", order=75,
                            roles=frozenset({"is_enterprise"})),
                    NavItem("ets-region", N_("Carbon market filings"), "/ets/region", "lock", order=76,
                            roles=frozenset({"is_regulator", "is_admin"})),
                ))
