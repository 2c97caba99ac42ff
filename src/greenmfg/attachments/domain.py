"""The attachments domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.attachments", models=("models",))
