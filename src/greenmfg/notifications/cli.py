"""``greenmfg notifications``: the daily check of filing deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["notifications_app"]

notifications_app = typer.Typer(help="Notifications: filing deadlines.", no_args_is_help=True)


@notifications_app.command("deadlines")
def deadlines(
    today: Annotated[str | None, typer.Option(help="The day to check as (YYYY-MM-DD; default today in China)")] = None,
    months: Annotated[int, typer.Option(min=1, max=24, help="How many past months to check")] = 3,
) -> None:
    """Tell enterprises whose monthly activity data is due and not imported (each month once; run daily)."""
    from zoneinfo import ZoneInfo

    from greenmfg.db.migrate import upgrade
    from greenmfg.db.session import Database
    from greenmfg.i18n import DEFAULT_TIMEZONE
    from greenmfg.notifications.deadlines import check_deadlines
    from greenmfg.notifications.events import configure
    from greenmfg.settings import Settings

    try:
        day = dt.date.fromisoformat(today) if today else dt.datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()
    except ValueError:
        raise typer.BadParameter(f"{today!r} is not a date YYYY-MM-DD / 不是 YYYY-MM-DD 格式的日期",
                                 param_hint="--today") from None
    settings = Settings.from_env()
    database = Database(settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    upgrade(database)
    channels = configure(settings, database=database)
    with database.session() as session:
        made = check_deadlines(session, today=day, months=months)
    channels.wait()
    Console(stderr=True).print(f"{made} notification(s) of missing monthly data / 已发送 {made} 条月度数据未报送提醒")
