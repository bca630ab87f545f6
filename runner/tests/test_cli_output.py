"""How the commands look: rich tables on a terminal, plain text piped, and a live --follow."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.types.json import Jsonb
from rich.console import Console

from helixcode import demo as pipeline
from helixcode.cli import demo as demo_cli
from helixcode.cli import output, status, task
from helixcode.cli.main import cli


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the commands believe stdout is a terminal (rich output)."""
    for module in (output, status, task, demo_cli):
        monkeypatch.setattr(module, "is_terminal", lambda: True)


def test_plain_table__aligned_columns_and_dashes_for_nothing() -> None:
    lines = output.plain_table(
        [output.Column("name", "name"), output.Column("tags", "tags"),
         output.Column("n", "n")],
        [{"name": "a", "tags": ["x", "y"], "n": None}, {"name": "long-name", "tags": []}])
    assert lines == ["NAME       TAGS  N", "a          x,y   -", "long-name  -     -"]


def test_durations_and_ages_read_naturally() -> None:
    assert [output.duration(s) for s in (0.25, 4.26, 42, 185, 7300, 200000)] == [
        "250ms", "4.3s", "42s", "3m05s", "2h01m", "2d07h"]
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert output.ago(now - dt.timedelta(seconds=90), now) == "1m30s ago"
    assert output.ago(now + dt.timedelta(seconds=5), now) == "5.0s from now"
    assert output.ago(None, now) == "-"


def test_terminal_output__rich_tables(terminal: None, fresh_db: str,
                                      conn: psycopg.Connection) -> None:
    conn.execute("select helix.register_worker('w1', %s)", (Jsonb({"transport": "local"}),))
    task_id = conn.execute("select helix.submit_task('shell', '{\"command\": \"true\"}')"
                           ).fetchone()[0]
    runner = CliRunner()
    listed = runner.invoke(cli, ["task", "list", "--database-url", fresh_db])
    assert listed.exit_code == 0, listed.output
    assert "─" in listed.stdout and "ID " not in listed.stdout  # drawn by rich, not plain
    assert str(task_id)[:8] in listed.stdout and str(task_id) not in listed.stdout
    shown = runner.invoke(cli, ["task", "show", str(task_id), "--database-url", fresh_db])
    assert shown.exit_code == 0 and "pending" in shown.stdout
    workers = runner.invoke(cli, ["worker", "list", "--database-url", fresh_db])
    assert workers.exit_code == 0 and "─" in workers.stdout and "w1" in workers.stdout
    screen = runner.invoke(cli, ["status", "--database-url", fresh_db])
    assert screen.exit_code == 0, screen.output
    assert "fleet" in screen.stdout and "1 pending" in screen.stdout and "─" in screen.stdout
    submitted = runner.invoke(cli, ["task", "submit", "shell", "--command", "true",
                                    "--database-url", fresh_db])
    assert submitted.stdout.startswith("submitted task ")
    assert "helix task watch" in submitted.stdout


def test_demo_display__bars_fleet_and_retry_note() -> None:
    now = dt.datetime.now(dt.timezone.utc)
    states = [
        pipeline.TaskState("build", uuid.uuid4(), "running", "demo-local-1", 1, 0, 0.5,
                           "link main.c", None, now, None, 0, None),
        pipeline.TaskState("integration", uuid.uuid4(), "pending", None, 1, 1, None, None,
                           "exit code 1", now, None, 0, None),
        pipeline.TaskState("index-symbols", uuid.uuid4(), "completed", "demo-local-2", 1, 0,
                           1.0, "indexed chunk 8 of 8", None, now, now, 8, None),
    ]
    workers = [{"hostname": "demo-local-1", "status": "active", "held": 1, "slots": 2,
                "capabilities": [pipeline.DEMO_CAPABILITY, "linux", "git"]}]
    console = Console(width=200, record=True, color_system=None)
    console.print(demo_cli._render(states, workers, 3.2))
    text = console.export_text()
    assert "pipeline   3.2s" in text
    assert " 50% " in text and "link main.c" in text
    assert "retrying: exit code 1" in text
    assert "[8 checkpoints]" in text
    assert "#." in text and "linux,git" in text and pipeline.DEMO_CAPABILITY not in text


def test_status_follow__piped_prints_a_screen_per_interval_until_interrupted(
        fresh_db: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from helixcode.cli.main import main; main()", "status",
         "--follow", "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "HELIX_DATABASE_URL": fresh_db})
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert out.count("helix status at ") >= 3
    assert "Traceback" not in err
