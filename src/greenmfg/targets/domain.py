"""The targets domain: what it adds to the platform (see :mod:`greenmfg.domains`).

No navigation entry: the targets are reached from the enterprise dashboard, where they are tracked.
"""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.targets", api=("api",), pages=("pages",), templates=True, models=("models",))
