"""The refdata domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.refdata", api=("api",), pages=("pages",), templates=True)
