"""The runner end to end: `helix runner` as a real process, real PostgreSQL, real sshd workers.

Every test starts the daemon as a subprocess with JSON logs, against a fresh database whose
settings are shortened (heartbeats every second, a worker offline after 3 s of silence, a
runner lost after 3 s) so that failures are detected within seconds. Failures are real: a
worker's sshd and every process of its sessions are SIGKILLed, the runner is SIGKILLed, the
database is stopped with pg_ctl. Each test ends with check_invariants() empty.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from helixcode import migrate
from helixcode.embedded import Cluster
from tests.sshd import SshdCluster, SshdWorker, pgrep, wait_until_gone

pytest_plugins = ["tests.sshd"]

HELIX = str(Path(sys.executable).parent / "helix")
WAIT = 30.0
FAST_SETTINGS = {
    "heartbeat_interval": "1 second",
    "heartbeat_timeout": "3 seconds",
    "runner_timeout": "3 seconds",
    "retry_base_delay": "1 second",
}


# ---------------------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------------------


class RunnerProcess:
    """`helix runner` in a subprocess, its JSON log lines collected in a file."""

    def __init__(self, url: str, known_hosts: Path, log_dir: Path, *extra: str) -> None:
        self.log_file = Path(tempfile.mkstemp(prefix="runner-", suffix=".log", dir=log_dir)[1])
        # `helix runner start ...` and `helix runner ...` are the same; "start" in extra picks
        # the first form.
        command = ["runner", "start"] if "start" in extra else ["runner"]
        extra = tuple(arg for arg in extra if arg != "start")
        with self.log_file.open("w") as handle:
            self.process = subprocess.Popen(
                [HELIX, *command, "--database-url", url, "--known-hosts", str(known_hosts),
                 "--log-format", "json", "--shutdown-grace", "2", *extra],
                stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
            )

    def entries(self) -> list[dict[str, Any]]:
        """Every JSON log line written so far."""
        found = []
        for line in self.log_file.read_text().splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                found.append({"message": line, "unparsed": True})
        return found

    def events(self, event: str) -> list[dict[str, Any]]:
        """The log entries of one event (task_completed, task_running, ...)."""
        return [e for e in self.entries() if e.get("event") == event]

    def wait_for_event(self, event: str, timeout: float = WAIT) -> dict[str, Any]:
        """Wait until the runner logs ``event``; return the first such entry."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events(event)
            if found:
                return found[0]
            assert self.process.poll() is None, f"runner exited early:\n{self.text()}"
            time.sleep(0.05)
        raise AssertionError(f"runner never logged {event!r}:\n{self.text()[-4000:]}")

    def text(self) -> str:
        """The whole log."""
        return self.log_file.read_text()

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then wait for the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash."""
        self.process.kill()
        self.process.wait(10)


class Fleet:
    """A test's database connection, workers and runners, cleaned up at the end."""

    def __init__(self, url: str, sshd: SshdCluster, log_dir: Path) -> None:
        self.url = url
        self.sshd = sshd
        self.log_dir = log_dir
        self.conn = psycopg.connect(url, autocommit=True)
        self.runners: list[RunnerProcess] = []
        self.workers: dict[str, SshdWorker] = {}
        self.started: list[SshdWorker] = []
        self.worker_ids: dict[str, uuid.UUID] = {}
        self.settings(**FAST_SETTINGS)

    def settings(self, **values: str) -> None:
        """Update helix.settings (interval values as text)."""
        for key, value in values.items():
            self.conn.execute("update helix.settings set value = to_jsonb(%s::text) "
                              "where key = %s", (value, key))

    def add_worker(self, name: str, worker: SshdWorker | None = None, **options: Any) -> uuid.UUID:
        """Start an sshd worker (unless given one) and register it under ``name``."""
        if worker is None:
            worker = self.sshd.start_worker()
            self.started.append(worker)
        self.workers[name] = worker
        worker_id = self.conn.execute(
            "select helix.register_worker(p_hostname => %s, p_ssh_config => %s, "
            "p_max_concurrent_tasks => %s)",
            (name, json.dumps(worker.ssh_config()), options.get("max_tasks", 4)),
        ).fetchone()[0]
        self.worker_ids[name] = worker_id
        return worker_id

    def runner(self, *extra: str, known_hosts: Path | None = None) -> RunnerProcess:
        """Start a runner."""
        process = RunnerProcess(self.url, known_hosts or self.sshd.known_hosts, self.log_dir,
                                *extra)
        self.runners.append(process)
        return process

    def submit(self, command: str, **options: Any) -> uuid.UUID:
        """Submit a shell task; ``options`` are other task_data keys and submit parameters."""
        data = {"command": command}
        for key in ("env", "cwd", "timeout", "retryable"):
            if key in options:
                data[key] = options.pop(key)
        return self.submit_data(data, **options)

    def submit_data(self, data: dict[str, Any], depends_on: list[uuid.UUID] | None = None,
                    criticality: str = "normal", max_retries: int = 3) -> uuid.UUID:
        """Submit a shell task with this exact task_data."""
        return self.conn.execute(
            "select helix.submit_task(p_task_type => 'shell', p_task_data => %s, "
            "p_dependencies => %s, p_criticality => %s, p_max_retries => %s)",
            (json.dumps(data), depends_on or [], criticality, max_retries),
        ).fetchone()[0]

    def task(self, task_id: uuid.UUID) -> dict[str, Any]:
        """The task's row."""
        with self.conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            row = cur.execute("select * from helix.distributed_tasks where id = %s",
                              (task_id,)).fetchone()
        assert row is not None
        return row

    def wait_status(self, task_id: uuid.UUID, *statuses: str,
                    timeout: float = WAIT) -> dict[str, Any]:
        """Wait until the task is in one of ``statuses``; return its row."""
        deadline = time.monotonic() + timeout
        while True:
            row = self.task(task_id)
            if row["status"] in statuses:
                return row
            if time.monotonic() > deadline:
                logs = "\n".join(r.text()[-3000:] for r in self.runners)
                raise AssertionError(f"task {task_id} is {row['status']}, not {statuses}; "
                                     f"error {row['error_message']!r}\n{logs}")
            time.sleep(0.05)

    def wait_until(self, what: str, check: Callable[[], bool], timeout: float = WAIT) -> None:
        """Poll ``check`` until true."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def invariants(self) -> list[tuple[Any, ...]]:
        """Rows of check_invariants() (empty when all is well)."""
        return self.conn.execute("select * from helix.check_invariants()").fetchall()

    def close(self) -> None:
        """Stop every runner and close the connection."""
        for runner in self.runners:
            if runner.process.poll() is None:
                runner.kill()
        self.conn.close()


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """Where the runners' logs go."""
    return tmp_path


