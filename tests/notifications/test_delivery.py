"""The external channels: e-mail to a local SMTP sink, webhooks to a local HTTP server with a valid
signature, after the commit and never breaking the step that caused them; the SSRF guard."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import logging
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from greenmfg.audit.service import record
from greenmfg.auth.models import User
from greenmfg.db.session import Database
from greenmfg.notifications.delivery import (
    Channels,
    UnsafeWebhookUrl,
    WebhookPost,
    check_url,
    signature,
)
from greenmfg.notifications.events import configure
from greenmfg.notifications.models import Notification
from greenmfg.notifications.service import save_preferences, save_webhook
from greenmfg.orgs.access import Principal, load_principal
from greenmfg.settings import Settings
from tests.factories import World

# ------------------------------------------------------------------------------------ the SMTP sink


@dataclass
class Sink:
    """Messages a local SMTP server received: (envelope recipients, parsed message)."""

    received: list[tuple[list[str], email.message.EmailMessage]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def handle(self) -> None:
        sink: Sink = self.server.sink  # type: ignore[attr-defined]
        recipients: list[str] = []
        self.wfile.write(b"220 sink ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == "RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(data, policy=email.policy.default)
                sink.received.append((recipients, message))  # type: ignore[arg-type]
                recipients = []
                self.wfile.write(b"250 queued\r\n")
                sink.arrived.set()
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # HELO, MAIL, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture(scope="module")
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.sink = Sink()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.sink, server.server_address[1]  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------------- the HTTP receiver


@dataclass
class Hooks:
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        hooks: Hooks = self.server.hooks  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        hooks.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()
        hooks.arrived.set()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[Hooks, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HookHandler)
    server.hooks = Hooks()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.hooks, server.server_address[1]  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def principal_of(database: Database, username: str) -> Principal:
    with database.session() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        return load_principal(s, user)


def approve_for_steel(database: Database, world: World) -> None:
    """A capacity plan of the steel enterprise approved by 河北 (told to the steel members)."""
    with database.session() as s:
        record(s, "capacity.plan.approve", actor="hebei", organisation_id=world.org("steel"),
               target_type="capacity_plan", target_id=41, details={"comment": "符合置换比例"})


# ----------------------------------------------------------------------------------------- e-mail


def test_email_goes_to_the_sink_after_the_commit_in_the_users_language(world: World,
                                                                       smtp_sink: tuple[Sink, int]) -> None:
    sink, port = smtp_sink
    sink.received.clear()
    sink.arrived.clear()
    database = world.database
    channels = configure(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none",
                                  smtp_from="greenmfg@example.cn", public_url="https://greenmfg.example.cn"),
                         database=database)
    with database.session() as s:  # the viewer reads English, the manager the default Chinese
        s.execute(select(User).where(User.username == "steelviewer")).scalar_one().locale = "en"
    for username, address, chosen in (("steel", "energy@steel.example.cn", ["inbox", "email"]),
                                      ("steelviewer", "viewer@steel.example.cn", ["email"])):
        with database.session() as s:
            save_preferences(s, principal_of(database, username), email=address, channels={"workflow": chosen})
    # rolled back: nothing is sent
    with pytest.raises(RuntimeError), database.session() as s:
        record(s, "capacity.plan.approve", actor="hebei", organisation_id=world.org("steel"),
               target_type="capacity_plan", target_id=40)
        raise RuntimeError("undone")
    channels.wait()
    assert sink.received == []
    approve_for_steel(database, world)
    channels.wait()
    assert sink.arrived.wait(5)
    by_address = {to[0]: message for to, message in sink.received}
    assert set(by_address) == {"energy@steel.example.cn", "viewer@steel.example.cn"}
    zh, en = by_address["energy@steel.example.cn"], by_address["viewer@steel.example.cn"]
    assert zh["From"] == "greenmfg@example.cn"
    assert zh["Subject"] == "唐山示例钢铁有限公司的产能置换方案“41”已批准"
    assert en["Subject"] == "Capacity-replacement plan “41” of 唐山示例钢铁有限公司 approved"
    body = zh.get_body().get_content()  # type: ignore[union-attr]
    assert "理由：符合置换比例" in body and "https://greenmfg.example.cn/capacity/plans/41" in body
    # the viewer chose e-mail only: nothing in its inbox; the manager has both
    with database.session() as s:
        owners = set(s.execute(select(User.username).join(Notification, Notification.user_id == User.id)).scalars())
    assert owners == {"steel"}


def test_no_email_without_an_smtp_host(world: World, smtp_sink: tuple[Sink, int]) -> None:
    sink, _ = smtp_sink
    sink.received.clear()
    database = world.database
    channels = configure(Settings(), database=database)  # the default: e-mail off
    with database.session() as s:
        save_preferences(s, principal_of(database, "steel"), email="energy@steel.example.cn",
                         channels={"workflow": ["inbox", "email"]})
    approve_for_steel(database, world)
    channels.wait()
    assert sink.received == [] and not channels.email and not channels.webhooks


# --------------------------------------------------------------------------------------- webhooks


def test_webhook_is_signed_and_a_failing_one_never_breaks_the_step(world: World, receiver: tuple[Hooks, int],
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    hooks, port = receiver
    hooks.received.clear()
    hooks.arrived.clear()
    database = world.database
    channels = configure(Settings(webhooks=True, webhook_allow_private=True, webhook_timeout_seconds=2),
                         database=database)
    with database.session() as s:
        hook = save_webhook(s, principal_of(database, "steel"), world.org("steel"),
                            url=f"http://127.0.0.1:{port}/greenmfg?source=test", kinds=["workflow"], active=True,
                            allow_private=True)
        assert hook is not None
        secret = hook.secret
        # the glass enterprise's hook points at a closed port: its failure is logged, nothing else
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
        closed.close()
        save_webhook(s, principal_of(database, "hebei"), world.org("hebei"), url=f"http://127.0.0.1:{dead_port}/x",
                     kinds=None, active=True, allow_private=True)
    with caplog.at_level(logging.ERROR, logger="greenmfg.notifications"):
        with database.session() as s:  # told: 河北 (hebei's hook fails) and 唐山's regulators; steel's hook is not told
            record(s, "capacity.plan.submit", actor="steel", organisation_id=world.org("steel"),
                   target_type="capacity_plan", target_id=42)
        approve_for_steel(database, world)  # told: steel's members → steel's hook
        channels.wait()
    assert hooks.arrived.wait(5)
    assert len(hooks.received) == 1
    headers, body = hooks.received[0]
    expected = "sha256=" + hmac.new(secret.encode(), headers["x-greenmfg-timestamp"].encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-greenmfg-signature"], expected)
    assert headers["x-greenmfg-signature"] == signature(secret, headers["x-greenmfg-timestamp"], body)
    payload = json.loads(body)
    assert payload["event"] == "capacity.plan.approve" and payload["enterprise_id"] == world.org("steel")
    assert payload["title_zh"] == "唐山示例钢铁有限公司的产能置换方案“41”已批准"
    assert payload["link"] == "/capacity/plans/41" and headers["x-greenmfg-event"] == "capacity.plan.approve"
    assert any("webhook 127.0.0.1" in r.getMessage() for r in caplog.records), caplog.text
    # the steps themselves were committed: their notifications are in the inboxes
    with database.session() as s:
        events = set(s.execute(select(Notification.event)).scalars())
    assert events == {"capacity.plan.submit", "capacity.plan.approve"}


def test_a_kind_the_webhook_does_not_take_is_not_sent(world: World, receiver: tuple[Hooks, int]) -> None:
    hooks, port = receiver
    hooks.received.clear()
    database = world.database
    channels = configure(Settings(webhooks=True, webhook_allow_private=True), database=database)
    with database.session() as s:
        save_webhook(s, principal_of(database, "steel"), world.org("steel"), url=f"http://127.0.0.1:{port}/h",
                     kinds=["alert"], active=True, allow_private=True)
    approve_for_steel(database, world)
    channels.wait()
    assert hooks.received == []


# ------------------------------------------------------------------------------------------- SSRF


@pytest.mark.parametrize("url", [
    "ftp://203.0.113.9/x", "file:///etc/passwd", "javascript:alert(1)", "http:///nohost", "http://user:pw@8.8.8.8/",
    "http://127.0.0.1/", "http://localhost:8000/", "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.5.4/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
    "http://100.64.0.1/", "http://224.0.0.1/", "https://[fd00::1]/",
])
def test_non_public_or_non_http_webhooks_are_refused(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl) as refused:
        check_url(url, allow_private=False)
    assert refused.value.status == 422 and refused.value.message_zh


def test_public_addresses_pass_and_private_ones_only_when_allowed() -> None:
    assert check_url("https://8.8.8.8/hook", allow_private=False) == ("https", 443, "8.8.8.8")
    assert check_url("http://[2606:4700:4700::1111]:8080/h", allow_private=False) == ("http", 8080, "2606:4700:4700::1111")
    assert check_url("http://127.0.0.1:9000/h", allow_private=True) == ("http", 9000, "127.0.0.1")
    with pytest.raises(UnsafeWebhookUrl):
        check_url("ftp://127.0.0.1/", allow_private=True)  # the scheme rule holds either way


def test_saving_a_private_webhook_is_refused_and_the_send_checks_again(world: World, receiver: tuple[Hooks, int]
                                                                       ) -> None:
    hooks, port = receiver
    hooks.received.clear()
    database = world.database
    with pytest.raises(UnsafeWebhookUrl), database.session() as s:
        save_webhook(s, principal_of(database, "steel"), world.org("steel"), url=f"http://127.0.0.1:{port}/h",
                     kinds=[], active=True, allow_private=False)
    # a URL saved while private ones were allowed is not called once they are not
    channels = Channels(Settings(webhooks=True, webhook_allow_private=False))
    with pytest.raises(UnsafeWebhookUrl):
        channels.post_webhook(WebhookPost(f"http://127.0.0.1:{port}/h", "k" * 32, "x", {"a": 1}))
    assert hooks.received == []


def test_only_the_organisations_managers_set_its_webhook(world: World) -> None:
    from greenmfg.orgs.access import Forbidden, NotFound

    database = world.database
    with database.session() as s:
        with pytest.raises(Forbidden):  # a viewer of steel
            save_webhook(s, principal_of(database, "steelviewer"), world.org("steel"), url="https://8.8.8.8/h",
                         kinds=[], active=True, allow_private=False)
        with pytest.raises(NotFound):  # another enterprise
            save_webhook(s, principal_of(database, "cement"), world.org("steel"), url="https://8.8.8.8/h",
                         kinds=[], active=True, allow_private=False)
