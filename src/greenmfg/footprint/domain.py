"""The product carbon footprint domain: what it adds to the platform (see :mod:`greenmfg.domains`).

For now its templates only (the printable footprint report, ``templates/footprint/report.html``);
its pages and API are a later part of issue #17.
"""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.footprint", templates=True)
