"""The demo: a small build pipeline run end to end on local workers, with a real runner.

:func:`prepare` registers the demo's local workers and shortens the retry backoff;
:class:`RunnerProcess` starts ``helix runner`` as a child process (the same daemon an
operator runs) and makes sure it is gone afterwards; :func:`submit_pipeline` submits the
task graph; :func:`poll` reads the state the display draws. ``helix demo``
(:mod:`helixcode.cli.demo`) puts them together.

The pipeline, as a build service would see it::

    checkout -> build -> test-shard-1 ----------\\
                      -> test-shard-2 -----------> package
                      -> integration (flaky) ---/
             -> index-symbols (checkpoints) ---/

``integration`` fails its first attempt (a marker file remembers it) and passes on the
retry; ``index-symbols`` saves a checkpoint after every chunk and reports its progress, and
would resume from the last chunk if it were interrupted.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg.types.json import Jsonb

from .errors import HelixError, translated

log = logging.getLogger(__name__)

DEMO_CAPABILITY = "helix-demo"
"""Every demo worker has it and every demo step requires it: the steps run on them only."""

WORKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("demo-local-1", (DEMO_CAPABILITY, "linux", "git", "compiler")),
    ("demo-local-2", (DEMO_CAPABILITY, "linux", "compiler")),
    ("demo-local-3", (DEMO_CAPABILITY, "linux", "packaging")),
)
"""The demo's workers: hostname and capabilities. Each runs tasks on this machine."""

WORKER_SLOTS = 2
DEMO_RETRY_DELAY = "1 second"
FINISHED = ("completed", "failed", "cancelled")
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class DemoError(HelixError):
    """The demo could not run: its runner died, or the pipeline did not finish in time."""


@dataclasses.dataclass(frozen=True)
class Step:
    """One task of the pipeline: its name, command, needs and what it requires."""

    name: str
    command: str
    needs: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ("linux",)
    priority: int = 5
    criticality: str = "normal"
    max_retries: int = 3
    note: str = ""


# The commands run under /bin/sh on a local worker, with DEMO_DIR (a scratch directory) and
# PAUSE (seconds of pretend work per step) in their environment. Lines starting with
# "@@helix/1" are reports to the runner (see helixcode.protocol).
_CHECKOUT = r"""
mkdir -p "$DEMO_DIR/src"
for f in main.c util.c util.h Makefile README; do
  echo "// $f of the demo project" > "$DEMO_DIR/src/$f"
  sleep "$PAUSE"
done
echo "@@helix/1 progress 1 checked out 5 files"
echo '@@helix/1 result {"commit": "4e1f2c9", "files": 5}'
"""

_BUILD = r"""
mkdir -p "$DEMO_DIR/build"
n=0
for unit in main util; do
  for phase in compile optimise link; do
    n=$((n + 1))
    echo "@@helix/1 progress 0.$((n * 16)) $phase $unit.c"
    sleep "$PAUSE"
  done
  cp "$DEMO_DIR/src/$unit.c" "$DEMO_DIR/build/$unit.o"
done
cat "$DEMO_DIR/build/"*.o > "$DEMO_DIR/build/app"
echo '@@helix/1 result {"binary": "build/app"}'
"""


def _tests(shard: int) -> str:
    return rf"""
total=6
for i in $(seq 1 $total); do
  echo "test_{shard}_$i ... ok"
  echo "@@helix/1 progress $(awk "BEGIN {{print $i / $total}}") shard {shard}: $i of $total"
  sleep "$PAUSE"
done
echo '@@helix/1 result {{"shard": {shard}, "passed": 6, "failed": 0}}'
"""


