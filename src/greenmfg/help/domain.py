"""The help domain: what it adds to the platform (see :mod:`greenmfg.domains`). The glossary is
linked from the footer of every page and from each form's in-page help, not from the navigation."""

from greenmfg.domains import Domain

DOMAIN = Domain("greenmfg.help", pages=("pages",), templates=True)
