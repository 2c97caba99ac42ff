"""The layering rules of ``docs/architecture.md``, checked on every module of ``src/greenmfg``.

Each module is parsed with :mod:`ast` (nothing is imported or run) and fails when

(a) a ``calc/`` module imports anything of greenmfg other than ``greenmfg.calc``,
    ``greenmfg.errors`` and ``greenmfg.units`` (calc is pure formulas: no database, no web, no files);
(b) a module that is not an edge imports ``fastapi``, ``starlette`` or ``greenmfg.web``
    (domain services, labels, charts and reports stay usable without the web app);
(c) a module uses another greenmfg module's private name: ``from greenmfg.x import _y`` or
    ``x._y`` where ``x`` is an imported greenmfg module (make the name public — documented and in
    ``__all__`` — or move the shared code where it belongs).

Imports inside functions and under ``TYPE_CHECKING`` count like any other. ``KNOWN`` lists the only
tolerated exception, with its reason; a new one is a design decision for ``docs/architecture.md`` first.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from pathlib import Path

import pytest

import greenmfg

PACKAGE_ROOT = Path(greenmfg.__file__).resolve().parent

#: What the pure layer may import of greenmfg (the package itself and these modules, with their children).
CALC_MAY_IMPORT = ("greenmfg.calc", "greenmfg.errors", "greenmfg.units")

#: Only edges may import these (with their sub-modules).
WEB_ONLY = ("fastapi", "starlette", "greenmfg.web")

# The edges: modules that talk to the outside world — HTTP (API routers, server-rendered pages and the
# web package itself), the command line, and the MQTT ingest. Matched against the module's path
# relative to src/greenmfg (fnmatch: ``*`` also crosses ``/``). Everything else is the domain layer
# (models, services, labels, charts, reports, the broker's files) or calc/. Importers are split: the
# upload enters through an edge (an api.py or pages.py route with web/uploads.py), while parsing the
# file (accounting/reader.py, capacity/inputs.py, diagnosis/register.py …) is domain code that
# never sees a request — so the command line and the tests import it without the web app.
EDGE_PATTERNS = (
    "web/*",           # the app factory, request dependencies, templating, uploads, error envelope
    "*/api.py",        # each domain's JSON API router
    "*/*_api.py",      # a second router of a domain (monitoring/baselines_api.py)
    "*/pages.py",      # each domain's server-rendered pages
    "*/*_page.py",     # a second page module of a domain (auth/tokens_page.py)
    "cli.py",          # the `greenmfg` command line
    "platform_cli.py",  # its platform commands (serve, db, users …)
    "cli_output.py",   # how its commands print a result (language, console, words)
    "__main__.py",     # `python -m greenmfg`
    "*/cli.py",        # a domain's command group
    "*/*_cli.py",      # (monitoring/devices_cli.py)
    "monitoring/ingest.py",  # the MQTT listener
)


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: ({self.rule}) {self.message}"


def module_name(relative: str) -> str:
    """``accounting/store.py`` → ``greenmfg.accounting.store``; ``web/__init__.py`` → ``greenmfg.web``."""
    parts = relative.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["greenmfg", *parts])


def is_edge(relative: str) -> bool:
    """Whether the module at ``relative`` (path under src/greenmfg, ``/``-separated) is an edge."""
    return any(fnmatch.fnmatch(relative, pattern) for pattern in EDGE_PATTERNS)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a (possibly relative) ``from … import`` names."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def check_module(source: str, relative: str, modules: frozenset[str] = frozenset()) -> list[Violation]:
    """The rule violations of one module.

    Parameters
    ----------
    source
        The module's text.
    relative
        Its path under ``src/greenmfg`` (``accounting/store.py``): decides its layer.
    modules
        Every greenmfg module name; with it, ``from greenmfg.x import y`` binds a module ``y``
        whose private attributes (``y._z``) are then checked too.
    """
    name = module_name(relative)
    is_package = relative.endswith("__init__.py")
    in_calc = name == "greenmfg.calc" or name.startswith("greenmfg.calc.")
    edge = is_edge(relative)
    tree = ast.parse(source, filename=relative)
    found: list[Violation] = []
    reported: set[tuple[int, str]] = set()  # one (a) or (b) per import statement
    module_aliases: dict[str, str] = {}  # local name bound to a greenmfg module → that module

    def report(line: int, rule: str, message: str) -> None:
        if (line, rule) not in reported:
            reported.add((line, rule))
            found.append(Violation(name, line, rule, message))

    def imported(target: str, line: int) -> None:
        if in_calc and _within(target, ("greenmfg",)) and target != "greenmfg" \
                and not _within(target, CALC_MAY_IMPORT):
            report(line, "a", f"calc imports {target}; calc may import only " + ", ".join(CALC_MAY_IMPORT))
        if not edge and _within(target, WEB_ONLY):
            report(line, "b", f"{target} imported outside the edges (only API, pages, web, CLI and ingest "
                   "modules may)")

    attributes: list[ast.Attribute] = []  # private ones, checked once every import is known
    for node in ast.walk(tree):  # one walk: the package has ~600 000 nodes
        if isinstance(node, ast.Attribute):
            if _private(node.attr):
                attributes.append(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported(alias.name, node.lineno)
                if _within(alias.name, ("greenmfg",)):
                    if alias.asname:
                        module_aliases[alias.asname] = alias.name
                    else:
                        module_aliases.setdefault("greenmfg", "greenmfg")
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, name, is_package)
            imported(target, node.lineno)
            if not _within(target, ("greenmfg",)):
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                if full in modules:
                    module_aliases[alias.asname or alias.name] = full
                if full in modules or (target == "greenmfg" and alias.name != "*"):
                    imported(full, node.lineno)  # ``from greenmfg import settings`` imports greenmfg.settings
                if _private(alias.name) and target != name:
                    found.append(Violation(name, node.lineno, "c",
                                           f"imports the private name {alias.name} of {target}"))

    for node in attributes:
        chain: list[str] = []
        value: ast.expr = node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if not isinstance(value, ast.Name) or value.id not in module_aliases:
            continue
        owner = ".".join([module_aliases[value.id], *reversed(chain)])
        if owner != name and (not modules or owner in modules):
            found.append(Violation(name, node.lineno, "c", f"uses the private name {node.attr} of {owner}"))
    return found


def package_modules() -> dict[str, str]:
    """Path under src/greenmfg → source, for every module of the package."""
    return {path.relative_to(PACKAGE_ROOT).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


#: (module, message) pairs still tolerated, each with its reason; aim for none.
KNOWN: dict[tuple[str, str], str] = {}


def check_package() -> list[Violation]:
    sources = package_modules()
    modules = frozenset(module_name(relative) for relative in sources)
    return [violation for relative, source in sources.items()
            for violation in check_module(source, relative, modules)
            if (violation.module, violation.message) not in KNOWN]


# -- the package ---------------------------------------------------------------------------------


def test_package_follows_the_layering_rules() -> None:
    violations = check_package()
    assert not violations, "layering rules broken (docs/architecture.md):\n  " + "\n  ".join(map(str, violations))


def test_the_walk_sees_the_whole_package() -> None:
    sources = package_modules()
    assert len(sources) > 150
    assert {"calc/accounting.py", "web/app.py", "accounting/service.py", "cli.py"} <= set(sources)
    assert sum(is_edge(relative) for relative in sources) >= 25  # every domain's api/pages and web/
    assert not is_edge("accounting/service.py") and not is_edge("i18n/__init__.py")


# -- the checker itself: a rule that cannot fail checks nothing ----------------------------------

MODULES = frozenset({"greenmfg.accounting.store", "greenmfg.accounting.validation", "greenmfg.web.deps",
                     "greenmfg.region.service", "greenmfg.calc.accounting", "greenmfg.units", "greenmfg.web"})


def rules(source: str, relative: str) -> list[str]:
    return [violation.rule for violation in check_module(source, relative, MODULES)]


@pytest.mark.parametrize("source", [
    "from greenmfg.db.session import Database\n",
    "import greenmfg.accounting.service\n",
    "from greenmfg import settings\n",
    "from ..accounting import store\n",
    "def f():\n    from greenmfg.i18n import N_\n",
])
def test_calc_importing_the_platform_fails(source: str) -> None:
    assert "a" in rules(source, "calc/mv.py")


@pytest.mark.parametrize("source", [
    "from greenmfg.calc.accounting import emissions\n",
    "from greenmfg.errors import GreenmfgError\n",
    "from greenmfg.units import Quantity\n",
    "from . import aggregate\n",
    "from .accounting import emissions\n",
    "import math\nfrom decimal import Decimal\n",
])
def test_calc_importing_calc_errors_and_units_passes(source: str) -> None:
    assert rules(source, "calc/mv.py") == []


@pytest.mark.parametrize("source", [
    "from fastapi import Request\n",
    "import starlette.responses\n",
    "from greenmfg.web.templating import render\n",
    "from greenmfg.web import deps\n",
    "from greenmfg import web\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fastapi import Request\n",
])
@pytest.mark.parametrize("relative", ["accounting/service.py", "accounting/labels.py", "i18n/__init__.py",
                                      "reports/__init__.py", "compliance/export.py"])
def test_a_domain_module_importing_the_web_fails(source: str, relative: str) -> None:
    assert "b" in rules(source, relative)


@pytest.mark.parametrize("relative", ["accounting/api.py", "accounting/pages.py", "web/app.py", "cli.py",
                                      "platform_cli.py", "monitoring/baselines_api.py", "auth/tokens_page.py",
                                      "monitoring/devices_cli.py", "monitoring/ingest.py"])
def test_edges_may_import_the_web(relative: str) -> None:
    assert rules("from fastapi import Request\nfrom greenmfg.web.deps import get_database\n", relative) == []


@pytest.mark.parametrize("source", [
    "from greenmfg.accounting.validation import _check_row\n",
    "from greenmfg.accounting.store import records_csv, _account_bytes\n",
    "from .store import _account_bytes\n",
    "from greenmfg.web.deps import _api_principal as principal\n",
    "from greenmfg.accounting import store\nstore._account_bytes(b'')\n",
    "from greenmfg.region import service as region\nx = region._results\n",
    "import greenmfg.accounting.store\ngreenmfg.accounting.store._records_csv([])\n",
    "import greenmfg.accounting.store as s\ns._records_csv([])\n",
])
def test_using_another_modules_private_name_fails(source: str) -> None:
    assert "c" in rules(source, "compliance/service.py")


@pytest.mark.parametrize("source", [
    "def _helper():\n    pass\n_helper()\n",                  # its own private names
    "from greenmfg.accounting.store import records_csv\n",  # public names
    "from greenmfg import __version__\n",                   # dunders are not private
    "from greenmfg.accounting import store\nstore.records_csv._cache\n",  # an attribute of a function
    "import json\njson._default_encoder\n",                 # not greenmfg's (not this rule's business)
    "class A:\n    def f(self):\n        return self._x\n",
])
def test_public_and_own_names_pass(source: str) -> None:
    assert rules(source, "compliance/service.py") == []


def test_a_module_may_use_its_own_private_names_through_its_package() -> None:
    assert rules("from greenmfg.accounting.store import _account_bytes\n", "accounting/store.py") == []


def test_module_names_and_relative_imports() -> None:
    assert module_name("web/__init__.py") == "greenmfg.web"
    assert module_name("accounting/store.py") == "greenmfg.accounting.store"
    # ``from . import x`` in a package's __init__ is the package itself
    assert rules("from . import _private\n", "web/__init__.py") == []
    assert rules("from .deps import _api_principal\n", "web/__init__.py") == ["c"]
    assert rules("from ..web import deps\n", "accounting/service.py") == ["b"]
