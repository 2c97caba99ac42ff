"""Platform commands of the ``greenmfg`` CLI: serve, demo accounts, database, audit, recalculation, users."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from greenmfg.errors import GreenmfgError

__all__ = ["register"]

EXIT_BAD_INPUT = 2
EXIT_AUDIT_BROKEN = 3


def _database(migrate: bool = True):  # type: ignore[no-untyped-def]
    from greenmfg.audit.service import configure as configure_audit
    from greenmfg.db.migrate import upgrade
    from greenmfg.db.session import Database
    from greenmfg.settings import Settings

    settings = Settings.from_env()
    database = Database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    configure_audit(settings, database=database)  # audit events appended by any command are keyed and checkpointed
    from greenmfg.notifications.events import configure as configure_notifications

    configure_notifications(settings, database=database)  # and told to whom they concern
    if migrate:
        upgrade(database)
    return settings, database


def _fail(error: GreenmfgError | str) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error / 错误:[/] {error}")
    return typer.Exit(EXIT_BAD_INPUT)


def _print_accounts(accounts: list[dict[str, object]], url: str) -> None:
    console = Console(stderr=True)
    table = Table(title=f"greenmfg at {url} — demo accounts / 演示账号", title_style="bold green")
    for column in ("username 用户名", "password 密码", "role 角色", "organisation 组织"):
        table.add_column(column)
    for a in accounts:
        table.add_row(str(a["username"]), str(a["password"]), str(a["role"]), str(a["organisation"]))
    console.print(table)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Seed the demo region when the database is empty")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    broker: Annotated[bool, typer.Option("--broker", help="Start greenmfg's own Mosquitto (shipped policy, "
                                         "generated credentials) and ingest from it")] = False,
    broker_port: Annotated[int, typer.Option(help="Port of the --broker Mosquitto")] = 1884,
) -> None:
    """Run the platform (web pages and REST API) with uvicorn."""
    import uvicorn

    from greenmfg.demo.platform import seed_demo
    from greenmfg.web.app import production_startup_checks

    try:
        settings, database = _database()
        settings.check()
        production_startup_checks(settings, database)
    except GreenmfgError as error:
        raise _fail(error) from None
    if demo:
        if settings.production:
            raise _fail("--demo is refused in production (demo passwords are public) / 生产模式不允许 --demo")
        Console(stderr=True).print("seeding the demo region (first start only) / 正在生成演示数据…")
        accounts = seed_demo(database, password=settings.demo_password, meter_days=365)
        _print_accounts([a.as_dict() for a in accounts], f"http://{host}:{port}")
    managed = None
    if broker:
        from greenmfg.monitoring.devices_cli import start_managed_broker
        from greenmfg.settings import Settings

        managed, detail = start_managed_broker(settings, database, broker_port)
        if managed is None:
            Console(stderr=True).print(f"[yellow]--broker: {detail}; serving without MQTT[/]")
        else:
            settings = Settings.from_env()
            Console(stderr=True).print(f"Mosquitto on 127.0.0.1:{broker_port} ({managed.config}); meters publish "
                                       f"with credentials from `greenmfg devices create` / 已启动 MQTT 服务器")
    database.dispose()
    worker = None
    if settings.mqtt_url:
        # telemetry ingest runs beside the web server in this process and stops with it
        from greenmfg.db.session import Database
        from greenmfg.monitoring.ingest import IngestWorker

        worker = IngestWorker(Database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms),
                              settings.mqtt_url, check_broker=True)
        thread = worker.start_thread()
        Console(stderr=True).print(f"MQTT ingest from {_redacted(settings.mqtt_url)} / 已启动遥测接入")
    if managed is not None:
        import signal
        import sys

        # uvicorn re-raises SIGTERM after its shutdown: exit through `finally` so the broker stops too
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run("greenmfg.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level="info", proxy_headers=False)
    finally:
        if worker is not None:
            worker.stop()
            thread.join(10)
        if managed is not None:
            managed.stop()


def demo_accounts(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List the demo accounts (seeding the demo region first when the database is empty)."""
    from greenmfg.demo.platform import seed_demo

    settings, database = _database()
    accounts = [a.as_dict() for a in seed_demo(database, password=settings.demo_password)]
    if as_json:
        typer.echo(json.dumps([{k: a[k] for k in ("username", "password", "role", "organisation_id")}
                               for a in accounts], ensure_ascii=False, indent=1))
    else:
        _print_accounts(accounts, settings.database_url)


