"""Behaviour both transports share, checked on each: SSH to a real sshd, and local."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helixcode import protocol
from helixcode.transport import (
    CommandSpec,
    CommandTimeout,
    LocalTransport,
    SSHTransport,
    Transport,
    WorkerConfig,
)
from helixcode.transport.base import CWD_FAILURE_EXIT_CODE
from tests.sshd import SshdCluster, SshdWorker, pgrep, wait_until_gone


WAIT = 15.0
"""Upper bound on any wait in these tests; reaching it means the behaviour is broken."""


@pytest.fixture(params=["ssh", "local"])
def transport(
    request: pytest.FixtureRequest, sshd_cluster: SshdCluster, sshd_worker: SshdWorker
) -> Iterator[Transport]:
    """An SSH transport to the shared worker, or the local transport."""
    made: Transport
    if request.param == "ssh":
        made = SSHTransport(
            "worker-a",
            WorkerConfig.from_ssh_config(sshd_worker.ssh_config()),
            known_hosts=sshd_cluster.known_hosts,
            use_agent=False,
        )
    else:
        made = LocalTransport("local-worker")
    with made:
        yield made


def unique_sleep() -> str:
    """A ``sleep`` argument no other process has, so ``pgrep -f`` finds only ours."""
    return f"1000.{secrets.randbelow(10**9):09d}"


def sleepers(duration: str, count: int) -> list[int]:
    """Wait until ``count`` processes ``sleep DURATION`` run (not counting the shells whose
    script names them) and return them."""
    deadline = time.monotonic() + WAIT
    while len(found := pgrep(f"^sleep {duration}$")) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return found


class Lines:
    """Collects callback lines and lets a test wait for a given one."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()

    def __call__(self, line: str) -> None:
        with self._changed:
            self.lines.append(line)
            self._changed.notify_all()

    def wait_for(self, line: str) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: line in self.lines, timeout=WAIT):
                raise AssertionError(f"line {line!r} never came; got {self.lines!r}")


def test_run__exit_code_and_tails(transport: Transport) -> None:
    out, err = Lines(), Lines()
    process = transport.run(
        CommandSpec("echo one; echo two; echo oops >&2; exit 7"), on_stdout=out, on_stderr=err
    )
    assert process.wait(WAIT) == 7
    assert out.lines == ["one", "two"]
    assert err.lines == ["oops"]
    assert process.stdout_tail == "one\ntwo\n"
    assert process.stderr_tail == "oops\n"
    assert not process.terminated and not process.timed_out


def test_run__tail_keeps_only_the_end(transport: Transport) -> None:
    spec = CommandSpec("seq 1 5000", tail_bytes=20)
    process = transport.run(spec)
    assert process.wait(WAIT) == 0
    assert len(process.stdout_tail.encode()) == 20
    assert process.stdout_tail.endswith("4999\n5000\n")


def test_run__env_and_cwd_are_honoured(transport: Transport, tmp_path: Path) -> None:
    awkward = "it's \"quoted\" $HOME `date` \\ and\nsecond line"
    out = Lines()
    spec = CommandSpec(
        'pwd; printf "%s|" "$AWKWARD"; echo; echo "$PLAIN"',
        env={"AWKWARD": awkward, "PLAIN": "plain"},
        cwd=str(tmp_path),
    )
    assert transport.run(spec, on_stdout=out).wait(WAIT) == 0
    assert out.lines == [str(tmp_path), *f"{awkward}|".split("\n"), "plain"]


def test_run__argv_items_stay_single_arguments(transport: Transport) -> None:
    out = Lines()
    spec = CommandSpec(["printf", "<%s>\\n", "a b", "$HOME", "it's"])
    assert transport.run(spec, on_stdout=out).wait(WAIT) == 0
    assert out.lines == ["<a b>", "<$HOME>", "<it's>"]


def test_run__missing_cwd_fails_with_126(transport: Transport, tmp_path: Path) -> None:
    missing = tmp_path / "no such dir"
    process = transport.run(CommandSpec("echo should not run", cwd=str(missing)))
    assert process.wait(WAIT) == CWD_FAILURE_EXIT_CODE
    assert process.stdout_tail == ""
    assert str(missing) in process.stderr_tail


def test_run__protocol_lines_stream_while_the_command_runs(
    transport: Transport, tmp_path: Path
) -> None:
    # The command waits for a file that the test creates only on receiving the checkpoint,
    # so it can only finish if the checkpoint reached the callback while it ran.
    release = tmp_path / "release"
    seen: list[protocol.Message] = []

    def on_stdout(line: str) -> None:
        message = protocol.parse_line(line)
        seen.append(message)
        if isinstance(message, protocol.Checkpoint):
            release.touch()

    command = (
        'echo "@@helix/1 checkpoint step-1 {\\"done\\": 1}"\n'
        f"while [ ! -e {release} ]; do sleep 0.02; done\n"
        "echo '@@helix/1 progress 0.5 halfway'\n"
        "echo after"
    )
    process = transport.run(CommandSpec(command, timeout=WAIT), on_stdout=on_stdout)
    assert process.wait(WAIT) == 0
    assert seen == [
        protocol.Checkpoint("step-1", {"done": 1}),
        protocol.Progress(0.5, "halfway"),
        protocol.Output("after"),
    ]


