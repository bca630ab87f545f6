"""The runner's parts on their own: the shell task type, log lines, the fenced kill, the CLI."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import time
import uuid

import pytest
from click.testing import CliRunner

from helixcode import logs
from helixcode.cli.main import cli
from helixcode.daemon import PROC_SCAN
from helixcode.executor import fenced_kill_command
from helixcode.tasktypes import InvalidTaskData, RunResult, load_task_types
from helixcode.tasktypes.shell import RESULT_TAIL_CHARS, ShellTask

TASK = str(uuid.uuid4())


def test_task_types__shell_found_through_the_entry_point() -> None:
    types = load_task_types()
    assert isinstance(types["shell"], ShellTask)


def test_shell_command__environment_carries_task_attempt_and_checkpoint() -> None:
    spec = ShellTask().command(
        {"command": "make", "env": {"JOBS": 4}, "cwd": "/src", "timeout": 60,
         "retryable": False},
        TASK, 3, {"step": 2})
    assert spec.command == "make" and spec.cwd == "/src" and spec.timeout == 60
    assert spec.env["JOBS"] == "4"
    assert spec.env["HELIX_TASK_ID"] == TASK and spec.env["HELIX_ATTEMPT"] == "3"
    assert json.loads(spec.env["HELIX_CHECKPOINT"]) == {"step": 2}


@pytest.mark.parametrize(("data", "complaint"), [
    ({}, "command"),
    ({"command": ""}, "command"),
    ({"command": "true", "timout": 5}, "timout"),
    ({"command": "true", "timeout": -1}, "timeout"),
    ({"command": "true", "env": {"HELIX_TASK_ID": "x"}}, "HELIX_"),
    ({"command": "true", "env": {"A": [1]}}, "env A"),
    ({"command": "true", "cwd": 7}, "cwd"),
    ({"command": "true", "retryable": "no"}, "retryable"),
])
def test_shell_command__bad_task_data_refused(data: dict[str, object], complaint: str) -> None:
    with pytest.raises(InvalidTaskData) as refused:
        ShellTask().command(data, TASK, 1, None)
    assert complaint in str(refused.value)


def run(exit_code: int | None, stdout: str = "", stderr: str = "",
        timed_out: bool = False) -> RunResult:
    return RunResult(exit_code, stdout, stderr, 1.23456, timed_out, None)


def test_shell_outcome__zero_exit_completes_with_tails() -> None:
    outcome = ShellTask().outcome({"command": "x"}, run(0, "x" * 10000, "warn\n"))
    assert outcome.succeeded
    assert outcome.result["exit_code"] == 0
    assert outcome.result["stdout_tail"] == "x" * RESULT_TAIL_CHARS
    assert outcome.result["stderr_tail"] == "warn\n"
    assert outcome.result["duration_seconds"] == 1.235


def test_shell_outcome__non_zero_exit_fails_retryably_unless_told() -> None:
    failed = ShellTask().outcome({"command": "x"}, run(2, stderr="no such file\n"))
    assert not failed.succeeded and failed.retryable
    assert failed.error == "command exited with code 2; stderr ends with: no such file"
    final = ShellTask().outcome({"command": "x", "retryable": False}, run(2))
    assert not final.retryable


def test_shell_outcome__timeout_is_a_failure() -> None:
    outcome = ShellTask().outcome({"command": "x", "timeout": 5}, run(143, timed_out=True))
    assert not outcome.succeeded
    assert "timeout of 5s" in (outcome.error or "")


def test_logs_json__state_line_has_task_attempt_worker() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("test.runner.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logs.state(logger, "task_completed", TASK, 2, "build-1", "completed in 1s")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["event"] == "task_completed"
    assert entry["task_id"] == TASK and entry["attempt"] == 2 and entry["worker"] == "build-1"
    assert entry["message"] == f"task {TASK} attempt 2 on worker build-1: completed in 1s"
    assert entry["level"] == "info" and entry["ts"].endswith("Z")


def start_group(attempt: int, marker: str) -> subprocess.Popen[bytes]:
    """A process group running ``sleep MARKER`` with the task's HELIX_* environment."""
    env = {**os.environ, "HELIX_TASK_ID": TASK, "HELIX_ATTEMPT": str(attempt)}
    return subprocess.Popen(["sh", "-c", f"sleep {marker} & sleep {marker}; wait"], env=env,
                            start_new_session=True)


def test_fenced_kill__kills_only_the_attempt_it_names() -> None:
    group = start_group(4, "91.7")
    try:
        time.sleep(0.2)
        wrong = subprocess.run(["sh", "-c", fenced_kill_command(group.pid, TASK, 3)],
                               capture_output=True, text=True)
        assert wrong.stdout.strip() == "none"
        assert group.poll() is None
        scan = subprocess.run(["sh", "-c", PROC_SCAN], capture_output=True, text=True)
        assert f"@@helix-proc {group.pid} {TASK} 4" in scan.stdout.splitlines()
        right = subprocess.run(["sh", "-c", fenced_kill_command(group.pid, TASK, 4)],
                               capture_output=True, text=True)
        assert right.stdout.strip() == "killed"
        assert group.wait(5) == -signal.SIGKILL
    finally:
        if group.poll() is None:
            os.killpg(group.pid, signal.SIGKILL)


def test_cli_runner__help_shows_an_example() -> None:
    result = CliRunner().invoke(cli, ["runner", "--help"])
    assert result.exit_code == 0
    assert "helix runner --database-url" in result.output
    assert "--shutdown-grace" in result.output and "start" in result.output


def test_cli_runner__bad_option_values_are_refused() -> None:
    result = CliRunner().invoke(cli, ["runner", "--log-format", "xml"])
    assert result.exit_code == 2 and "xml" in result.output
    result = CliRunner().invoke(cli, ["runner", "start", "--max-tasks", "0",
                                      "--database-url", "postgresql://nobody@127.0.0.1:1/x"])
    assert result.exit_code == 6
    assert "max_tasks 0 must be positive" in result.output
