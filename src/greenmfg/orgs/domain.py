"""The orgs domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.orgs", api=("api",), models=("models",))