def test_run__shell_task_sees_its_checkpoint(transport: Transport) -> None:
    spec = protocol.shell_command_spec(
        {"command": 'printf "%s %s %s %s\\n" "$HELIX_TASK_ID" "$HELIX_ATTEMPT" '
         '"$HELIX_CHECKPOINT_NAME" "$HELIX_CHECKPOINT"', "env": {"N": 3}},
        task_id="4b1f6a3e-task",
        attempt=3,
        checkpoint={"next": "it's"},
        checkpoint_name="half",
    )
    out = Lines()
    assert transport.run(spec, on_stdout=out).wait(WAIT) == 0
    assert out.lines == ['4b1f6a3e-task 3 half {"next":"it\'s"}']


def test_terminate__kills_the_whole_group_even_when_term_is_ignored(
    transport: Transport,
) -> None:
    duration = unique_sleep()
    out = Lines()
    command = (
        "trap '' TERM\n"
        f"sleep {duration} &\n"
        f"sh -c 'sleep {duration}; echo never' &\n"
        "echo started\n"
        "wait"
    )
    process = transport.run(CommandSpec(command), on_stdout=out)
    out.wait_for("started")
    assert len(sleepers(duration, 2)) == 2
    process.terminate(grace=0.5)
    assert process.poll() == 128 + 9
    assert process.terminated
    assert wait_until_gone(f"sleep {duration}") == []
    assert "never" not in out.lines


def test_kill__kills_the_group_at_once(transport: Transport) -> None:
    duration = unique_sleep()
    out = Lines()
    process = transport.run(CommandSpec(f"sleep {duration} & echo started; wait"), on_stdout=out)
    out.wait_for("started")
    process.kill()
    assert process.poll() == 128 + 9
    assert wait_until_gone(f"sleep {duration}") == []


def test_timeout__raises_and_leaves_nothing(transport: Transport) -> None:
    duration = unique_sleep()
    process = transport.run(CommandSpec(f"echo begun; sleep {duration}", timeout=0.5))
    with pytest.raises(CommandTimeout) as caught:
        process.wait(WAIT)
    assert process.timed_out
    assert process.poll() == 128 + 15
    assert caught.value.timeout == 0.5
    assert caught.value.stdout_tail == "begun\n"
    assert "timeout of 0.5s" in str(caught.value)
    assert wait_until_gone(f"sleep {duration}") == []


def test_exit__background_leftovers_end_with_the_command(transport: Transport) -> None:
    duration = unique_sleep()
    command = f"sleep {duration} >/dev/null 2>&1 &\necho left"
    process = transport.run(CommandSpec(command))
    assert process.wait(WAIT) == 0
    assert wait_until_gone(f"sleep {duration}", timeout=2.0) == []


def test_close__stops_the_commands_still_running(transport: Transport) -> None:
    duration = unique_sleep()
    processes = [transport.run(CommandSpec(f"sleep {duration}")) for _ in range(2)]
    assert len(sleepers(duration, 2)) == 2
    assert len(transport.running()) == 2
    transport.close(grace=0.5)
    assert all(process.terminated and process.poll() is not None for process in processes)
    assert wait_until_gone(f"sleep {duration}") == []
    assert transport.running() == []


def test_callback_error__is_logged_and_output_goes_on(
    transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(line: str) -> None:
        raise RuntimeError(f"cannot take {line}")

    process = transport.run(CommandSpec("echo a; echo b"), on_stdout=failing)
    assert process.wait(WAIT) == 0
    assert process.stdout_tail == "a\nb\n"
    assert sum("callback failed" in record.getMessage() for record in caplog.records) == 2


def test_probe__returns_the_heartbeat_metrics(transport: Transport) -> None:
    metrics = transport.probe()
    for key in ("cpu_usage_percent", "memory_usage_percent", "disk_usage_percent"):
        assert isinstance(metrics[key], float)
        assert 0.0 <= metrics[key] <= 100.0
    assert metrics["memory_usage_percent"] > 0.0
    assert metrics["disk_usage_percent"] > 0.0
    assert isinstance(metrics["network_rx_bytes"], int) and metrics["network_rx_bytes"] >= 0
    assert isinstance(metrics["network_tx_bytes"], int) and metrics["network_tx_bytes"] >= 0
    assert metrics["cpu_count"] >= 1