_INTEGRATION = r"""
echo "@@helix/1 progress 0.2 starting the service"
sleep "$PAUSE"
if [ ! -e "$DEMO_DIR/integration.flaked" ]; then
  touch "$DEMO_DIR/integration.flaked"
  echo "@@helix/1 progress 0.4 connecting to the service"
  sleep "$PAUSE"
  echo "connection refused: the service was not up yet (a flaky test)" >&2
  exit 1
fi
for i in 1 2 3; do
  echo "@@helix/1 progress 0.$((i * 3)) scenario $i of 3"
  sleep "$PAUSE"
done
echo '@@helix/1 result {"scenarios": 3}'
"""

_INDEX = r"""
start=0
if [ -n "$HELIX_CHECKPOINT" ]; then
  start=$(printf '%s' "$HELIX_CHECKPOINT" | sed 's/[^0-9]//g')
  echo "resuming from chunk $start"
fi
chunks=8
i=$start
while [ "$i" -lt "$chunks" ]; do
  sleep "$PAUSE"
  i=$((i + 1))
  echo "@@helix/1 checkpoint chunk-$i {\"next_chunk\": $i}"
  echo "@@helix/1 progress $(awk "BEGIN {print $i / $chunks}") indexed chunk $i of $chunks"
done
echo "@@helix/1 result {\"chunks\": $chunks, \"resumed_from\": $start}"
"""

_PACKAGE = r"""
echo "@@helix/1 progress 0.3 collecting artefacts"
sleep "$PAUSE"
mkdir -p "$DEMO_DIR/dist"
tar -czf "$DEMO_DIR/dist/app.tar.gz" -C "$DEMO_DIR" build src
echo "@@helix/1 progress 0.8 checksumming"
sleep "$PAUSE"
sum=$(cksum < "$DEMO_DIR/dist/app.tar.gz" | cut -d' ' -f1)
echo "@@helix/1 result {\"artefact\": \"dist/app.tar.gz\", \"cksum\": \"$sum\"}"
"""

PIPELINE: tuple[Step, ...] = (
    Step("checkout", _CHECKOUT, capabilities=("linux", "git"), criticality="high"),
    Step("build", _BUILD, ("checkout",), ("linux", "compiler"), priority=7),
    Step("test-shard-1", _tests(1), ("build",)),
    Step("test-shard-2", _tests(2), ("build",)),
    Step("integration", _INTEGRATION, ("build",), max_retries=2,
         note="flaky: fails once, then passes on its retry"),
    Step("index-symbols", _INDEX, ("checkout",), priority=3, criticality="low",
         note="saves a checkpoint per chunk, resumes from the last"),
    Step("package", _PACKAGE,
         ("test-shard-1", "test-shard-2", "integration", "index-symbols"),
         ("linux", "packaging"), priority=8),
)
"""The pipeline, in submission order (every step after the steps it needs)."""


def prepare(conn: psycopg.Connection, retry_delay: str = DEMO_RETRY_DELAY) -> str | None:
    """Register the demo workers and shorten ``retry_base_delay``; return its old value.

    Re-registering is an update, so running the demo twice keeps the same workers.
    """
    with translated():
        for hostname, capabilities in WORKERS:
            conn.execute(
                "select helix.register_worker(p_hostname => %s, p_ssh_config => %s, "
                "p_capabilities => %s::text[], p_max_concurrent_tasks => %s, "
                "p_display_name => %s)",
                (hostname, Jsonb({"transport": "local"}), list(capabilities), WORKER_SLOTS,
                 f"{hostname} (this machine)"),
            )
        row = conn.execute(
            "select value #>> '{}' from helix.settings where key = 'retry_base_delay'"
        ).fetchone()
        old = row[0] if row else None
        conn.execute("update helix.settings set value = to_jsonb(%s::text) "
                     "where key = 'retry_base_delay'", (retry_delay,))
    log.info("demo workers registered; retry_base_delay %s (was %s)", retry_delay, old)
    return old


def restore(conn: psycopg.Connection, old_retry_delay: str | None) -> None:
    """Put ``retry_base_delay`` back as :func:`prepare` found it."""
    if old_retry_delay is None:
        return
    with translated():
        conn.execute("update helix.settings set value = to_jsonb(%s::text) "
                     "where key = 'retry_base_delay'", (old_retry_delay,))