db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the database of GREENMFG_DATABASE_URL."""
    settings, _database_ = _database()
    Console(stderr=True).print(f"database is at the newest schema / 数据库已升级: {settings.database_url}")


@db_app.command("check")
def db_check() -> None:
    """Fail when the models and the migrated schema differ."""
    from greenmfg.db.migrate import pending_differences

    _settings, database = _database()
    differences = pending_differences(database)
    if differences:
        for difference in differences:
            Console(stderr=True).print(f"[red]{difference}[/]")
        raise typer.Exit(1)
    Console(stderr=True).print("models and migrations agree / 模型与迁移一致")


audit_app = typer.Typer(help="Audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[bool, typer.Option(help="Append a signed checkpoint of the verified head")] = True,
) -> None:
    """Check the keyed audit chain against its head and the signed checkpoints outside the database;
    exit 3 when any event was edited, deleted, inserted or re-hashed, or the log was truncated."""
    from greenmfg.audit.service import verify

    try:
        _settings, database = _database()
        with database.session() as session:
            report = verify(session, write_checkpoint=checkpoint)
    except GreenmfgError as error:
        raise _fail(error) from None
    console = Console()
    newest = (f"; newest checkpoint seq {report.checkpoint.seq} ({report.checkpoint.time}) / 最新检查点"
              if report.checkpoint else "; no checkpoint yet / 尚无检查点")
    legacy = f"; {report.legacy_events} legacy SHA-256 events / 旧版未加密钥事件" if report.legacy_events else ""
    if report.ok:
        console.print(f"[green]audit chain intact / 审计链完整[/]: {report.events} events{legacy}{newest}; "
                      f"keys {', '.join(report.key_ids) or '—'}")
        return
    console.print(f"[bold red]audit chain broken / 审计链被篡改[/] ({report.events} events checked{newest})")
    for problem in report.problems:
        console.print(f"  ✗ {problem}")
    raise typer.Exit(EXIT_AUDIT_BROKEN)


@audit_app.command("new-key")
def audit_new_key() -> None:
    """Print a random audit key and its key id (for GREENMFG_AUDIT_KEY_FILE; see docs/security.md on rotation)."""
    from greenmfg.audit.keys import key_id, new_key

    key = new_key()
    Console(stderr=True).print(f"key id / 密钥编号: {key_id(key.encode('utf-8'))}")
    typer.echo(key)


def recalc(
    force: Annotated[bool, typer.Option("--force", help="Recalculate even when the reference data is unchanged")] = False,
) -> None:
    """Recalculate stored results with the installed reference data and show what changed."""
    from greenmfg.accounting.store import recalculate

    _settings, database = _database()
    with database.session() as session:
        runs = recalculate(session, actor="cli", only_if_changed=not force)
        summary = [(r.enterprise_id, r.id, len(r.changes or [])) for r in runs]
    if not summary:
        Console().print("results are up to date with the installed reference data / 结果已是最新")
        return
    table = Table(title="recalculation / 重算")
    for column in ("enterprise", "run", "changed facility-periods"):
        table.add_column(column, justify="right")
    for row in summary:
        table.add_row(*(str(v) for v in row))
    Console().print(table)


def _redacted(url: str) -> str:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return url.replace(f":{parsed.password}@", ":***@") if parsed.password else url


def ingest(
    url: Annotated[str | None, typer.Option(help="Broker URL (default GREENMFG_MQTT_URL), mqtt://host:1883")] = None,
    client_id: Annotated[str, typer.Option(help="Fixed MQTT client id: the broker keeps its session")] = "greenmfg-ingest",
    batch_messages: Annotated[int, typer.Option(min=1, help="Messages per database write at most")] = 1000,
    batch_seconds: Annotated[float, typer.Option(min=0.0, help="Longest wait before a batch is written")] = 0.25,
    check: Annotated[bool, typer.Option("--check-broker/--no-check-broker",
                                        help="Probe whether the broker drops queued messages (log the verdict)")] = True,
    require_durable: Annotated[bool, typer.Option("--require-durable-broker",
                                                  help="Refuse to run when the probe sees drops")] = False,
) -> None:
    """Store meter readings published to greenmfg/v1/{enterprise_id}/{meter_id}/readings (Ctrl-C stops)."""
    import signal

    from greenmfg.monitoring.ingest import BrokerWouldDrop, IngestWorker

    settings, database = _database()
    broker = url or settings.mqtt_url
    if not broker:
        raise _fail("no broker: pass --url or set GREENMFG_MQTT_URL / 未配置 MQTT 服务器")
    worker = IngestWorker(database, broker, client_id=client_id, batch_messages=batch_messages,
                          batch_seconds=batch_seconds, check_broker=check, require_durable_broker=require_durable)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    Console(stderr=True).print(f"ingesting from {_redacted(broker)} as {client_id} / 正在接入遥测数据")
    try:
        worker.run()
    except KeyboardInterrupt:
        worker.stop()
    except BrokerWouldDrop as error:
        raise _fail(str(error)) from None
    if worker.broker_check is not None:
        Console(stderr=True).print(worker.broker_check.message())
    Console(stderr=True).print(f"stopped: {worker.stats} / 已停止")


monitoring_app = typer.Typer(help="Meter telemetry: retention, accounting.", no_args_is_help=True)


@monitoring_app.command("prune")
def monitoring_prune(
    days: Annotated[int, typer.Option(min=1, help="Keep raw readings of this many days (rollups are kept)")] = 400,
) -> None:
    """Delete raw readings older than --days (15-minute to monthly rollups stay)."""
    import datetime as dt

    from greenmfg.monitoring.readings import prune_raw

    _settings, database = _database()
    with database.session() as session:
        removed = prune_raw(session, older_than=dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
    Console(stderr=True).print(f"{removed} raw readings deleted / 已删除 {removed} 条原始读数")


@monitoring_app.command("register")
def monitoring_register(
    meter_id: Annotated[int, typer.Argument(help="Meter id")],
    kind: Annotated[str, typer.Option(help="cumulative (a register) or interval (consumption per interval)")] = "interval",
    register_max: Annotated[float | None, typer.Option(help="Value at which the register wraps to 0")] = None,
    multiplier: Annotated[float, typer.Option(help="CT/PT ratio applied to every delta")] = 1.0,
) -> None:
    """Set how a meter's readings are read; existing readings are re-derived (kind only while it has none)."""
    from sqlalchemy import select

    from greenmfg.audit import service as audit
    from greenmfg.monitoring.models import MeterReading, MeterSetting, RegisterKind
    from greenmfg.monitoring.readings import rederive
    from greenmfg.orgs.models import Meter

    if kind not in {k.value for k in RegisterKind} or multiplier <= 0:
        raise _fail("--kind is cumulative or interval and --multiplier > 0 / 类型须为 cumulative 或 interval，倍率须大于 0")
    _settings, database = _database()
    with database.session() as session:
        if session.get(Meter, meter_id) is None:
            raise _fail(f"meter {meter_id} does not exist / 计量表不存在")
        setting = session.get(MeterSetting, meter_id) or MeterSetting(meter_id=meter_id)
        has_readings = session.execute(select(MeterReading.ts).where(MeterReading.meter_id == meter_id).limit(1)).first()
        if has_readings and (setting.register_kind or RegisterKind.interval) != kind:
            raise _fail("the meter has readings: its kind cannot change (add a new meter) / 已有读数，不能更改计数方式")
        setting.register_kind, setting.register_max, setting.multiplier = kind, register_max, multiplier
        session.add(setting)
        session.flush()
        changed = rederive(session, meter_id, since=-(2**62))
        audit.record(session, "monitoring.meter.register", actor="cli", target_type="meter", target_id=meter_id,
                     details={"kind": kind, "register_max": register_max, "multiplier": multiplier,
                              "rederived": changed})
    Console(stderr=True).print(f"meter {meter_id}: {kind}, {changed} deltas re-derived / 已更新")


