"""MQTT ingest worker: subscribe, batch, commit, then acknowledge.

Topic ``greenmfg/v1/{enterprise_id}/{meter_id}/readings`` (database ids, see ``README.md``).
The client connects with a fixed client id and a persistent session (MQTT 3.1.1,
``clean_session=False``), subscribes with QoS 1 and acknowledges each message only after the
batch that holds it is committed (paho ``manual_ack``): a crash or restart of greenmfg before the
commit makes the broker deliver the message again, and the idempotent store ignores what was
already written. Bad messages go to the dead-letter table with the reason and are acknowledged.

Who may publish (issue #13 item 4): the broker authenticates meters and gateways and enforces the
topic ACL generated from their credentials (:mod:`greenmfg.monitoring.broker`) — the first line. The
ingest cannot see which user published a message (MQTT does not forward it), so as a second line it
refuses (dead letter) any topic that no active credential grants: a meter nobody holds a credential
for, a revoked credential's meters, or anything at all when the broker lets anonymous clients in.
Before it subscribes, :func:`greenmfg.monitoring.broker.check_broker` probes whether the broker would
drop messages queued while greenmfg is away (``check_broker``; ``require_durable_broker`` refuses to run).
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.orm import Session

from greenmfg.db.session import Database
from greenmfg.errors import GreenmfgError
from greenmfg.monitoring.devices import Grants, active_grants
from greenmfg.monitoring.readings import (
    MeterInfo,
    PayloadError,
    StoreResult,
    dead_letter,
    load_meters,
    parse_payload,
    store_readings,
)

if TYPE_CHECKING:
    from greenmfg.monitoring.broker import BrokerCheck

__all__ = ["TOPIC_FILTER", "BrokerWouldDrop", "IngestStats", "IngestWorker", "process_messages"]

log = logging.getLogger("greenmfg.monitoring.ingest")

TOPIC_FILTER = "greenmfg/v1/+/+/readings"
#: an optional prefix before ``greenmfg/v1`` (``IngestWorker.prefix``) keeps tests and benches apart
_TOPIC = re.compile(r"^(?:.+/)?greenmfg/v1/(\d{1,12})/(\d{1,12})/readings$")


@dataclass
class IngestStats:
    messages: int = 0
    readings: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    batches: int = 0


def _reject(session: Session, topic: str, payload: bytes, reason: str, reason_zh: str, meter_id: int | None) -> None:
    dead_letter(session, source="mqtt", topic=topic, payload=payload, reason=reason, reason_zh=reason_zh,
                meter_id=meter_id)


class BrokerWouldDrop(GreenmfgError):
    """The broker discards messages queued for an offline session (``--require-durable-broker``)."""

    status = 503
    code = "broker_would_drop"
    message = "the MQTT broker would drop messages queued for an offline session"
    message_zh = "MQTT 服务器会丢弃离线会话的排队消息"
    one_text = True


def process_messages(session: Session, messages: list[tuple[str, bytes]],
                     meters: dict[int, MeterInfo] | None = None,
                     grants: Grants | None = None) -> tuple[StoreResult, int]:
    """Store a batch of MQTT messages ``(topic, payload)`` in the caller's transaction.

    A topic must name a meter of that enterprise that an active device credential grants
    (``grants``; loaded when not given). Returns the store result and the number of messages sent
    to the dead-letter table.
    """
    if grants is None:
        grants = active_grants(session)
    wanted: set[int] = set()
    for topic, _payload in messages:
        match = _TOPIC.match(topic)
        if match:
            wanted.add(int(match.group(2)))
    known = dict(meters or {})
    missing = wanted - known.keys()
    if missing:
        known.update(load_meters(session, missing))
        if meters is not None:
            meters.update({k: v for k, v in known.items() if k in missing})
    batch: dict[int, list[tuple[int, float]]] = {}
    rejected = 0
    for topic, payload in messages:
        match = _TOPIC.match(topic)
        if not match:
            _reject(session, topic, payload, "topic must be greenmfg/v1/{enterprise_id}/{meter_id}/readings",
                    "主题必须为 greenmfg/v1/{企业ID}/{计量表ID}/readings", None)
            rejected += 1
            continue
        enterprise_id, meter_id = int(match.group(1)), int(match.group(2))
        meter = known.get(meter_id)
        if meter is None or meter.enterprise_id != enterprise_id:
            _reject(session, topic, payload, f"enterprise {enterprise_id} has no meter {meter_id}",
                    f"企业 {enterprise_id} 没有编号为 {meter_id} 的计量表", meter_id)
            rejected += 1
            continue
        if not grants.allows(enterprise_id, meter_id):
            _reject(session, topic, payload,
                    f"no active device credential grants meter {meter_id} of enterprise {enterprise_id}",
                    f"没有有效的设备凭据授权企业 {enterprise_id} 的计量表 {meter_id}", meter_id)
            rejected += 1
            continue
        try:
            readings = parse_payload(payload, meter.unit)
        except PayloadError as error:
            _reject(session, topic, payload, error.reason, error.reason_zh, meter_id)
            rejected += 1
            continue
        batch.setdefault(meter_id, []).extend(readings)
    return store_readings(session, known, batch), rejected


@dataclass
class _Message:
    mid: int
    qos: int
    topic: str
    payload: bytes


@dataclass
class IngestWorker:
    """Subscribes to the broker and writes batches; :meth:`run` blocks until :meth:`stop`.

    Parameters
    ----------
    database
        Where readings go.
    url
        ``mqtt://[user:password@]host[:port]``.
    client_id
        Fixed, so the broker keeps the session (subscription and unacknowledged messages).
    batch_messages, batch_seconds
        A batch is written when it holds this many messages or its first message is this old.
    """

    database: Database
    url: str
    client_id: str = "greenmfg-ingest"
    #: topic prefix before ``greenmfg/v1`` (empty in production)
    prefix: str = ""
    #: seconds a cached meter (unit, register settings, replacements) is trusted
    meter_cache_seconds: float = 30.0
    batch_messages: int = 1000
    batch_seconds: float = 0.25
    #: probe the broker for dropped queued messages before subscribing (log the verdict)
    check_broker: bool = False
    #: refuse to run (:class:`BrokerWouldDrop`) when the probe sees drops or cannot run
    require_durable_broker: bool = False
    broker_check: BrokerCheck | None = None
    stats: IngestStats = field(default_factory=IngestStats)
    _queue: queue.Queue[_Message] = field(default_factory=queue.Queue)
    _stop: threading.Event = field(default_factory=threading.Event)
    _connected: threading.Event = field(default_factory=threading.Event)
    _meters: dict[int, MeterInfo] = field(default_factory=dict)
    _client: Any = None
    _cache_time: float = 0.0

    def _make_client(self) -> mqtt.Client:
        parsed = urlparse(self.url)
        client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=self.client_id,
                             clean_session=False, protocol=mqtt.MQTTv311, manual_ack=True)
        if parsed.username:
            client.username_pw_set(parsed.username, parsed.password)
        client.max_inflight_messages_set(65535)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.connect_async(parsed.hostname or "127.0.0.1", parsed.port or 1883, keepalive=30)
        return client

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if not reason.is_failure:
            # ready once the broker has granted the subscription (SUBACK, :meth:`_on_subscribe`): a
            # reading published before that would reach no session of a new client id
            client.subscribe(f"{self.prefix}/{TOPIC_FILTER}" if self.prefix else TOPIC_FILTER, qos=1)
            log.info("connected to %s", self.url)

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: list[Any], _props: Any) -> None:
        if reasons and all(not reason.is_failure for reason in reasons):
            self._connected.set()
            log.info("subscribed on %s", self.url)
        else:
            log.error("the broker refused the subscription on %s: %s", self.url, reasons)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        self._connected.clear()
        if self._stop.is_set():
            log.info("disconnected from %s", self.url)
        else:
            log.warning("disconnected from %s (%s); reconnecting", self.url, reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._queue.put(_Message(message.mid, message.qos, message.topic, bytes(message.payload)))

    def wait_connected(self, timeout: float = 10.0) -> bool:
        """Wait until connected and subscribed (the broker granted the subscription)."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        self._stop.set()

    def _next_batch(self) -> list[_Message]:
        batch: list[_Message] = []
        try:
            batch.append(self._queue.get(timeout=0.2))
        except queue.Empty:
            return batch
        deadline = time.monotonic() + self.batch_seconds
        while len(batch) < self.batch_messages:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list[_Message]) -> None:
        if time.monotonic() - self._cache_time > self.meter_cache_seconds:
            self._meters.clear()
            self._cache_time = time.monotonic()
        with self.database.session() as session:
            # credentials are read on every batch: a revocation takes effect at once
            result, rejected = process_messages(session, [(m.topic, m.payload) for m in batch], self._meters,
                                                active_grants(session))
        # committed: only now may the broker forget these messages
        for message in batch:
            if message.qos > 0:
                self._client.ack(message.mid, message.qos)
        self.stats.messages += len(batch)
        self.stats.readings += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.dead_letters += rejected
        self.stats.batches += 1

    def _check_broker(self) -> None:
        from greenmfg.monitoring.broker import check_broker

        self.broker_check = check = check_broker(self.url, client_id=self.client_id)
        if check.drops or check.error:
            log.error("%s", check.message())
            if self.require_durable_broker:
                raise BrokerWouldDrop(check.message())
        else:
            log.info("%s", check.message())

    def run(self) -> None:
        """Connect and write batches until :meth:`stop`; a failed write is retried (not acknowledged)."""
        if self.check_broker or self.require_durable_broker:
            self._check_broker()
        self._client = self._make_client()
        self._client.loop_start()
        try:
            while not self._stop.is_set():
                batch = self._next_batch()
                if not batch:
                    continue
                while not self._stop.is_set():
                    try:
                        self._write(batch)
                        break
                    except Exception:  # a database outage: keep the batch, unacknowledged, and retry
                        log.exception("writing a batch of %d messages failed; retrying", len(batch))
                        self._meters.clear()
                        time.sleep(1.0)
        finally:
            self._client.disconnect()
            self._client.loop_stop()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="greenmfg-ingest", daemon=True)
        thread.start()
        return thread
