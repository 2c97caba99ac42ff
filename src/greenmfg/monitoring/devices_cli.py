"""``greenmfg devices …`` (meter/gateway credentials) and ``greenmfg broker …`` (Mosquitto files, run, check).

The command line acts as the platform operator (admin rights through the one access policy).
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from greenmfg.errors import GreenmfgError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from greenmfg.db.session import Database
    from greenmfg.monitoring.broker import ManagedBroker
    from greenmfg.orgs.access import Principal
    from greenmfg.settings import Settings

__all__ = ["broker_app", "devices_app", "operator"]

devices_app = typer.Typer(help="Meter and gateway credentials for MQTT and HTTP push.", no_args_is_help=True)
broker_app = typer.Typer(help="The MQTT broker: generated password/ACL files, a managed Mosquitto, a durability check.",
                         no_args_is_help=True)


def operator() -> Principal:
    """The command line's principal: a platform admin (audited as ``cli``)."""
    from greenmfg.auth.models import Role
    from greenmfg.orgs.access import Membership, Principal
    from greenmfg.orgs.models import OrgKind

    return Principal(user_id=0, username="cli", display_name="command line", locale=None,
                     memberships=(Membership(organisation_id=0, kind=OrgKind.platform, role=Role.admin,
                                             name="command line"),))


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error / 错误:[/] {message}")
    return typer.Exit(2)


def _run(action: Callable[[Session], Any], *, sync: bool = True) -> Any:
    """Run ``action(session)`` in a transaction, then (``sync``) synchronise the broker files."""
    from greenmfg.db.migrate import upgrade
    from greenmfg.db.session import Database
    from greenmfg.errors import ValidationFailed
    from greenmfg.monitoring.broker import sync_broker
    from greenmfg.orgs.access import Forbidden, NotFound
    from greenmfg.settings import Settings

    settings = Settings.from_env()
    database = Database(settings.database_url)
    upgrade(database)
    try:
        with database.session() as session:
            answer = action(session)
    except ValidationFailed as error:
        raise _fail("; ".join(f"{i.column}: {i.message} / {i.message_zh}" for i in error.issues)) from None
    except (NotFound, Forbidden, GreenmfgError) as error:
        raise _fail(str(error)) from None
    if not sync:
        database.dispose()
        return answer
    with database.session() as session:
        synced = sync_broker(session, settings.mqtt_broker_dir, settings.mqtt_url)
    database.dispose()
    if synced:
        Console(stderr=True).print(f"broker files updated in {settings.mqtt_broker_dir} / 已同步 MQTT 服务器凭据")
    else:
        Console(stderr=True).print("GREENMFG_MQTT_BROKER_DIR is not set: run `greenmfg broker files --dir …` and "
                                   "reload the broker / 未设置 GREENMFG_MQTT_BROKER_DIR，请手动生成并重载")
    return answer


def _print_secret(answer: dict[str, object]) -> None:
    typer.echo(json.dumps(answer, ensure_ascii=False, indent=1))
    Console(stderr=True).print("[bold]the password and token are shown only now / 密码和令牌仅显示这一次[/]")


@devices_app.command("create")
def devices_create(
    enterprise_id: Annotated[int, typer.Argument(help="Enterprise id")],
    name: Annotated[str, typer.Option(help="Meter or gateway name")],
    meter: Annotated[list[int] | None, typer.Option(help="Granted meter id (repeat); none: every meter (gateway)")] = None,
) -> None:
    """Create a credential; prints the MQTT user name, password and HTTP token once."""
    from greenmfg.monitoring import devices

    def action(session: Session) -> dict[str, object]:
        new = devices.create_device(session, operator(), enterprise_id, name, list(meter) if meter else None)
        return devices.device_dict(new.device, new)

    _print_secret(_run(action))


@devices_app.command("rotate")
def devices_rotate(device_id: Annotated[int, typer.Argument(help="Device id")]) -> None:
    """A new secret for a credential (the old one stops working)."""
    from greenmfg.monitoring import devices

    def action(session: Session) -> dict[str, object]:
        new = devices.rotate_device(session, operator(), device_id)
        return devices.device_dict(new.device, new)

    _print_secret(_run(action))


@devices_app.command("revoke")
def devices_revoke(device_id: Annotated[int, typer.Argument(help="Device id")]) -> None:
    """Revoke a credential (MQTT and HTTP)."""
    from greenmfg.monitoring import devices

    _run(lambda session: devices.revoke_device(session, operator(), device_id))
    Console(stderr=True).print(f"device {device_id} revoked / 已撤销")


@devices_app.command("list")
def devices_list(enterprise_id: Annotated[int, typer.Argument(help="Enterprise id")]) -> None:
    """The enterprise's credentials and their topics."""
    from greenmfg.monitoring import devices

    rows = _run(lambda session: [devices.device_dict(d) for d in devices.list_devices(session, operator(), enterprise_id)],
                sync=False)
    table = Table(title=f"enterprise {enterprise_id} — device credentials / 设备凭据")
    for column in ("id", "name 名称", "username 用户名", "topics 主题", "revoked 撤销"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["id"]), str(r["name"]), str(r["username"]), "\n".join(r["topics"]),
                      str(r["revoked_at"] or ""))
    Console().print(table)