def submit_pipeline(conn: psycopg.Connection, demo_dir: Path, pause: float,
                    ids: dict[str, uuid.UUID] | None = None) -> dict[str, uuid.UUID]:
    """Submit every step of :data:`PIPELINE`; return the task id of each by name.

    ``ids``, when given, is filled as the steps are submitted (and returned), so that a
    caller interrupted half-way knows what to cancel.
    """
    ids = {} if ids is None else ids
    with translated():
        for step in PIPELINE:
            data = {"command": step.command.strip(),
                    "env": {"DEMO_DIR": str(demo_dir), "PAUSE": f"{pause:g}"},
                    "timeout": 300}
            row = conn.execute(
                "select helix.submit_task(p_task_type => 'shell', p_task_data => %s, "
                "p_priority => %s, p_criticality => %s, p_dependencies => %s::uuid[], "
                "p_max_retries => %s, p_required_capabilities => %s::text[])",
                (Jsonb(data), step.priority, step.criticality,
                 [ids[n] for n in step.needs], step.max_retries,
                 [DEMO_CAPABILITY, *step.capabilities]),
            ).fetchone()
            assert row is not None
            ids[step.name] = row[0]
            log.info("demo step %s submitted as task %s", step.name, row[0])
        # One more announcement, in case the runner was not yet listening for the first.
        conn.execute("select pg_notify('helix_task_ready', '')")
    return ids


def cancel_unfinished(conn: psycopg.Connection, ids: dict[str, uuid.UUID]) -> int:
    """Cancel the steps of an interrupted demo that have not finished; return how many.

    Left pending, they would run at the next ``helix runner`` long after the demo.
    """
    cancelled = 0
    for name, task_id in ids.items():
        try:
            with translated():
                row = conn.execute("select status from helix.distributed_tasks where id = %s",
                                   (task_id,)).fetchone()
                if row and row[0] not in FINISHED:
                    conn.execute("select helix.cancel_task(%s, 'the demo was interrupted')",
                                 (task_id,))
                    cancelled += 1
        except HelixError as exc:
            log.warning("demo step %s (task %s) not cancelled: %s", name, task_id, exc)
    return cancelled


@dataclasses.dataclass
class TaskState:
    """What the display shows of one step."""

    name: str
    id: uuid.UUID
    status: str
    worker: str | None
    attempt: int
    retry_count: int
    progress: float | None
    message: str | None
    error: str | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    checkpoints: int
    result: Any


def poll(conn: psycopg.Connection, ids: dict[str, uuid.UUID]
         ) -> tuple[list[TaskState], list[dict[str, Any]]]:
    """The steps' states, in pipeline order, and the demo workers' fleet rows."""
    by_id = {v: k for k, v in ids.items()}
    with translated():
        cur = conn.execute("""
            select t.id, t.status, w.hostname, t.attempt, t.retry_count, t.progress,
                   t.progress_message, t.error_message, t.started_at, t.completed_at,
                   t.result_data,
                   (select count(*) from helix.task_checkpoints c where c.task_id = t.id)
            from helix.distributed_tasks t
            left join helix.workers w on w.id = coalesce(t.assigned_worker_id,
                                                          t.original_worker_id)
            where t.id = any(%s)""", (list(ids.values()),))
        states = {
            r[0]: TaskState(by_id[r[0]], r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                            r[9], int(r[11]), r[10])
            for r in cur.fetchall()
        }
        fleet = conn.execute("""
            select hostname, status, health_status, tasks_held, max_concurrent_tasks,
                   capabilities, last_heartbeat
            from helix.worker_fleet where hostname = any(%s) order by hostname""",
                             ([w for w, _ in WORKERS],)).fetchall()
    workers = [dict(zip(("hostname", "status", "health", "held", "slots", "capabilities",
                         "last_heartbeat"), row, strict=True)) for row in fleet]
    return [states[ids[s.name]] for s in PIPELINE], workers