@pytest.fixture
def fleet(fresh_db: str, sshd_cluster: SshdCluster, log_dir: Path) -> Iterator[Fleet]:
    """A fresh database with fast settings, and a place for workers and runners."""
    fleet = Fleet(fresh_db, sshd_cluster, log_dir)
    try:
        yield fleet
    finally:
        fleet.close()
        for worker in fleet.started:
            worker.kill()


def unique() -> str:
    """A number no other process has in its command line: a marker for pgrep."""
    return f"{random.randint(100, 999)}.{random.randint(10**6, 10**7)}"


STEPS_SCRIPT = r"""
start=$(printf '%s' "$HELIX_CHECKPOINT" | sed -n 's/.*"step": *\([0-9]*\).*/\1/p')
start=${{start:-0}}
server=$(echo "$SSH_CONNECTION" | cut -d' ' -f3)
i=$start
while [ "$i" -lt {steps} ]; do
  echo "step $i attempt $HELIX_ATTEMPT on $server" >> {journal}
  sleep {pause}
  i=$((i + 1))
  echo "@@helix/1 checkpoint step-$i {{\"step\": $i}}"
  echo "@@helix/1 progress 0.$i step $i"
done
echo "done attempt $HELIX_ATTEMPT on $server" >> {journal}
echo '@@helix/1 result {{"steps": {steps}}}'
"""
"""A task of ``steps`` steps that checkpoints after each and resumes from its checkpoint.

Each step appends a line to ``journal`` (a file on this host, shared by every simulated
worker), naming the attempt and the worker's address (from SSH_CONNECTION).
"""


