"""The national carbon market domain: what it adds to the platform (see :mod:`greenmfg.domains`).

The allowances part (``allowances*`` modules, ``templates/ets/allowances*``): the API under
``/api/v1/ets/allowances``, the enterprise page ``/enterprises/{id}/ets/allowances`` and the list
``/ets/allowances`` (a regulator's area; an enterprise user's own), reached from the navigation.
"""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.ets", api=("allowances_api",), pages=("allowances_page",), templates=True,
                nav=(NavItem("ets_allowances", N_("Carbon allowances"), "/ets/allowances", "gauge", order=75),))
