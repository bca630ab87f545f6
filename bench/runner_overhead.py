"""Runner overhead and recovery: what `helix runner` adds per task, and how fast work moves on.

    .venv/bin/python bench/runner_overhead.py              # 200 tasks, 5 worker losses
    .venv/bin/python bench/runner_overhead.py --tasks 50 --losses 2
    .venv/bin/python bench/runner_overhead.py --keep-bashrc  # workers run ~/.bashrc per session

The run starts its own private PostgreSQL cluster (durable settings) and its own sshd workers
on loopback addresses (runner/tests/sshd.py), then `helix runner` as a subprocess, as an
operator would. Printed:

Per-task overhead: tiny shell tasks (`true`) through the runner on one sshd worker, one at a
time. A task's overhead is ``completed_at - assigned_at`` (both stamped by the database):
everything between the assignment decision and the completion being recorded, that is
start_task, a new channel on the reused connection, the remote session (sshd forks, the login
shell starts, the launcher, `true`), the exit status coming back and complete_task. The
command itself takes well under a millisecond, so nothing is subtracted. Beside it, in the
same run and interleaved task by task, a fresh OpenSSH `ssh host true` (connection, key
exchange, authentication, session), which is what a runner without connection reuse would pay
at the least. Also shown: ``completed_at - created_at``, which adds the wake-up (NOTIFY,
assign_tasks) to the overhead.

Loss to resumption: a checkpointing task runs on one of two workers; that worker's sshd and
every process of its sessions are SIGKILLed; the figure is the time from the kill until the
task is running again on the other worker (its status running with a new attempt), beside
heartbeat_timeout. The settings are heartbeat_interval 1 s, heartbeat_timeout 3 s,
grace_normal 0 (normal work moves on at once).

Login shells: Debian's bash runs ~/.bashrc for commands sent by sshd; on CI images that file
runs `pyenv init`, which costs hundreds of milliseconds per session and has nothing to do
with the runner. By default the bench's workers set SHLVL=1 for their sessions, so bash skips
~/.bashrc, as a worker with a plain shell setup would; --keep-bashrc measures with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "runner"))

from helixcode import migrate  # noqa: E402
from queue_throughput import start_cluster  # noqa: E402  (a private, durable cluster)
from tests.sshd import SshdCluster, SshdWorker  # noqa: E402

HELIX = str(Path(sys.executable).parent / "helix")
SETTINGS = {
    "heartbeat_interval": "1 second",
    "heartbeat_timeout": "3 seconds",
    "runner_timeout": "10 seconds",
    "grace_normal": "0 seconds",
}
CHECKPOINTING = (
    "i=$(printf '%s' \"$HELIX_CHECKPOINT\" | sed -n 's/.*\"i\": *\\([0-9]*\\).*/\\1/p'); "
    "i=${i:-0}; while [ \"$i\" -lt 600 ]; do sleep 0.1; i=$((i + 1)); "
    "echo \"@@helix/1 checkpoint tick {\\\"i\\\": $i}\"; done"
)
"""A task of 60 s that checkpoints every 0.1 s and resumes from its checkpoint."""


class Bench:
    """One database, a set of sshd workers and one runner."""

    def __init__(self, keep_bashrc: bool) -> None:
        self.keep_bashrc = keep_bashrc
        self.cluster = start_cluster()
        self.url = self.cluster.url()
        migrate.migrate(self.url)
        self.conn = psycopg.connect(self.url, autocommit=True)
        for key, value in SETTINGS.items():
            self.conn.execute("update helix.settings set value = to_jsonb(%s::text) "
                              "where key = %s", (value, key))
        self.sshd = SshdCluster(Path(tempfile.mkdtemp(prefix="helix-bench-sshd-")))
        self.workers: dict[uuid.UUID, SshdWorker] = {}
        self.runner: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="helix-bench-runner-", suffix=".log")[1])

    def add_worker(self, name: str, max_tasks: int = 10) -> uuid.UUID:
        """Start an sshd worker and register it."""
        worker = self.sshd.start_worker(login_rc=self.keep_bashrc)
        worker_id = self.conn.execute(
            "select helix.register_worker(p_hostname => %s, p_ssh_config => %s, "
            "p_max_concurrent_tasks => %s)",
            (name, json.dumps(worker.ssh_config()), max_tasks)).fetchone()[0]
        self.workers[worker_id] = worker
        return worker_id

    def start_runner(self) -> None:
        """`helix runner` as a subprocess; its log goes to a file."""
        env = {**os.environ, "HELIX_DATABASE_URL": self.url}
        with self.log.open("a") as handle:
            self.runner = subprocess.Popen(
                [HELIX, "runner", "--known-hosts", str(self.sshd.known_hosts),
                 "--log-level", "warning"],
                env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT)

    def submit(self, command: str) -> uuid.UUID:
        """Submit a shell task."""
        return self.conn.execute("select helix.submit_task('shell', %s)",
                                 (json.dumps({"command": command}),)).fetchone()[0]

    def row(self, task_id: uuid.UUID) -> dict[str, Any]:
        """The task's row."""
        with self.conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
            found = cur.execute("select * from helix.distributed_tasks where id = %s",
                                (task_id,)).fetchone()
        assert found is not None
        return found

    def wait(self, task_id: uuid.UUID, done: Any, timeout: float = 60.0) -> dict[str, Any]:
        """Poll the task until ``done(row)``; return the row."""
        deadline = time.monotonic() + timeout
        while True:
            row = self.row(task_id)
            if done(row):
                return row
            if time.monotonic() > deadline:
                raise RuntimeError(f"task {task_id} stuck in {row['status']}; runner log "
                                   f"{self.log}")
            time.sleep(0.002)

    def close(self, keep_log: bool = False) -> None:
        """Stop the runner, the workers and the cluster; the runner log stays if asked."""
        if self.runner is not None and self.runner.poll() is None:
            self.runner.send_signal(signal.SIGTERM)
            try:
                self.runner.wait(30)
            except subprocess.TimeoutExpired:
                self.runner.kill()
        self.conn.close()
        self.sshd.stop()
        shutil.rmtree(self.sshd.directory, ignore_errors=True)
        if not keep_log:
            self.log.unlink(missing_ok=True)
        self.cluster.destroy()


