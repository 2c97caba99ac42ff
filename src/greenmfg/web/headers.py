"""Security headers on every response: pages, API, static files, redirects and error answers.

:class:`SecurityHeadersMiddleware` wraps the whole application (outside Starlette's error
middleware, so a 500 carries them too); a header a route already set is left alone.

Content-Security-Policy: scripts only from this origin (no inline script, no ``eval``: htmx runs
with ``allowEval: false`` from the ``htmx-config`` meta tag, charts read ``data-echarts``
attributes), no plugins, no framing, forms post only here. Styles may be inline: templates use
``style=`` attributes and the HTML reports carry their print stylesheet inside the document so that
a saved report renders offline; autoescaped templates keep user text out of CSS. The API docs page
(FastAPI's Swagger UI: an inline start-up script and its CDN assets) gets a policy of its own.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "DOCS_CONTENT_SECURITY_POLICY", "SecurityHeadersMiddleware",
           "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

#: the Swagger UI page of /api/v1/docs only (no user content on it)
DOCS_CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "img-src 'self' data: https://fastapi.tiangolo.com",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])

HSTS = "max-age=31536000; includeSubDomains"


def security_headers(path: str, *, production: bool, docs_path: str | None = None) -> dict[str, str]:
    """The headers for a response to ``path`` (HSTS in production only: development runs on plain HTTP)."""
    headers = {
        "Content-Security-Policy": DOCS_CONTENT_SECURITY_POLICY if docs_path and path == docs_path
        else CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if production:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeadersMiddleware:
    """Pure ASGI: adds :func:`security_headers` to every HTTP response start."""

    def __init__(self, app: ASGIApp, *, production: bool, docs_path: str | None) -> None:
        self.app = app
        self.production = production
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(scope.get("path", ""), production=self.production, docs_path=self.docs_path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
