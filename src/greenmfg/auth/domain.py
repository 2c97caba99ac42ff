"""The auth domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.auth", api=("api",), pages=("pages", "tokens_page"), templates=True, models=("models",))
