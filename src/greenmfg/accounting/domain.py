"""The accounting domain: what it adds to the platform (see :mod:`greenmfg.domains`)."""

from greenmfg.domains import Domain, NavItem
from greenmfg.i18n import N_

DOMAIN = Domain("greenmfg.accounting", api=("api", "editing_api"), pages=("pages", "editing_page"), templates=True,
                models=("models",),
                nav=(
                    NavItem("dashboard", N_("Dashboard"), "/", "dashboard", order=10),
                    NavItem("imports", N_("Imports"), "/imports", "upload", order=20),
                    NavItem("results", N_("Results"), "/results", "results", order=30),
                ))
