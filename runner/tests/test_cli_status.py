"""``helix status``, ``helix sweep`` and ``helix config`` against a real database."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from psycopg.types.json import Jsonb

from helixcode.cli.main import cli


def helix(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No HELIX_* variable from the caller; a config file path of the test's own."""
    for name in list(os.environ):
        if name.startswith("HELIX_") and name not in ("HELIX_PG_BINDIR", "HELIX_SQL_DIR"):
            monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("HELIX_CONFIG", str(config))
    yield config


def test_status__queue_fleet_runners_and_events(fresh_db: str,
                                                conn: psycopg.Connection) -> None:
    worker = conn.execute("select helix.register_worker('w1', %s)",
                          (Jsonb({"transport": "local"}),)).fetchone()[0]
    conn.execute("select helix.heartbeat(%s, '{}')", (worker,))
    first = conn.execute("select helix.submit_task('shell', '{\"command\": \"true\"}')"
                         ).fetchone()[0]
    conn.execute("select helix.submit_task('shell', '{\"command\": \"true\"}', "
                 "p_dependencies => %s)", ([first],))
    conn.execute("select helix.submit_task('lint', '{}', p_max_retries => 0)")
    result = helix("status", "--database-url", fresh_db)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "queue: 3 pending  (pending: 2 ready, 1 blocked, 0 in retry backoff)" in text
    fleet = text.split("fleet:\n", 1)[1].splitlines()
    assert fleet[0].split() == ["WORKER", "STATUS", "HEALTH", "TASKS", "WAITING", "HEARTBEAT"]
    assert fleet[1].split()[:4] == ["w1", "active", "unknown", "0/10"]  # no metrics yet
    assert "runners: none running" in text
    assert "worker w1 connected" in text
    assert f"task {str(first)[:8]} shell pending" in text
    assert ":***@" in text and fresh_db.split("@")[0].split(":")[-1] not in text

    data = json.loads(helix("status", "--database-url", fresh_db, "--json").stdout)
    assert data["queue"]["pending"] == 3 and data["ready"] == 2 and data["blocked"] == 1
    assert data["stuck"] == 0
    assert [w["hostname"] for w in data["workers"]] == ["w1"]


def test_status__names_tasks_running_past_their_estimate(
        fresh_db: str, conn: psycopg.Connection) -> None:
    conn.execute("select helix.register_worker('w1', %s)", (Jsonb({"transport": "local"}),))
    task_id = conn.execute("select helix.submit_task('shell', '{\"command\": \"sleep 9\"}', "
                           "p_estimated_duration => '1 second')").fetchone()[0]
    attempt = conn.execute("select attempt from helix.assign_tasks(1)").fetchone()[0]
    conn.execute("select helix.start_task(%s, %s)", (task_id, attempt))
    conn.execute("update helix.distributed_tasks set started_at = now() - interval '1 minute' "
                 "where id = %s", (task_id,))
    result = helix("status", "--database-url", fresh_db)
    assert "queue: 1 running  1 running past their estimate (helix.stuck_tasks)" in result.stdout


def test_status__json_and_follow_together_is_a_usage_error(fresh_db: str) -> None:
    result = helix("status", "--database-url", fresh_db, "--json", "--follow")
    assert result.exit_code == 2
    assert "drop --follow" in result.output


def test_status__unreachable_database_exits_5() -> None:
    result = helix("status", "--database-url", "postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == 5
    assert result.stderr.startswith("error: cannot reach the database")
    assert "Traceback" not in result.output


def test_sweep__reports_what_changed(fresh_db: str, conn: psycopg.Connection) -> None:
    worker = conn.execute("select helix.register_worker('w1', %s)",
                          (Jsonb({"transport": "local"}),)).fetchone()[0]
    conn.execute("select helix.heartbeat(%s, '{}')", (worker,))
    quiet = helix("sweep", "--database-url", fresh_db, "--json")
    assert quiet.exit_code == 0
    assert json.loads(quiet.stdout) == {"changed": 0, "workers_offline": 0}
    conn.execute("update helix.workers set last_heartbeat = now() - interval '1 hour' "
                 "where id = %s", (worker,))
    result = helix("sweep", "--database-url", fresh_db)
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("change(s); 1 worker(s) offline")
    assert int(result.stdout.split()[1]) >= 1
    assert conn.execute("select status from helix.workers where id = %s",
                        (worker,)).fetchone()[0] == "offline"


def test_config__each_value_with_its_source_and_no_password(clean_env: Path) -> None:
    clean_env.write_text('known_hosts = "/etc/helixcode/known_hosts"\nmax_tasks = 8\n')
    result = helix("config", env={
        "HELIX_DATABASE_URL": "postgresql://app:s3cret@db.example.com/helix",
        "HELIX_LOG_LEVEL": "debug",
    })
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:] if line}
    assert rows["database_url"][1:4] == ["postgresql://app:***@db.example.com/helix",
                                         "environment", "HELIX_DATABASE_URL"]
    assert rows["log_level"][1:4] == ["debug", "environment", "HELIX_LOG_LEVEL"]
    assert rows["known_hosts"][1:4] == ["/etc/helixcode/known_hosts", "file", str(clean_env)]
    assert rows["max_tasks"][1:4] == ["8", "file", str(clean_env)]
    assert rows["log_format"][1:3] == ["text", "default"]
    assert "s3cret" not in result.output
    assert f"config file: {clean_env} (present)" in result.stdout

    as_json = json.loads(helix("config", "--json").stdout)
    assert as_json["config_file"] == str(clean_env) and as_json["config_file_exists"]
    sources = {v["key"]: v["source"] for v in as_json["values"]}
    assert sources["max_tasks"] == f"file {clean_env}"
    assert sources["log_level"] == "default"


def test_config__a_broken_file_exits_6(clean_env: Path) -> None:
    clean_env.write_text("max_taks = 3\n")
    result = helix("config")
    assert result.exit_code == 6
    assert result.stderr.splitlines()[0] == (
        f"error: config file {clean_env} has unknown key(s): max_taks")
    assert result.stderr.splitlines()[1].startswith("hint: known keys: database_url")


def test_every_command_has_help_with_an_example() -> None:
    missing = []

    def walk(command: object, path: list[str]) -> None:
        import click

        assert isinstance(command, click.Command)
        result = helix(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        elif "helix " not in result.output.split("Options:")[0]:
            missing.append(" ".join(path))

    walk(cli, [])
    # Hidden plumbing of other areas is not the operator's business.
    assert [m for m in missing if not m.startswith(("db ", "runner"))] == []


def test_every_read_command_has_json() -> None:
    import click

    read_commands = [("worker", "list"), ("worker", "show"), ("task", "list"),
                     ("task", "show"), ("task", "watch"), ("status",), ("config",),
                     ("sweep",), ("db", "status")]
    for path in read_commands:
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        assert "--json" in [o for p in command.params for o in getattr(p, "opts", [])], path


def test_no_database_anywhere__exit_6_says_how_to_get_one(
        clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELIX_STATE_DIR", str(tmp_path / "state"))
    for args in (["task", "list"], ["worker", "list"], ["status"], ["sweep"]):
        result = helix(*args)
        assert result.exit_code == 6, (args, result.output)
        assert result.stderr.splitlines() == [
            "error: no database given and no private cluster exists",
            "hint: run 'helix db start' to create one, or give --database-url / "
            "HELIX_DATABASE_URL"]
