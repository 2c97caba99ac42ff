"""The product carbon footprint domain: what it adds to the platform (see :mod:`greenmfg.domains`).

Its templates only (the printable footprint report, ``templates/footprint/report.html``); footprints
are computed, stored and shown on the platform by the exporter pages and API (:mod:`greenmfg.cbam.platform`).
"""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.footprint", templates=True)
