"""The greenlist domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.greenlist", api=("api",), pages=("pages",), templates=True, models=("models",))