def _stop_with_parent() -> None:
    """In the child: ask Linux for SIGTERM when the demo dies, however it dies.

    The demo stops its runner itself on every way out it sees (:meth:`RunnerProcess.stop`);
    this covers the ones it cannot see, such as SIGKILL.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class RunnerProcess:
    """``helix runner`` as a child process, stopped (and waited for) by :meth:`stop`.

    The URL goes in the environment, not the command line, so that ``ps`` does not show
    the password. Output goes to ``log_path``.
    """

    def __init__(self, database_url: str, log_path: Path, name: str = "demo-runner") -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        """Start the runner; it registers, then takes the demo's tasks as they get ready."""
        env = {**os.environ, "HELIX_DATABASE_URL": self.database_url}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from helixcode.cli.main import main; main()", "runner",
             "--name", self.name, "--max-tasks", str(len(WORKERS) * WORKER_SLOTS),
             "--shutdown-grace", "5", "--log-level", "info",
             # A retry falls due after about a second: sweep (which announces it) as often.
             "--sweep-interval", "0.5"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=env,
            preexec_fn=_stop_with_parent,
        )
        log.info("demo runner started as pid %d, log %s", self.process.pid, self.log_path)

    def alive(self) -> bool:
        """Whether the runner process is still running."""
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        """The end of the runner's log, for an error message."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (a clean stop: running tasks finish or are released), then SIGKILL."""
        process = self.process
        if process is None:
            return None
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    log.warning("demo runner pid %d ignored SIGTERM for %.0fs; killing it",
                                process.pid, timeout)
                    process.kill()
                    process.wait(5)
            log.info("demo runner pid %d exited with %s", process.pid, process.returncode)
            return process.returncode
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None


def _wait(runner: RunnerProcess, timeout: float, what: str, done: Callable[[], bool]) -> None:
    """Poll ``done`` until it holds; refuse when the runner dies or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not runner.alive():
            raise DemoError(f"the demo runner exited before it {what}:\n{runner.log_tail()}",
                            f"its whole log is {runner.log_path}")
        with translated():
            if done():
                return
        time.sleep(0.05)
    raise DemoError(f"the demo runner has not {what} after {timeout:.0f}s",
                    f"see its log {runner.log_path}")


def wait_for_runner(conn: psycopg.Connection, runner: RunnerProcess, timeout: float = 30.0
                    ) -> None:
    """Wait until the runner has registered itself and listens for ready tasks.

    It LISTENs just after registering, and its log says when; a task announced before
    that would wait for the runner's timer instead.
    """
    pid = runner.process.pid if runner.process else None
    _wait(runner, timeout, "registered", lambda: conn.execute(
        "select exists (select from helix.runners where name = %s and pid = %s "
        "and status = 'running')", (runner.name, pid)).fetchone()[0])
    _wait(runner, timeout, "listened", lambda: "listening on" in runner.log_tail(40))


def wait_for_workers(conn: psycopg.Connection, runner: RunnerProcess, timeout: float = 30.0
                     ) -> None:
    """Wait until the runner has probed every demo worker and each is active.

    A worker silent since an earlier demo is swept offline when the runner starts, and
    takes tasks again at its first heartbeat; the pipeline starts after that.
    """
    pid = runner.process.pid if runner.process else None
    names = [w for w, _ in WORKERS]
    _wait(runner, timeout, "probed the demo workers", lambda: conn.execute(
        "select count(*) = %s from helix.workers w join helix.runners r "
        "on r.name = %s and r.pid = %s "
        "where w.hostname = any(%s) and w.status = 'active' "
        "and w.last_heartbeat >= r.started_at", (len(names), runner.name, pid, names)
    ).fetchone()[0])
