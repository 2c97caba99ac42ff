"""HTML pages: one Jinja2 set-up for the whole platform, and ``render()`` for route handlers.

The contract
============

At start-up the app factory builds the templates once and keeps them on the app::

    catalogs = load_catalogs()
    app.state.templates = create_templates(
        ["greenmfg.web", "greenmfg.accounting", "greenmfg.orgs", "greenmfg.admin"], catalogs)
    app.mount("/static", static_files(), name="static")

Template search path
    ``greenmfg/web/templates`` first, then each listed package's ``templates/`` folder, in order.
    A domain keeps its pages under a folder named after it (``accounting/templates/accounting/
    results.html`` is rendered as ``"accounting/results.html"``); two packages offering the same
    template name is an error at start-up, never a silent shadowing.

What ``request.state`` must carry (set by middleware before the handler runs)
    ``locale``      one of :data:`~greenmfg.i18n.SUPPORTED_LOCALES` (from
                    :func:`~greenmfg.i18n.negotiate`); required.
    ``user``        the signed-in user or ``None``. Read: ``display_name``, ``username`` and the
                    booleans ``is_admin``, ``is_regulator``, ``is_evaluator``, ``is_enterprise``
                    (see :class:`UserLike`). Missing means ``None``.
    ``csrf_token``  the token every POST form and htmx request must send back, as form field
                    ``csrf_token`` or header ``X-CSRF-Token``; required when a user is signed in.
    ``flashes``     optional: messages for this page, each with ``level`` (success, info, warning,
                    error) and ``message`` (already translated); see :class:`Flash`.
    ``flash_pending`` optional: the previous response's flash as (level, English message id,
                    ``{name}`` parameters), translated here into the page's locale.

What a page template does
    ::

        {% extends "base.html" %}
        {% import "_macros.html" as ui %}
        {% block title %}{{ _("Results") }}{% endblock %}
        {% block content %}
          {{ ui.breadcrumb([(_("Dashboard"), "/"), (_("Results"), None)]) }}
          <div class="grid grid-4">{{ ui.kpi(_("Energy"), total|decimal(1), "tce", delta=-0.042) }}</div>
          {% call ui.card(_("Monthly energy")) %}{{ ui.chart("energy", option, 320) }}{% endcall %}
        {% endblock %}

    Blocks of ``base.html``: ``title``, ``head``, ``page_header``, ``content``, ``scripts``.
    Strings are English message ids in ``_()`` or ``{% trans %}``; their Chinese goes into a
    ``.po`` file (see :mod:`greenmfg.i18n`). Numbers and dates go through the filters
    ``number``, ``decimal``, ``percent``, ``date`` and ``datetime`` (locale-aware, Babel);
    ``item_name`` names an energy carrier, material or product key in the page's language; ``words``
    names the codes inside a message, ``key_name``, ``dataset_name``, ``reference_name``,
    ``status_name``, ``unit_name`` and ``rating_name`` one code (:mod:`greenmfg.refdata.words`).
    Available everywhere, macros included: ``locale``, ``t`` (the :class:`~greenmfg.i18n.
    Translator`), ``static_url(path)``, ``with_query(url, **params)``. Pages (not imported macros)
    also see ``request``, ``user``, ``csrf_token``, ``flashes``, ``nav``, ``language_links``; a
    page may set ``nav_active`` (a :class:`NavItem` key) in its context to mark the current
    section when its path does not start with the item's ``href``.

Calling it
    ``return render(request, "accounting/results.html", {"rows": rows})`` returns an
    ``HTMLResponse`` with ``Content-Language`` set. Text a handler builds outside a template
    (chart labels, flashes, labels passed to a report) uses ``translator_for(request)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from greenmfg import __version__
from greenmfg.domains import NavItem, navigation
from greenmfg.i18n import SUPPORTED_LOCALES, Catalogs, Translator

__all__ = [
    "Flash",
    "NavItem",
    "Templates",
    "UserLike",
    "create_environment",
    "create_templates",
    "item_name",
    "label_of",
    "vocabulary_name",
    "local_redirect_target",
    "render",
    "static_files",
    "translator_for",
]

#: Where the app mounts :func:`static_files`.
STATIC_PREFIX = "/static"

#: How each language names itself in the language switch.
LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType({"zh-CN": "中文", "en": "English"})


class UserLike(Protocol):
    """What the layout reads of ``request.state.user``."""

    @property
    def display_name(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def is_admin(self) -> bool: ...
    @property
    def is_regulator(self) -> bool: ...
    @property
    def is_evaluator(self) -> bool: ...
    @property
    def is_enterprise(self) -> bool: ...


class Flash(NamedTuple):
    """A one-off message shown above the page content."""

    level: str  # success | info | warning | error
    message: str


def local_redirect_target(next_url: str | None, default: str = "/") -> str:
    """``next_url`` if it is a path on this site, else ``default`` (no open redirects).

    For the ``/lang/<locale>?next=…`` and login handlers.
    """
    if not next_url or not next_url.startswith("/") or next_url.startswith("//"):
        return default
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or "\\" in next_url:
        return default
    return next_url


def with_query(url: object, **params: object) -> str:
    """``url`` with ``params`` set in its query string (``None`` removes a parameter)."""
    parts = urlsplit(str(url))
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in params.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = str(value)
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def _static_url(path: str) -> str:
    # the version query makes browsers fetch new CSS/JS after an upgrade
    return f"{STATIC_PREFIX}/{path.lstrip('/')}?v={quote(__version__)}"


def static_files() -> StaticFiles:
    """The ASGI app serving ``greenmfg/web/static`` (CSS, JS, vendor libraries); mount at ``/static``."""
    return StaticFiles(packages=[("greenmfg.web", "static")])


def _loader(packages: Sequence[str]) -> ChoiceLoader:
    loaders: list[PackageLoader] = []
    owner: dict[str, str] = {}
    for package in packages:
        try:
            loader = PackageLoader(package, "templates")
        except ValueError as exc:
            raise ValueError(f"package {package!r} has no templates/ folder: {exc}") from exc
        for name in loader.list_templates():
            if name in owner:
                raise ValueError(
                    f"template {name!r} is in both {owner[name]} and {package}; "
                    f"put a domain's templates under templates/<domain>/"
                )
            owner[name] = package
        loaders.append(loader)
    return ChoiceLoader(loaders)


def create_environment(packages: Sequence[str], translator: Translator) -> Environment:
    """A Jinja2 environment for one locale.

    Autoescaping is on for every template; undefined variables raise (a typo is an error, not
    an empty string); ``{% trans %}`` and ``_()`` translate with ``translator``.
    """
    env = Environment(
        loader=_loader(packages),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translator.translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        locale=translator.locale,
        t=translator,
        static_url=_static_url,
        with_query=with_query,
        product_version=__version__,
    )
    zh = translator.locale == "zh-CN"
    env.filters.update(
        item_name=functools.partial(item_name, zh=zh),
        # the reference library's words for its codes (greenmfg.refdata.words), imported when first used
        words=functools.partial(_words, "in_words", zh=zh),
        key_name=functools.partial(_words, "key_name", zh=zh),
        dataset_name=functools.partial(_words, "dataset_name", zh=zh),
        reference_name=functools.partial(_words, "reference_name", zh=zh),
        status_name=functools.partial(_words, "status_name", zh=zh),
        unit_name=functools.partial(_words, "unit_name", zh=zh),
        rating_name=functools.partial(_words, "rating_name", zh=zh),
        # the audit log's words (greenmfg.audit.labels)
        audit_action=functools.partial(_audit, "action_label", gettext=translator.gettext),
        audit_target=functools.partial(_audit, "target_label", gettext=translator.gettext),
        audit_key=functools.partial(_audit, "detail_label", gettext=translator.gettext),
        audit_value=functools.partial(_audit, "detail_value", gettext=translator.gettext),
        number=translator.format_number,
        decimal=translator.format_decimal,
        percent=translator.format_percent,
        date=translator.format_date,
        datetime=translator.format_datetime,
    )
    return env


def _words(function: str, value: object, *, zh: bool) -> str:
    """A code in words through :mod:`greenmfg.refdata.words` (``{{ row.unit | unit_name }}``)."""
    from greenmfg.refdata import words  # reference data only when a page names something

    if value is None:
        return "" if function == "in_words" else "—"
    return str(getattr(words, function)(str(value), zh=zh))


def _audit(function: str, value: Any, *, gettext: Callable[..., str]) -> Any:
    """An audit action, target, detail key or value in words (:mod:`greenmfg.audit.labels`)."""
    from greenmfg.audit import labels

    return getattr(labels, function)(value, gettext)


def item_name(key: object, *, zh: bool) -> str:
    """The vocabulary's Chinese or English name of an item key (the key itself when unknown)."""
    from greenmfg.refdata import load_vocabulary  # reference data only when a page names an item

    item = load_vocabulary().items.get(str(key)) if key is not None else None
    if item is None:
        return "" if key is None else str(key)
    return item.name_zh if zh else item.name_en[:1].upper() + item.name_en[1:]