def _database() -> tuple[Settings, Database]:
    from greenmfg.db.migrate import upgrade
    from greenmfg.db.session import Database
    from greenmfg.settings import Settings

    settings = Settings.from_env()
    database = Database(settings.database_url)
    upgrade(database)
    return settings, database


@broker_app.command("files")
def broker_files(
    directory: Annotated[Path | None, typer.Option("--dir", help="Where to write passwd and acl "
                                                   "(default GREENMFG_MQTT_BROKER_DIR)")] = None,
) -> None:
    """Write Mosquitto's password and ACL files from the active credentials (+ the ingest user of
    GREENMFG_MQTT_URL) and reload the broker whose pid is in DIR/mosquitto.pid."""
    from greenmfg.monitoring.broker import reload_broker, write_broker_files

    settings, database = _database()
    target = directory or (Path(settings.mqtt_broker_dir) if settings.mqtt_broker_dir else None)
    if target is None:
        raise _fail("pass --dir or set GREENMFG_MQTT_BROKER_DIR / 请指定目录")
    with database.session() as session:
        passwd, acl = write_broker_files(session, target, settings.mqtt_url)
    reloaded = reload_broker(target)
    Console(stderr=True).print(f"wrote {passwd} and {acl}; "
                               f"{'broker reloaded' if reloaded else 'no managed broker running: send yours SIGHUP'}")


@broker_app.command("check")
def broker_check(
    url: Annotated[str | None, typer.Option(help="Broker URL with the ingest credential (default GREENMFG_MQTT_URL)")] = None,
    probe: Annotated[int, typer.Option(min=1, help="Probe messages queued for an offline session")] = 2000,
) -> None:
    """Exit 1 when the broker drops messages queued for an offline session (or cannot be checked)."""
    from greenmfg.monitoring.broker import check_broker
    from greenmfg.settings import Settings

    target = url or Settings.from_env().mqtt_url
    if not target:
        raise _fail("pass --url or set GREENMFG_MQTT_URL / 未配置 MQTT 服务器")
    result = check_broker(target, probe=probe)
    Console().print(result.message())
    if result.drops or result.error:
        raise typer.Exit(1)


@broker_app.command("run")
def broker_run(
    directory: Annotated[Path | None, typer.Option("--dir", help="Broker files and persistence "
                                                   "(default GREENMFG_MQTT_BROKER_DIR, else var/mosquitto)")] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 1884,
) -> None:
    """Run Mosquitto with greenmfg's policy (mosquitto/greenmfg.conf) and the generated files until Ctrl-C."""
    from greenmfg.monitoring.broker import ManagedBroker, managed_ingest_url, write_broker_files

    settings, database = _database()
    target = directory or Path(settings.mqtt_broker_dir or "var/mosquitto")
    ingest_url = settings.mqtt_url or managed_ingest_url(target, port)
    with database.session() as session:
        write_broker_files(session, target, ingest_url)
    broker = ManagedBroker(target, port)
    try:
        broker.start()
    except (OSError, RuntimeError) as error:
        raise _fail(str(error)) from None
    Console(stderr=True).print(f"mosquitto on 127.0.0.1:{port} with {broker.config} (pid {broker.process.pid}); "  # type: ignore[union-attr]
                               f"GREENMFG_MQTT_BROKER_DIR={target.resolve()} keeps it in sync; the ingest's URL "
                               f"(with its credential) is in {target.resolve() / 'ingest.url'} unless "
                               f"GREENMFG_MQTT_URL is set / MQTT 服务器已启动")
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5) and broker.process is not None and broker.process.poll() is None:
            pass
    except KeyboardInterrupt:
        pass
    broker.stop()


def start_managed_broker(settings: Settings, database: Database, port: int) -> tuple[ManagedBroker | None, str]:
    """For ``greenmfg serve --broker``: a managed Mosquitto with a fresh ingest credential.

    Returns ``(broker, ingest_url)`` or ``(None, reason)`` when Mosquitto is not installed.
    """
    import shutil

    from greenmfg.monitoring.broker import ManagedBroker, managed_ingest_url, write_broker_files

    if shutil.which("mosquitto") is None:
        return None, "mosquitto is not installed (apt-get install mosquitto) / 未安装 mosquitto"
    directory = Path(settings.mqtt_broker_dir or tempfile.mkdtemp(prefix="greenmfg-mosquitto-"))
    ingest_url = managed_ingest_url(directory, port)
    with database.session() as session:
        write_broker_files(session, directory, ingest_url)
    broker = ManagedBroker(directory, port).start()
    os.environ["GREENMFG_MQTT_BROKER_DIR"] = str(directory.resolve())
    os.environ["GREENMFG_MQTT_URL"] = ingest_url
    return broker, ingest_url
