"""The external channels: e-mail over SMTP and organisations' webhooks, delivered after the commit.

Both are off unless the settings switch them on (``GREENMFG_SMTP_HOST``; ``GREENMFG_WEBHOOKS=1``).
What a transaction notifies is queued on its session (:func:`queue`) and handed to the
:class:`Channels` of the session's database only once the transaction has committed (a rollback
drops it); a worker thread delivers it, so a slow or failing mail server or webhook never delays
or breaks the request that caused the notification: failures are logged (``greenmfg.notifications``).

Webhooks
    ``POST`` of a JSON body to the organisation's URL with the headers ``X-Greenmfg-Event``,
    ``X-Greenmfg-Timestamp`` (Unix seconds) and ``X-Greenmfg-Signature: sha256=<hex>``, the
    HMAC-SHA-256 under the webhook's secret of ``<timestamp>.<body>`` (:func:`signature`); the
    receiver recomputes it and compares in constant time. Only ``http``/``https`` URLs; a host that
    resolves to a private, loopback, link-local or otherwise non-public address is refused
    (:func:`check_url`) unless ``GREENMFG_WEBHOOK_ALLOW_PRIVATE=1``, when the URL is saved and again
    when it is called, and the connection goes to the address that was checked (no second lookup
    a DNS change could redirect); redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event
from sqlalchemy.orm import Session

from greenmfg.db.session import Database
from greenmfg.errors import InputError
from greenmfg.settings import Settings

__all__ = ["Channels", "Email", "UnsafeWebhookUrl", "WebhookPost", "channels_of", "check_url", "configure",
           "queue", "signature"]

_log = logging.getLogger("greenmfg.notifications")
#: session.info keys: the channels of the session's database; deliveries waiting for the commit
_CHANNELS = "greenmfg.notifications.channels"
_QUEUED = "greenmfg.notifications.queued"


class UnsafeWebhookUrl(InputError):
    """A webhook URL greenmfg will not call (not http(s), no host, or a non-public address)."""

    code = "unsafe_webhook_url"
    message = "this webhook address cannot be used"
    message_zh = "该 Webhook 地址不可用"


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class WebhookPost:
    url: str
    secret: str
    event: str
    payload: dict[str, Any]


Delivery = Email | WebhookPost


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA-256 under ``secret`` of ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_url(url: str, *, allow_private: bool) -> tuple[str, int, str]:
    """The scheme, port and the checked address to connect to for a webhook ``url``.

    Raises
    ------
    UnsafeWebhookUrl
        Not ``http``/``https``, no host, a host that does not resolve, or (unless ``allow_private``)
        one that resolves to any address that is not public (private, loopback, link-local,
        reserved, multicast: what a request forged from the server could reach, SSRF).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeWebhookUrl("the webhook address is not a URL", "Webhook 地址不是有效的网址") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookUrl("a webhook address must start with http:// or https:// and name a host",
                               "Webhook 地址必须以 http:// 或 https:// 开头并包含主机名")
    if parts.username or parts.password:
        raise UnsafeWebhookUrl("a webhook address must not contain a user name or password",
                               "Webhook 地址中不得包含用户名或密码")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeWebhookUrl(f"the host {parts.hostname} of the webhook address is not known",
                               f"Webhook 地址的主机 {parts.hostname} 无法解析") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not allow_private and not all(_public(a) for a in addresses):
        raise UnsafeWebhookUrl(
            f"the webhook address {parts.hostname} points to a private or local network address; only public "
            "addresses are called (an administrator may allow private ones: GREENMFG_WEBHOOK_ALLOW_PRIVATE)",
            f"Webhook 地址 {parts.hostname} 指向内网或本机地址；仅允许公网地址（管理员可通过 "
            "GREENMFG_WEBHOOK_ALLOW_PRIVATE 允许内网地址）")
    return parts.scheme, port, str(addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address, the certificate verified for the URL's host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass
class Channels:
    """The external channels of one database's sessions (see the module docstring)."""

    settings: Settings
    _executor: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _futures: list[Future[None]] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def email(self) -> bool:
        return bool(self.settings.smtp_host)

    @property
    def webhooks(self) -> bool:
        return self.settings.webhooks

    def dispatch(self, deliveries: Sequence[Delivery]) -> None:
        """Deliver in the worker thread (never raises)."""
        if not deliveries:
            return
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="greenmfg-notify")
            self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(self._executor.submit(self._deliver_all, list(deliveries)))

    def wait(self, timeout: float = 10.0) -> None:
        """Until the deliveries dispatched so far are done (the command line, tests)."""
        with self._lock:
            pending = list(self._futures)
        wait_for(pending, timeout=timeout)

    def _deliver_all(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            try:
                if isinstance(delivery, Email):
                    self.send_email(delivery)
                else:
                    self.post_webhook(delivery)
            except Exception:  # one failing channel never stops the others
                _log.exception("notification delivery failed: %s", _describe(delivery))

    def send_email(self, email: Email) -> None:
        """Send one e-mail through the configured SMTP server (raises on failure)."""
        settings = self.settings
        assert settings.smtp_host
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = settings.smtp_from, email.to, email.subject
        message.set_content(email.body)
        timeout = float(settings.webhook_timeout_seconds * 2)
        smtp: smtplib.SMTP
        if settings.smtp_tls == "ssl":
            smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with smtp:
            if settings.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)

    def post_webhook(self, post: WebhookPost) -> int:
        """POST one signed webhook; its HTTP status (raises on a refused URL or a network failure)."""
        scheme, port, address = check_url(post.url, allow_private=self.settings.webhook_allow_private)
        parts = urlsplit(post.url.strip())
        assert parts.hostname
        body = json.dumps(post.payload, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
        timestamp = str(int(time.time()))
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(parts.hostname, address, port, float(self.settings.webhook_timeout_seconds))
        try:
            connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                               headers={"Content-Type": "application/json; charset=utf-8",
                                        "User-Agent": "greenmfg-webhook", "X-Greenmfg-Event": post.event,
                                        "X-Greenmfg-Timestamp": timestamp,
                                        "X-Greenmfg-Signature": signature(post.secret, timestamp, body)})
            status = connection.getresponse().status
        finally:
            connection.close()
        if status >= 300:
            _log.warning("webhook %s answered HTTP %s", _describe(post), status)
        return status


def _describe(delivery: Delivery) -> str:
    if isinstance(delivery, Email):
        return f"e-mail to {delivery.to}: {delivery.subject}"
    return f"webhook {urlsplit(delivery.url).hostname} ({delivery.event})"


def configure(settings: Settings, *, database: Database) -> Channels:
    """Attach the settings' channels to ``database``'s sessions (the app factory and the command
    line call this at start-up); without it nothing leaves the inbox."""
    channels = Channels(settings)
    info = dict(database.sessionmaker.kw.get("info") or {})
    database.sessionmaker.configure(info={**info, _CHANNELS: channels})
    return channels


def channels_of(session: Session) -> Channels | None:
    """The channels attached to the session's database (None: only the inbox)."""
    found = session.info.get(_CHANNELS)
    return found if isinstance(found, Channels) else None


def queue(session: Session, delivery: Delivery) -> None:
    """Deliver ``delivery`` once the session's transaction commits."""
    session.info.setdefault(_QUEUED, []).append(delivery)


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    deliveries = session.info.pop(_QUEUED, None)
    channels = channels_of(session)
    if deliveries and channels is not None:
        channels.dispatch(deliveries)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_QUEUED, None)