def steps_command(journal: Path, steps: int, pause: float) -> str:
    """The shell command of a checkpointing task."""
    return STEPS_SCRIPT.format(steps=steps, journal=journal, pause=pause)


# ---------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------


def test_runner_dag__runs_to_completion_across_workers(fleet: Fleet, tmp_path: Path) -> None:
    for name in ("alpha", "beta", "gamma"):
        fleet.add_worker(name)
    journal = tmp_path / "journal"
    line = 'echo "$0 on $(echo $SSH_CONNECTION | cut -d" " -f3)" >> ' + str(journal)

    def node(label: str, deps: list[uuid.UUID] | None = None) -> uuid.UUID:
        return fleet.submit_data({"command": f"sleep 0.3; sh -c '{line}' {label}; echo {label}"},
                                 depends_on=deps)

    root = node("root")
    middle = [node(f"mid{i}", [root]) for i in range(6)]
    sink = node("sink", middle)
    runner = fleet.runner("--max-tasks", "8")

    final = fleet.wait_status(sink, "completed", "failed")
    assert final["status"] == "completed", final["error_message"]
    rows = {t: fleet.task(t) for t in [root, *middle, sink]}
    assert all(r["status"] == "completed" for r in rows.values())
    assert all(r["attempt"] == 1 and r["retry_count"] == 0 for r in rows.values())
    # Order: the root before every middle task, every middle task before the sink.
    for mid in middle:
        assert rows[root]["completed_at"] <= rows[mid]["started_at"]
        assert rows[mid]["completed_at"] <= rows[sink]["started_at"]
    assert rows[sink]["result_data"]["exit_code"] == 0
    assert rows[sink]["result_data"]["stdout_tail"] == "sink\n"
    ran = journal.read_text().splitlines()
    assert sorted(r.split()[0] for r in ran) == sorted(
        ["root", "sink"] + [f"mid{i}" for i in range(6)])
    # The middle tasks ran in parallel over more than one worker.
    assert len({r.split()[-1] for r in ran}) >= 2
    completed = runner.events("task_completed")
    assert len(completed) == 8
    assert {"task_id", "attempt", "worker"} <= set(completed[0])
    assert runner.stop() == 0
    assert fleet.conn.execute("select status from helix.runners").fetchall() == [("stopped",)]
    assert fleet.invariants() == []


def test_runner_role__runs_work_with_only_the_runner_role(fleet: Fleet) -> None:
    """A deployment logs the runner in as a role granted helix_runner, not as an owner."""
    role = f"runner_{uuid.uuid4().hex[:12]}"
    password = uuid.uuid4().hex
    fleet.conn.execute(f"create role {role} login password '{password}' in role helix_runner")
    url = re.sub(r"://[^@]*@", f"://{role}:{password}@", fleet.url)
    with psycopg.connect(url) as as_runner:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_runner.execute("select count(*) from helix.workers")
    fleet.add_worker("alpha")
    first = fleet.submit("echo one")
    second = fleet.submit_data({"command": "echo two"}, depends_on=[first])
    runner = RunnerProcess(url, fleet.sshd.known_hosts, fleet.log_dir)
    fleet.runners.append(runner)
    final = fleet.wait_status(second, "completed", "failed")
    assert final["status"] == "completed", final["error_message"]
    assert fleet.task(first)["result_data"]["stdout_tail"] == "one\n"
    assert "permission denied" not in runner.text()
    assert runner.stop() == 0
    assert fleet.invariants() == []


def test_runner_shell__failures_and_bad_task_data(fleet: Fleet,
                                                  sshd_worker: SshdWorker) -> None:
    fleet.add_worker("solo", sshd_worker)
    final_failure = fleet.submit("echo oops >&2; exit 3", retryable=False)
    bad_data = fleet.submit_data({"command": "true", "timout": 5})
    timed_out = fleet.submit("sleep 30", timeout=0.5, retryable=False)
    retried = fleet.submit("exit 1", max_retries=1)
    runner = fleet.runner()

    row = fleet.wait_status(final_failure, "failed")
    assert row["retry_count"] == 0
    assert "exited with code 3" in row["error_message"]
    assert "oops" in row["error_message"]
    assert row["result_data"]["exit_code"] == 3
    assert row["result_data"]["stderr_tail"] == "oops\n"

    row = fleet.wait_status(bad_data, "failed")
    assert "timout" in row["error_message"] and row["retry_count"] == 0

    row = fleet.wait_status(timed_out, "failed")
    assert "timeout of 0.5s" in row["error_message"]

    row = fleet.wait_status(retried, "failed", timeout=WAIT)
    assert row["retry_count"] == 1 and row["attempt"] == 2
    assert runner.stop() == 0
    assert fleet.invariants() == []


