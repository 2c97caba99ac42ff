"""The CBAM exporter domain: what it adds to the platform (see :mod:`greenmfg.domains`).

The enterprise's goods, EU customers, CBAM calculations, communications sent and received, product
footprints and sharing grants (``platform_models``, ``platform``), the API under ``/api/v1/cbam`` and
the pages under ``/cbam``: one navigation entry for enterprise users ("出口与CBAM"), one for
regulators, evaluators and admins (what was shared with them).
"""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.cbam", api=("api",), pages=("pages",), templates=True, models=("platform_models",),
                nav=(
                    NavItem("cbam", N_("Exports & CBAM"), "/cbam", "cloud", order=77,
                            roles=frozenset({"is_enterprise"})),
                    NavItem("cbam-shared", N_("Shared CBAM data"), "/cbam/shared", "cloud", order=78,
                            roles=frozenset({"is_regulator", "is_evaluator", "is_admin"})),
                ))
