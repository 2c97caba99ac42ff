"""The carbon-peak pathways domain (碳达峰路径): what it adds to the platform (see :mod:`greenmfg.domains`).

No tables: the pages (``pages``, ``templates/pathways``) and the API (``api``, under
``/api/v1/pathways``) compute on request from stored results and uploaded files. One navigation
entry for every role: ``/pathways`` opens an enterprise's page or a regulator's region.
"""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.pathways", api=("api",), pages=("pages",), templates=True,
                nav=(NavItem("pathways", N_("Carbon-peak pathways"), "/pathways", "results", order=95),))