def test_runner_checkpoint__worker_vanishes_and_task_resumes_elsewhere_once(
        fleet: Fleet, tmp_path: Path) -> None:
    fleet.add_worker("first")
    fleet.add_worker("second")
    journal = tmp_path / "journal"
    task = fleet.submit(steps_command(journal, steps=12, pause=0.4))
    runner = fleet.runner()

    fleet.wait_until("three steps", lambda: journal.exists()
                     and len(journal.read_text().splitlines()) >= 3)
    row = fleet.task(task)
    assert row["status"] == "running"
    victim = next(n for n, i in fleet.worker_ids.items() if i == row["assigned_worker_id"])
    killed_at = time.monotonic()
    fleet.workers[victim].kill()

    row = fleet.wait_status(task, "completed", "failed", timeout=WAIT)
    assert row["status"] == "completed", row["error_message"]
    lost_for = time.monotonic() - killed_at
    # Resumed on the other worker, from its checkpoint, without spending a retry.
    assert row["assigned_worker_id"] != fleet.worker_ids[victim] or row["attempt"] == 2
    assert row["retry_count"] == 0 and row["attempt"] == 2
    lines = journal.read_text().splitlines()
    first = [line for line in lines if "attempt 1" in line]
    second = [line for line in lines if "attempt 2" in line]
    victim_host = fleet.workers[victim].host
    assert first and all(line.endswith(victim_host) for line in first)
    assert second and not any(line.endswith(victim_host) for line in second)
    resumed_from = int(second[0].split()[1])
    assert resumed_from >= 2, lines
    # Each step after the checkpoint ran once, and the task finished exactly once.
    steps_done = [int(line.split()[1]) for line in lines if line.startswith("step")]
    assert sorted(set(steps_done)) == list(range(12))
    assert sum(1 for line in lines if line.startswith("done")) == 1
    assert row["result_data"]["result"] == {"steps": 12}
    assert row["progress_message"] == "step 12"  # progress lines reached the database
    assert lost_for < 3 + 10
    assert runner.events("task_worker_lost")
    assert runner.stop() == 0
    assert fleet.invariants() == []


def test_runner_worker_blip__task_released_and_resumed_from_checkpoint(
        fleet: Fleet, tmp_path: Path) -> None:
    # The worker is back before the database would call it offline: the runner, which lost
    # the command's outcome with the connection, hands the task back itself.
    fleet.settings(heartbeat_timeout="30 seconds")
    fleet.add_worker("flaky")
    journal = tmp_path / "journal"
    task = fleet.submit(steps_command(journal, steps=10, pause=0.3))
    runner = fleet.runner()
    fleet.wait_until("three steps", lambda: journal.exists()
                     and len(journal.read_text().splitlines()) >= 3)
    fleet.workers["flaky"].restart()

    row = fleet.wait_status(task, "completed", "failed")
    assert row["status"] == "completed", row["error_message"]
    assert row["attempt"] == 2 and row["retry_count"] == 0
    lines = journal.read_text().splitlines()
    second = [line for line in lines if "attempt 2" in line]
    assert second and int(second[0].split()[1]) >= 2, lines
    assert sum(1 for line in lines if line.startswith("done")) == 1
    released = runner.wait_for_event("task_released")
    assert released["task_id"] == str(task) and released["attempt"] == 1
    assert fleet.conn.execute("select status from helix.workers").fetchone()[0] == "active"
    assert runner.stop() == 0
    assert fleet.invariants() == []


