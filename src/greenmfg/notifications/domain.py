"""The notifications domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain

# no navigation entry: the inbox is the bell with the unread count in the header (base.html)
DOMAIN = Domain("greenmfg.notifications", pages=("pages",), templates=True, models=("models",))