def label_of(table: Mapping[str, str], key: str | None, translator: Translator) -> str:
    """The translated label of ``key`` in ``table``; an em dash when empty, the key itself when unknown."""
    if not key:
        return "—"
    text = table.get(key)
    return translator.gettext(text) if text else key


def vocabulary_name(records: Mapping[str, Mapping[str, str]], key: str | None, translator: Translator, *,
                    english: Callable[[str], str] = str) -> str:
    """The Chinese or English name (through ``english``) of a vocabulary record (an industry, a region);
    an em dash when empty, the key itself when unknown."""
    if not key:
        return "—"
    record = records.get(key)
    if record is None:
        return key
    return record["name_zh"] if translator.locale == "zh-CN" else english(record["name_en"])


class Templates:
    """The platform's templates in every supported locale."""

    def __init__(
        self, packages: Sequence[str], catalogs: Catalogs, *, nav: Iterable[NavItem] | None = None
    ) -> None:
        if "greenmfg.web" not in packages:
            packages = ["greenmfg.web", *packages]
        self.packages: tuple[str, ...] = tuple(packages)
        #: the top navigation: every domain's declared entries unless given
        self.nav: tuple[NavItem, ...] = navigation() if nav is None else tuple(nav)
        #: the catalogs the environments translate with (flash messages and handlers use them too)
        self.catalogs: Catalogs = catalogs
        self._environments = {
            locale: create_environment(self.packages, catalogs.translator(locale))
            for locale in catalogs.locales
        }

    def environment(self, locale: str) -> Environment:
        """The Jinja2 environment of ``locale``."""
        return self._environments[locale]

    def render_to_string(self, locale: str, name: str, context: Mapping[str, Any]) -> str:
        """Render ``name`` with exactly ``context`` (no request): for e-mails, PDFs and tests."""
        return self.environment(locale).get_template(name).render(context)

    def page_context(self, request: Request, context: Mapping[str, Any] | None) -> dict[str, Any]:
        """What every page sees, derived from ``request.state``, then ``context`` on top."""
        state = request.state
        user = getattr(state, "user", None)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        active = (context or {}).get("nav_active") or _active_key(self.nav, request.url.path)
        nav = [
            {"key": item.key, "label": item.label, "href": item.href, "icon": item.icon,
             "active": item.key == active}
            for item in self.nav if item.visible_to(user)
        ]
        return {
            "request": request,
            "user": user,
            "csrf_token": getattr(state, "csrf_token", None) or "",
            "flashes": [*(getattr(state, "flashes", None) or ()), *self._pending_flash(request)],
            "nav": nav,
            "nav_active": active,
            "language_links": [
                {"locale": code, "name": LANGUAGE_NAMES[code],
                 "href": f"/lang/{code}?{urlencode({'next': here})}"}
                for code in SUPPORTED_LOCALES if code in self._environments
            ],
            **(context or {}),
        }

    def _pending_flash(self, request: Request) -> list[Flash]:
        """The flash of the previous response (``request.state.flash_pending``: level, English
        message id, ``{name}`` parameters) translated into the page's locale."""
        pending = getattr(request.state, "flash_pending", None)
        locale = getattr(request.state, "locale", None)
        if not pending or locale not in self._environments:
            return []
        level, message, params = pending
        try:
            return [Flash(level, self.catalogs.translator(locale).gettext(message).format(**params))]
        except (KeyError, IndexError, ValueError):
            return []

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """Render page ``name`` in ``request.state.locale``; see the module docstring."""
        locale = getattr(request.state, "locale", None)
        if locale not in self._environments:
            raise RuntimeError(
                f"request.state.locale is {locale!r}; the locale middleware must set one of "
                f"{', '.join(self._environments)} before a page is rendered"
            )
        html = self.render_to_string(locale, name, self.page_context(request, context))
        return HTMLResponse(
            html, status_code=status_code, headers={"Content-Language": locale, **(headers or {})}
        )