def test_runner_cancel_and_pause__leave_no_remote_process(fleet: Fleet,
                                                          sshd_worker: SshdWorker) -> None:
    fleet.add_worker("solo", sshd_worker)
    doomed, paused = unique(), unique()
    cancelled_task = fleet.submit(f"sleep {doomed} & sleep {doomed}; wait")
    paused_task = fleet.submit(
        f'if [ "$HELIX_ATTEMPT" = 1 ]; then sleep {paused} & sleep {paused}; wait; fi; '
        'echo resumed')
    runner = fleet.runner()
    fleet.wait_status(cancelled_task, "running")
    fleet.wait_status(paused_task, "running")
    fleet.wait_until("the remote processes", lambda: len(pgrep(f"sleep {doomed}")) >= 2
                     and len(pgrep(f"sleep {paused}")) >= 2)

    fleet.conn.execute("select helix.cancel_task(%s, 'test')", (cancelled_task,))
    fleet.conn.execute("select helix.pause_task(%s)", (paused_task,))
    assert wait_until_gone(f"sleep {doomed}", timeout=10) == []
    assert wait_until_gone(f"sleep {paused}", timeout=10) == []
    event = runner.wait_for_event("task_cancel")
    assert event["task_id"] == str(cancelled_task) and event["attempt"] == 1
    assert runner.wait_for_event("task_pause")["task_id"] == str(paused_task)
    assert fleet.task(cancelled_task)["status"] == "cancelled"
    assert fleet.task(paused_task)["status"] == "paused"
    # Resumed, the paused task runs again (a new attempt) and completes.
    fleet.conn.execute("select helix.resume_task(%s)", (paused_task,))
    row = fleet.wait_status(paused_task, "completed", "failed")
    assert row["status"] == "completed" and row["attempt"] == 2
    assert row["result_data"]["stdout_tail"] == "resumed\n"
    assert runner.stop() == 0
    assert fleet.invariants() == []


def test_runner_crash__second_runner_rescues_the_task(fleet: Fleet,
                                                      sshd_worker: SshdWorker) -> None:
    fleet.add_worker("solo", sshd_worker)
    marker = unique()
    # The first attempt sleeps silently (its process outlives the runner's connection);
    # the next one finishes at once.
    task = fleet.submit(f'if [ "$HELIX_ATTEMPT" = 1 ]; then sleep {marker}; fi; echo done')
    first = fleet.runner()
    first.wait_for_event("sweep_leader")
    fleet.wait_status(task, "running")
    fleet.wait_until("the first attempt's process", lambda: bool(pgrep(f"sleep {marker}")))
    first.kill()
    killed_at = time.monotonic()

    second = fleet.runner("start")
    row = fleet.wait_status(task, "completed", "failed")
    assert row["status"] == "completed", row["error_message"]
    assert row["attempt"] == 2 and row["retry_count"] == 0
    assert time.monotonic() - killed_at >= 2.5  # not before the lease ran out
    assert row["result_data"]["stdout_tail"] == "done\n"
    statuses = dict(fleet.conn.execute("select status, count(*) from helix.runners "
                                       "group by status").fetchall())
    assert statuses == {"lost": 1, "running": 1}
    # The orphan of the first attempt is found and killed by the second runner.
    assert wait_until_gone(f"sleep {marker}", timeout=15) == []
    # The crashed runner's session, and with it the sweep lock, went; the second one leads.
    second.wait_for_event("sweep_leader")
    orphan = second.wait_for_event("task_orphan_killed")
    assert orphan["task_id"] == str(task) and orphan["attempt"] == 1
    assert second.stop() == 0
    assert fleet.invariants() == []


def test_runner_sigterm__drains_then_releases(fleet: Fleet, sshd_worker: SshdWorker) -> None:
    fleet.add_worker("solo", sshd_worker)
    marker = unique()
    quick = fleet.submit("sleep 1; echo quick")
    slow = fleet.submit(f"sleep {marker}")
    runner = fleet.runner()
    fleet.wait_status(slow, "running")
    fleet.wait_status(quick, "running")
    stopped_at = time.monotonic()
    assert runner.stop() == 0
    assert time.monotonic() - stopped_at < 2 + 10
    # The quick task finished within the grace; the slow one was stopped and handed back.
    assert fleet.task(quick)["status"] == "completed"
    row = fleet.task(slow)
    assert row["status"] == "pending" and row["retry_count"] == 0
    assert row["runner_id"] is None
    assert wait_until_gone(f"sleep {marker}", timeout=5) == []
    assert runner.events("task_released")
    assert fleet.conn.execute("select status from helix.runners").fetchall() == [("stopped",)]
    assert fleet.invariants() == []


