"""``greenmfg notifications deadlines``: wired into the command line; a bad day is refused before anything runs."""

from __future__ import annotations

from typer.testing import CliRunner

from greenmfg.cli import app


def test_deadlines_command_is_listed_and_refuses_a_bad_day() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["notifications", "--help"])
    assert listed.exit_code == 0 and "deadlines" in listed.output
    refused = runner.invoke(app, ["notifications", "deadlines", "--today", "2024-13-01"])
    assert refused.exit_code == 2 and "YYYY-MM-DD" in refused.output