def _active_key(nav: Sequence[NavItem], path: str) -> str | None:
    """The nav item whose ``href`` is the longest prefix of ``path`` (``/`` only for itself)."""
    best: NavItem | None = None
    for item in nav:
        href = item.href.rstrip("/")
        matches = path == item.href if item.href == "/" else path == href or path.startswith(href + "/")
        if matches and (best is None or len(item.href) > len(best.href)):
            best = item
    return best.key if best is not None else None


def create_templates(
    packages: Sequence[str], catalogs: Catalogs, *, nav: Iterable[NavItem] | None = None
) -> Templates:
    """Build the platform's :class:`Templates` (one environment per locale) at start-up."""
    return Templates(packages, catalogs, nav=nav)


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render page ``name`` with the app's templates (``request.app.state.templates``)."""
    templates = getattr(request.app.state, "templates", None)
    if not isinstance(templates, Templates):
        raise RuntimeError("app.state.templates is not set: call create_templates() in the app factory")
    return templates.render(request, name, context, status_code, headers)


def translator_for(request: Request) -> Translator:
    """The :class:`~greenmfg.i18n.Translator` of the request's locale (``request.state.locale``),
    from the app's catalogs: for text a page handler builds outside a template."""
    templates = getattr(request.app.state, "templates", None)
    if not isinstance(templates, Templates):
        raise RuntimeError("app.state.templates is not set: call create_templates() in the app factory")
    return templates.catalogs.translator(request.state.locale)