def ssh_true(bench: Bench, worker: SshdWorker) -> float:
    """Seconds for one fresh OpenSSH `ssh host true`."""
    command = ["ssh", "-i", str(bench.sshd.user_key), "-p", str(worker.port),
               "-o", f"UserKnownHostsFile={bench.sshd.known_hosts}", "-o", "BatchMode=yes",
               "-o", "IdentitiesOnly=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none",
               f"{bench.sshd.user}@{worker.host}", "true"]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, capture_output=True)
    return time.perf_counter() - started


def overhead(bench: Bench, tasks: int) -> dict[str, list[float]]:
    """Per-task figures in milliseconds, tasks and ssh runs interleaved."""
    worker_id = bench.add_worker("bench-1")
    worker = bench.workers[worker_id]
    bench.start_runner()
    warm = bench.submit("true")  # the first task opens the connection
    bench.wait(warm, lambda r: r["status"] == "completed")
    figures: dict[str, list[float]] = {"runner": [], "with wake-up": [], "ssh": []}
    for _ in range(tasks):
        task = bench.submit("true")
        row = bench.wait(task, lambda r: r["status"] in ("completed", "failed"))
        if row["status"] != "completed":
            raise RuntimeError(f"task {task} failed: {row['error_message']}")
        figures["runner"].append(
            (row["completed_at"] - row["assigned_at"]).total_seconds() * 1000)
        figures["with wake-up"].append(
            (row["completed_at"] - row["created_at"]).total_seconds() * 1000)
        figures["ssh"].append(ssh_true(bench, worker) * 1000)
    return figures


def losses(bench: Bench, rounds: int) -> list[float]:
    """Seconds from killing a task's worker to the task running again on another one."""
    spare = bench.add_worker("bench-spare-0")
    figures = []
    for number in range(rounds):
        task = bench.submit(CHECKPOINTING)
        row = bench.wait(task, lambda r: r["status"] == "running"
                         and (r["checkpoint_data"] or {}).get("i", 0) >= 5)
        victim = row["assigned_worker_id"]
        attempt = row["attempt"]
        bench.workers[victim].kill()
        killed = time.monotonic()
        back = bench.wait(task, lambda r: r["status"] == "running" and r["attempt"] > attempt)
        figures.append(time.monotonic() - killed)
        if back["assigned_worker_id"] == victim:
            raise RuntimeError("the task came back on the worker that was killed")
        print(f"  loss {number + 1}: running again after {figures[-1]:.2f}s "
              f"(checkpoint i={(back['checkpoint_data'] or {}).get('i')})", file=sys.stderr)
        bench.conn.execute("select helix.cancel_task(%s, 'bench round over')", (task,))
        spare = bench.add_worker(f"bench-spare-{number + 1}")
    del spare
    return figures


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> None:
    """Run both measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--losses", type=int, default=5)
    parser.add_argument("--keep-bashrc", action="store_true",
                        help="let the workers' bash run ~/.bashrc for every session")
    args = parser.parse_args()
    bench = Bench(args.keep_bashrc)
    try:
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}, paramiko per-worker connection reuse, "
              f"login shell {'with' if args.keep_bashrc else 'without'} ~/.bashrc")
        per_task = overhead(bench, args.tasks)
        lost = losses(bench, args.losses)
    except BaseException:
        bench.close(keep_log=True)
        print(f"runner log kept: {bench.log}", file=sys.stderr)
        raise
    bench.close()
    runner_median = statistics.median(per_task["runner"])
    ssh_median = statistics.median(per_task["ssh"])
    print(f"\n{args.tasks} `true` tasks, one at a time, one sshd worker (milliseconds)\n")
    print(f"| {'figure':46} | {'median':>8} | {'p99':>8} |")
    print(f"| {'-' * 46} | {'-' * 7}: | {'-' * 7}: |")
    rows = (
        ("runner overhead (assigned_at -> completed_at)", per_task["runner"]),
        ("with wake-up (created_at -> completed_at)", per_task["with wake-up"]),
        ("fresh OpenSSH `ssh host true`", per_task["ssh"]),
    )
    for name, values in rows:
        print(f"| {name:46} | {statistics.median(values):8.1f} | "
              f"{percentile(values, 0.99):8.1f} |")
    print(f"\nfresh ssh / runner overhead (medians): {ssh_median / runner_median:.1f}x; "
          f"target: runner median under 15 ms -> "
          f"{'met' if runner_median < 15 else 'NOT met'}")
    timeout = 3.0
    print(f"\nworker lost -> task running elsewhere, {len(lost)} losses (seconds)\n")
    print(f"| {'figure':46} | {'seconds':>8} |")
    print(f"| {'-' * 46} | {'-' * 7}: |")
    print(f"| {'heartbeat_timeout':46} | {timeout:8.2f} |")
    print(f"| {'loss to resumption, median':46} | {statistics.median(lost):8.2f} |")
    print(f"| {'loss to resumption, worst':46} | {max(lost):8.2f} |")
    print(f"\ntarget: within heartbeat_timeout + 2 s = {timeout + 2:.0f} s -> "
          f"{'met' if max(lost) <= timeout + 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
