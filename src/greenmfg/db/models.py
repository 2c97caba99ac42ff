"""Every mapped model, imported here so the metadata (and Alembic) sees them all.

The models modules are those the domains declare (:mod:`greenmfg.domains`): a new domain's
tables join the metadata without an edit here. Import a model from its own domain's module.
"""

from greenmfg.db.base import Base
from greenmfg.domains import import_models

__all__ = ["MODEL_MODULES", "Base"]

#: the modules imported, in the order of their domains
MODEL_MODULES: tuple[str, ...] = tuple(import_models())