@monitoring_app.command("replace")
def monitoring_replace(
    meter_id: Annotated[int, typer.Argument(help="Meter id")],
    at: Annotated[str, typer.Option(help="When the register was replaced, ISO 8601 with offset")],
    initial_value: Annotated[float | None, typer.Option(help="The new register's reading when installed")] = None,
    note: Annotated[str | None, typer.Option(help="Why / work order")] = None,
) -> None:
    """Record a meter (register) replacement; readings after it are re-derived."""
    import datetime as dt

    from greenmfg.audit import service as audit
    from greenmfg.monitoring.models import MeterReplacement
    from greenmfg.monitoring.readings import rederive
    from greenmfg.orgs.models import Meter

    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise _fail(f"--at {at!r} must be ISO 8601 with an offset, e.g. 2026-03-01T08:00:00+08:00 / 须带时区偏移")
    _settings, database = _database()
    with database.session() as session:
        if session.get(Meter, meter_id) is None:
            raise _fail(f"meter {meter_id} does not exist / 计量表不存在")
        session.add(MeterReplacement(meter_id=meter_id, replaced_at=int(when.timestamp()),
                                     initial_value=initial_value, note=note))
        session.flush()
        changed = rederive(session, meter_id, since=int(when.timestamp()))
        audit.record(session, "monitoring.meter.replace", actor="cli", target_type="meter", target_id=meter_id,
                     details={"at": at, "initial_value": initial_value, "rederived": changed})
    Console(stderr=True).print(f"meter {meter_id} replaced at {at}; {changed} deltas re-derived / 已记录换表")


