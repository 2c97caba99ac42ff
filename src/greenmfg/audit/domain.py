"""The audit domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.audit", models=("models",))
