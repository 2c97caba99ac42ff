"""Benchmark: sustained MQTT ingest with a broker restart (or a kill -9 of greenmfg) in the middle.

Starts its OWN Mosquitto on a free loopback port with greenmfg's shipped policy
(``monitoring/mosquitto/greenmfg.conf``: no anonymous access, unlimited queues, persistence) or,
with ``--broker-policy defaults``, Mosquitto's defaults (1 000 queued and 20 in-flight messages per
client) — never the shared broker —, generated password/ACL files (a gateway credential for the
publishers, the ingest's own credential), then ``greenmfg ingest`` as a separate
process on a fresh database (SQLite file by default, or ``--database-url`` for PostgreSQL in a
private schema), then publisher processes that publish QoS 1 messages of ``--per-message``
readings for many meters at ``--rate`` readings per second for ``--seconds``. Halfway through,
the broker is stopped (SIGTERM: it saves its sessions and queues) and started again. At the end
it waits until every acknowledged reading is stored and prints published, stored, lost and the
sustained rate (stored readings / seconds from the first publish to the last stored reading).
``--kill-ingest-at 1.5`` SIGKILLs the ingest 1.5 s into the stream instead (the broker keeps
running) and starts it again once the publishers are done.

    python bench/mqtt_ingest.py [--seconds 60] [--rate 20000] [--meters 200] [--publishers 2]
                                [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
    python bench/mqtt_ingest.py --seconds 5 --rate 20000 --per-message 1 --no-restart \
                                --kill-ingest-at 1.5 --broker-policy defaults|shipped
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

START = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(folder: Path, port: int, policy: str):  # type: ignore[no-untyped-def]
    from greenmfg.monitoring.broker import POLICY, ManagedBroker

    return ManagedBroker(folder, port, policy=POLICY if policy == "shipped" else None).start()


def publisher(index: int, port: int, topics: list[str], rate: float, seconds: float, per_message: int,
              result: mp.Queue, credential: tuple[str, str]) -> None:  # type: ignore[type-arg]
    import paho.mqtt.client as mqtt

    acked = {"messages": 0}
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{index}",
                         clean_session=False)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(0.2, 1)

    def on_publish(_c: object, _u: object, _mid: int, _rc: object, _p: object) -> None:
        acked["messages"] += 1

    client.on_publish = on_publish
    client.username_pw_set(*credential)
    client.connect("127.0.0.1", port)
    client.loop_start()
    messages_per_second = rate / per_message
    sent = 0
    position = {t: 0 for t in topics}
    began = time.monotonic()
    while True:
        elapsed = time.monotonic() - began
        if elapsed >= seconds:
            break
        due = int(elapsed * messages_per_second) + 1
        while sent < due:
            topic = topics[sent % len(topics)]
            first = position[topic]
            position[topic] = first + per_message
            payload = json.dumps({"readings": [
                {"ts": dt.datetime.fromtimestamp(START + 10 * (first + i), dt.UTC).isoformat(), "value": 1.0 + (i % 7),
                 "unit": "kWh"} for i in range(per_message)]})
            client.publish(topic, payload, qos=1)
            sent += 1
        time.sleep(0.002)
    deadline = time.monotonic() + 120
    while acked["messages"] < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    client.disconnect()
    client.loop_stop()
    result.put((index, sent * per_message, acked["messages"] * per_message))


def count_rows(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM meter_readings")).scalar_one())
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=20000, help="readings per second, all publishers together")
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--per-message", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--no-restart", action="store_true")
    parser.add_argument("--profile", default=None, help="write a cProfile of the ingest process here")
    parser.add_argument("--broker-policy", choices=["shipped", "defaults"], default="shipped",
                        help="greenmfg's mosquitto/greenmfg.conf or Mosquitto's defaults")
    parser.add_argument("--kill-ingest-at", type=float, default=None,
                        help="SIGKILL the ingest this many seconds into the stream; restart it after the publishers")
    args = parser.parse_args()

    from greenmfg.db.migrate import upgrade
    from greenmfg.db.session import Database
    from greenmfg.monitoring import devices
    from greenmfg.monitoring.broker import check_broker, write_broker_files
    from greenmfg.monitoring.devices_cli import operator

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: the shared test factories
    from tests.factories import metered_enterprise

    folder = Path(tempfile.mkdtemp(prefix="greenmfg-mqtt-bench-"))
    folder.chmod(0o755)   # Mosquitto started as root reads and writes below it as its own user
    schema = None
    if args.database_url:
        schema = f"gm_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.database_url)
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = args.database_url + ("&" if "?" in args.database_url else "?") + f"options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{folder / 'bench.db'}"
    database = Database(url)
    upgrade(database)
    with database.session() as s:
        seeded = metered_enterprise(s, name="基准企业", code="BENCH", facility_code="F1",
                                    meter_codes=[f"M{i:04d}" for i in range(args.meters)],
                                    meter_name=lambda i: f"表{i}", register_kind="interval")
        topics = [seeded.topic(m) for m in seeded.meter_ids]
        gateway = devices.create_device(s, operator(), seeded.enterprise_id, "bench gateway")
        credential = (gateway.device.username, gateway.secret)
    port = free_port()
    ingest_url = f"mqtt://greenmfg-ingest:{uuid.uuid4().hex}@127.0.0.1:{port}"
    with database.session() as s:
        write_broker_files(s, folder / "broker", ingest_url)
    database.dispose()
    broker = start_broker(folder / "broker", port, args.broker_policy)
    verdict = check_broker(ingest_url, client_id="bench-check")
    # create the ingest's persistent session first: from now on the broker queues its messages
    import paho.mqtt.client as mqtt

    session = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="bench-ingest",
                          clean_session=False)
    session.username_pw_set("greenmfg-ingest", ingest_url.split(":")[2].split("@")[0])
    session.connect("127.0.0.1", port)
    session.loop_start()
    session.subscribe("greenmfg/v1/+/+/readings", qos=1)[1]
    time.sleep(0.5)
    session.disconnect()
    session.loop_stop()
    env = {**os.environ, "GREENMFG_DATABASE_URL": url}
    profile = ["-m", "cProfile", "-o", str(Path(args.profile).resolve())] if args.profile else []
    command = [sys.executable, *profile, "-m", "greenmfg", "ingest", "--url", ingest_url, "--client-id", "bench-ingest",
               "--batch-messages", "400", "--batch-seconds", "0.5", "--no-check-broker"]
    ingest = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=(folder / "ingest.log").open("ab"))
    time.sleep(2)
    results: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    share = [topics[i::args.publishers] for i in range(args.publishers)]
    processes = [mp.Process(target=publisher, args=(i, port, share[i], args.rate / args.publishers, args.seconds,
                                                     args.per_message, results, credential))
                 for i in range(args.publishers)]
    began = time.monotonic()
    for p in processes:
        p.start()
    restarted_at = killed_at = None
    stored_at_kill = 0
    if args.kill_ingest_at is not None:
        time.sleep(args.kill_ingest_at)
        ingest.send_signal(signal.SIGKILL)
        ingest.wait(30)
        killed_at = time.monotonic() - began
        stored_at_kill = count_rows(url)
    elif not args.no_restart:
        time.sleep(args.seconds / 2)
        broker.stop(30)
        restarted_at = time.monotonic() - began
        time.sleep(1.0)
        broker = start_broker(folder / "broker", port, args.broker_policy)
    published = acked = 0
    for _ in processes:
        _index, sent, ok = results.get(timeout=args.seconds + 300)
        published += sent
        acked += ok
    for p in processes:
        p.join()
    publish_done = time.monotonic() - began
    if killed_at is not None:
        ingest = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                  stderr=(folder / "ingest.log").open("ab"))
        time.sleep(5)   # a loaded machine takes seconds to start Python
    stored, last_change, previous = 0, time.monotonic(), -1
    while time.monotonic() - last_change < 30:
        stored = count_rows(url)
        if stored != previous:
            previous, last_change = stored, time.monotonic()
        if stored >= acked:
            break
        time.sleep(0.5)
    finished = time.monotonic() - began
    ingest.send_signal(signal.SIGTERM)
    ingest.wait(30)
    broker.stop()
    backend = "PostgreSQL" if schema else "SQLite"
    print(f"backend {backend}; {args.meters} meters, {args.publishers} publisher processes, "
          f"{args.per_message} readings per message, target {args.rate:,.0f} readings/s for {args.seconds:.0f} s")
    print(f"broker policy {args.broker_policy}; broker check: {verdict.message()}")
    if restarted_at is not None:
        print(f"broker restarted at {restarted_at:.1f} s")
    if killed_at is not None:
        print(f"greenmfg ingest killed (SIGKILL) at {killed_at:.1f} s with {stored_at_kill:,} readings stored; "
              f"restarted after the publishers")
    print(f"published {published:,} readings ({acked:,} acknowledged by the broker) in {publish_done:.1f} s "
          f"= {published / publish_done:,.0f} readings/s offered")
    print(f"stored {stored:,} readings; lost {acked - stored:,} of {acked:,} acknowledged; all stored after {finished:.1f} s "
          f"= {stored / finished:,.0f} readings/s sustained end to end")
    if schema:
        admin = create_engine(args.database_url)
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    if stored != acked:
        print(f"kept {folder} (ingest.log, bench.db) for inspection")
        sys.exit(1)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