def test_runner_lost__stops_its_tasks_and_registers_again(fleet: Fleet,
                                                          sshd_worker: SshdWorker) -> None:
    fleet.add_worker("solo", sshd_worker)
    marker = unique()
    task = fleet.submit(f'if [ "$HELIX_ATTEMPT" = 1 ]; then sleep {marker}; fi; echo done')
    runner = fleet.runner("--sweep-interval", "30")
    fleet.wait_status(task, "running")
    fleet.wait_until("the process", lambda: bool(pgrep(f"sleep {marker}")))
    # The runner is declared lost (its lease forced out): sweep rescues the task.
    fleet.conn.execute("update helix.runners set lease_expires_at = now() - interval '1 min'")
    fleet.conn.execute("select helix.sweep()")
    row = fleet.wait_status(task, "completed", "failed")
    assert row["status"] == "completed" and row["attempt"] == 2
    assert wait_until_gone(f"sleep {marker}", timeout=10) == []
    runner.wait_for_event("runner_lost")
    assert len(runner.events("runner_registered")) == 2
    assert runner.stop() == 0
    assert fleet.invariants() == []


def test_runner_host_key__unknown_worker_is_refused(fleet: Fleet, sshd_worker: SshdWorker,
                                                    tmp_path: Path) -> None:
    fleet.add_worker("stranger", sshd_worker)
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    touched = tmp_path / "touched"
    task = fleet.submit(f"touch {touched}")
    runner = fleet.runner(known_hosts=empty)
    event = runner.wait_for_event("task_not_started")
    assert event["task_id"] == str(task)
    assert "not trusted" in event["message"]
    assert f"helix worker trust {sshd_worker.host}:{sshd_worker.port}" in event["message"]
    time.sleep(1.5)
    assert not touched.exists()
    row = fleet.task(task)
    assert row["status"] in ("pending", "assigned") and row["started_at"] is None
    assert runner.stop() == 0
    assert fleet.task(task)["status"] == "pending"
    assert fleet.invariants() == []


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of the test's own, to stop and start."""
    cluster = Cluster.temporary("helix-restart-pg-", fast=True)
    try:
        yield cluster
    finally:
        cluster.destroy()


def test_runner_database_restart__reconnects_and_finishes(
        own_cluster: Cluster, sshd_cluster: SshdCluster, sshd_worker: SshdWorker,
        tmp_path: Path) -> None:
    url = own_cluster.url()
    migrate.migrate(url)
    fleet = Fleet(url, sshd_cluster, tmp_path)
    try:
        # Long enough timeouts that the outage itself declares nothing lost.
        fleet.settings(heartbeat_timeout="20 seconds", runner_timeout="20 seconds")
        fleet.add_worker("solo", sshd_worker)
        journal = tmp_path / "journal"
        task = fleet.submit(steps_command(journal, steps=8, pause=0.3))
        runner = fleet.runner()
        fleet.wait_until("two steps", lambda: journal.exists()
                         and len(journal.read_text().splitlines()) >= 2)
        fleet.conn.close()
        own_cluster.stop()
        time.sleep(3.0)  # the task finishes meanwhile: its last reports wait
        own_cluster.start()  # the same port: a runner holding the URL finds it again
        assert own_cluster.url() == url
        fleet.conn = psycopg.connect(url, autocommit=True)
        row = fleet.wait_status(task, "completed", "failed")
        assert row["status"] == "completed", row["error_message"]
        assert row["attempt"] == 1 and row["retry_count"] == 0
        # Every checkpoint arrived, those made during the outage included.
        saved = fleet.conn.execute("select count(*) from helix.task_checkpoints "
                                   "where task_id = %s", (task,)).fetchone()[0]
        assert saved == 8
        assert row["checkpoint_data"] == {"step": 8}
        assert journal.read_text().count("done") == 1
        assert runner.events("report_retry")
        assert runner.stop() == 0
        assert fleet.invariants() == []
    finally:
        fleet.close()