users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument()],
    organisation_id: Annotated[int, typer.Option(help="Organisation the user belongs to")],
    role: Annotated[str, typer.Option(help="manager, viewer or admin")] = "viewer",
    display_name: Annotated[str | None, typer.Option(help="Name shown in the UI")] = None,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a user with a role in an organisation (platform bootstrap: the first admin)."""
    from greenmfg.audit import service as audit
    from greenmfg.auth.models import Membership, Role, User
    from greenmfg.auth.security import hash_password
    from greenmfg.orgs.models import Organisation

    if role not in {r.value for r in Role}:
        raise _fail(f"role must be manager, viewer or admin, not {role!r}")
    from greenmfg.auth.passwords import WeakPassword, check_password

    settings, database = _database()
    try:
        check_password(password, username=username, min_length=settings.password_min_length)
    except WeakPassword as error:
        raise _fail(f"{error.message} / {error.message_zh}") from None
    with database.session() as session:
        if session.get(Organisation, organisation_id) is None:
            raise _fail(f"organisation {organisation_id} does not exist")
        user = User(username=username, display_name=display_name or username, password_hash=hash_password(password))
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=organisation_id, role=role))
        audit.record(session, "user.create", actor="cli", organisation_id=organisation_id, target_type="user",
                     target_id=user.id, details={"username": username, "role": role})
    Console(stderr=True).print(f"user {username} created / 已创建用户")


@users_app.command("disable-demo")
def users_disable_demo() -> None:
    """Deactivate every demo account (seeded with a public password); production needs this to start."""
    from sqlalchemy import select, update

    from greenmfg.audit import service as audit
    from greenmfg.auth import service as auth
    from greenmfg.auth.models import User

    _settings, database = _database()
    with database.session() as session:
        names = auth.active_demo_users(session)
        if names:
            session.execute(update(User).where(User.demo.is_(True)).values(active=False)
                            .execution_options(synchronize_session=False))
            for user_id in session.execute(select(User.id).where(User.demo.is_(True))).scalars():
                auth.revoke_credentials(session, user_id)
            audit.record(session, "user.demo_disabled", actor="cli", details={"usernames": names})
    Console(stderr=True).print(f"{len(names)} demo account(s) deactivated / 已停用 {len(names)} 个演示账号: "
                               + ", ".join(names))


uploads_app = typer.Typer(help="Uploaded files kept for previews: expiry.", no_args_is_help=True)


@uploads_app.command("purge")
def uploads_purge(
    hours: Annotated[int | None, typer.Option(min=0, help="Expire previews older than this many hours "
                                                          "(default GREENMFG_PREVIEW_TTL)")] = None,
) -> None:
    """Expire previewed and invalid imports past their time and drop the files of discarded ones."""
    from greenmfg.accounting.retention import purge_expired

    settings, database = _database()
    ttl = settings.preview_ttl_hours if hours is None else hours
    with database.session() as session:
        expired = purge_expired(session, ttl_hours=ttl, actor="cli")
    Console(stderr=True).print(f"{expired} previews older than {ttl} h expired / 已使 {expired} 个超过 {ttl} 小时的预览过期")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command("demo-accounts")(demo_accounts)
    app.command()(recalc)
    app.command()(ingest)
    app.add_typer(monitoring_app, name="monitoring")
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
    from greenmfg.monitoring.devices_cli import broker_app, devices_app

    app.add_typer(devices_app, name="devices")
    app.add_typer(broker_app, name="broker")
    app.add_typer(uploads_app, name="uploads")
    from greenmfg.notifications.cli import notifications_app

    app.add_typer(notifications_app, name="notifications")
