"""Domains plug in: each declares its routers, templates and models in its own ``domain.py``.

A domain is a package ``greenmfg/<name>/`` with a module ``domain.py`` holding one declaration::

    from greenmfg.domains import Domain

    DOMAIN = Domain("greenmfg.capacity", api=("api",), pages=("pages",), templates=True, models=("models",))

``api`` and ``pages`` name modules of the package that each define ``router`` (a FastAPI
``APIRouter`` carrying its own prefix), included in the order given; ``templates`` says the
package has a ``templates/`` folder of pages (kept under ``templates/<name>/``); ``models`` names
the modules that define the domain's mapped classes (imported by :mod:`greenmfg.db.models`, so the
metadata and Alembic see them); ``nav`` lists the entries it adds to the top navigation
(:class:`NavItem`, placed by their ``order``).

:func:`discover` finds every declaration, so adding a domain edits no shared list: the app
factory (:func:`greenmfg.web.app.create_app`), the template loader and the models registry all
ask it. Domains come in the order of their package names. Their routers never answer the same
request (a test checks it), so that order decides nothing. Nothing is imported but the
declarations until :meth:`Domain.routers` or :func:`import_models` is called.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["DECLARATION_MODULE", "Domain", "NavItem", "discover", "import_models", "navigation"]

#: the module of a domain package that holds its ``DOMAIN`` declaration
DECLARATION_MODULE = "domain"


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation, declared by the domain whose page it opens.

    ``label`` is an English message id (marked with :func:`greenmfg.i18n.N_`, translated when the
    page is drawn); ``roles`` names user flags (``is_admin`` …) of which one must be true to see the
    item, ``None`` shows it to every signed-in user; ``order`` places it among every domain's items.
    """

    key: str
    label: str
    href: str
    icon: str
    order: int
    roles: frozenset[str] | None = None

    def visible_to(self, user: Any) -> bool:
        if user is None:
            return False
        return self.roles is None or any(bool(getattr(user, role, False)) for role in self.roles)


@dataclass(frozen=True)
class Domain:
    """What one domain package adds to the platform (module names relative to ``package``)."""

    package: str
    api: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    templates: bool = False
    models: tuple[str, ...] = ()
    nav: tuple[NavItem, ...] = ()

    @property
    def name(self) -> str:
        return self.package.rpartition(".")[2]

    def module_names(self, kind: str) -> tuple[str, ...]:
        """The absolute names of the ``api``, ``pages`` or ``models`` modules."""
        modules: tuple[str, ...] = getattr(self, kind)
        return tuple(f"{self.package}.{module}" for module in modules)

    @property
    def router_modules(self) -> tuple[str, ...]:
        """The modules whose ``router`` is included: the API ones, then the pages."""
        return self.module_names("api") + self.module_names("pages")

    def routers(self) -> list[Any]:
        """Import the router modules and return their ``router`` objects, in order."""
        return [importlib.import_module(name).router for name in self.router_modules]


def _declaring_packages(root: ModuleType) -> list[str]:
    """The sub-packages of ``root`` with a declaration module, by name (no package is imported)."""
    paths = [Path(entry) for entry in root.__path__]
    return sorted({info.name for info in pkgutil.iter_modules(root.__path__)
                   if info.ispkg and any((path / info.name / f"{DECLARATION_MODULE}.py").is_file() for path in paths)})


def discover(root: str = "greenmfg") -> tuple[Domain, ...]:
    """Every domain declared under package ``root``, ordered by package name.

    Raises
    ------
    TypeError
        A declaration module without a :class:`Domain` named ``DOMAIN``.
    ValueError
        A declaration naming another package than its own.
    """
    package = importlib.import_module(root)
    domains = []
    for name in _declaring_packages(package):
        module = importlib.import_module(f"{root}.{name}.{DECLARATION_MODULE}")
        domain = getattr(module, "DOMAIN", None)
        if not isinstance(domain, Domain):
            raise TypeError(f"{module.__name__} must define DOMAIN = Domain(...)")
        if domain.package != f"{root}.{name}":
            raise ValueError(f"{module.__name__} declares package {domain.package!r}, not {root}.{name!r}")
        domains.append(domain)
    return tuple(domains)


def import_models(domains: tuple[Domain, ...] | None = None) -> list[str]:
    """Import every domain's models modules (their tables join ``Base.metadata``); their names."""
    names = [name for domain in (discover() if domains is None else domains) for name in domain.module_names("models")]
    for name in names:
        importlib.import_module(name)
    return names


def navigation(domains: tuple[Domain, ...] | None = None) -> tuple[NavItem, ...]:
    """Every domain's navigation entries, by ``order`` (then key).

    Raises
    ------
    ValueError
        Two entries with the same key.
    """
    items = sorted((item for domain in (discover() if domains is None else domains) for item in domain.nav),
                   key=lambda item: (item.order, item.key))
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"navigation keys declared twice: {sorted({k for k in keys if keys.count(k) > 1})}")
    return tuple(items)
