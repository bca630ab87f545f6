"""Running one assignment: the command on its worker, and every report about it.

An :class:`Execution` lives in a thread of its own, from the assignment to the last report:

1. it builds the command with the task's type (bad ``task_data`` fails the task at once,
   without a retry);
2. reports ``start_task`` with the attempt it holds, then starts the command in a channel of
   the worker's reused connection;
3. turns the command's protocol lines into ``save_checkpoint`` and ``report_progress`` calls
   as they arrive;
4. reports ``complete_task`` or ``fail_task`` when the command ends.

Every report carries the attempt (the fencing token). A report refused with HX004 (stale
attempt) or HX003 (the task was cancelled, paused or rescued meanwhile) means the task moved
on without us: the process group on the worker is stopped and the execution ends silently.
A report that cannot reach the database is retried with a backoff until it gets through or
the daemon gives up for good, so a database restart loses nothing.

When the connection to the worker is lost mid-run, the outcome is unknown. The execution does
not guess: it *parks*, leaving the task to the database (which preserves it when the worker
misses its heartbeats), and watches for one of two things: the task moving on in the
database (then it forgets the task), or the worker answering again (then it stops the old
process group, fenced by task id and attempt, and releases the task, which runs again from
its last checkpoint).
"""

from __future__ import annotations

import enum
import logging
import shlex
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from . import logs
from .api import Api, Assignment
from .errors import DatabaseUnavailable, InvalidTransition, RefusedByDatabase, StaleAttempt
from .protocol import Checkpoint, Output, Progress, Result, parse_line
from .tasktypes import InvalidTaskData, RunResult, TaskType
from .transport import (
    CommandSpec,
    CommandTimeout,
    RemoteProcess,
    Transport,
    TransportError,
    WorkerUnreachable,
)

if TYPE_CHECKING:
    from .daemon import Daemon

log = logging.getLogger(__name__)

T = TypeVar("T")

STOP_GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL when a task's process group is stopped."""

PARK_POLL = 1.0
"""Seconds between the checks of a parked execution."""

FENCED_KILL_TIMEOUT = 10.0


class StopReason(enum.Enum):
    """Why the runner stops a task's process before it ends by itself."""

    CANCEL = "cancel"
    PAUSE = "pause"
    STALE = "stale"
    SHUTDOWN = "shutdown"
    RUNNER_LOST = "runner_lost"


class MovedOn(Exception):
    """The database refused a report: the task is no longer ours at this attempt."""


def fenced_kill_command(pgid: int, task_id: str, attempt: int) -> str:
    """Shell command that SIGKILLs process group ``pgid`` only if it still runs this attempt.

    The group id may have been reused since the connection was lost (a worker reboots, a pid
    wraps around), so the group is killed only when one of its processes still carries
    ``HELIX_TASK_ID`` and ``HELIX_ATTEMPT`` of the attempt in its environment.
    """
    task_line = shlex.quote(f"HELIX_TASK_ID={task_id}")
    attempt_line = shlex.quote(f"HELIX_ATTEMPT={attempt}")
    return (
        f"for p in $(pgrep -g {int(pgid)} 2>/dev/null); do "
        f"e=$(tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null) || continue; "
        f"if printf '%s\\n' \"$e\" | grep -qx {task_line} && "
        f"printf '%s\\n' \"$e\" | grep -qx {attempt_line}; then "
        f"kill -s KILL -- -{int(pgid)}; echo killed; exit 0; fi; done; echo none"
    )


class Execution:
    """One attempt of one task on one worker, run by :meth:`run` in its own thread."""

    def __init__(
        self,
        daemon: Daemon,
        assignment: Assignment,
        worker_name: str,
        transport: Transport | None,
        task_type: TaskType | None,
        transport_error: Exception | None = None,
    ) -> None:
        self.daemon = daemon
        self.assignment = assignment
        self.task_id: uuid.UUID = assignment.task_id
        self.attempt: int = assignment.attempt
        self.worker_name = worker_name
        self.transport = transport
        self.task_type = task_type
        self.transport_error = transport_error
        self.process: RemoteProcess | None = None
        self.parked = False
        self.finished = threading.Event()
        self._stop_reason: StopReason | None = None
        self._stop_requested = threading.Event()
        self._reported_result: Any = None
        self._started = time.monotonic()

    @property
    def api(self) -> Api:
        """The connection reports go through."""
        return self.daemon.reports

    def _state(self, event: str, detail: str = "", level: int = logging.INFO,
               **fields: Any) -> None:
        logs.state(log, event, self.task_id, self.attempt, self.worker_name, detail, level,
                   **fields)

    # Asking to stop.

    def stop(self, reason: StopReason) -> None:
        """Ask the execution to stop its process for ``reason``; returns at once."""
        if self._stop_reason is None:
            self._stop_reason = reason
        self._stop_requested.set()

    @property
    def stop_reason(self) -> StopReason | None:
        """Why the execution was asked to stop, if it was."""
        return self._stop_reason

    # Reports, retried while the database is away.

    def _report(self, what: str, call: Callable[[], T], retry: bool = True) -> T:
        """Make one report; retry on a lost database; turn a refusal into MovedOn.

        HX004 means a newer attempt exists; HX003 means the task is no longer assigned or
        running (cancelled, paused, preserved, rescued). Either way it is not ours any more.
        """
        delay = 0.2
        while True:
            try:
                return call()
            except (StaleAttempt, InvalidTransition) as exc:
                raise MovedOn(f"{what} refused [{exc.sqlstate}]: {exc.message}") from exc
            except DatabaseUnavailable as exc:
                if not retry or self.daemon.given_up.is_set():
                    raise
                self._state("report_retry", f"{what} waits for the database ({exc.message}); "
                            f"retrying in {delay:.1f}s", logging.WARNING)
                self.daemon.given_up.wait(delay)
                delay = min(delay * 2, 5.0)

    # The thread body.

    def run(self) -> None:
        """Run the task to its end and report it; never raises."""
        try:
            self._run()
        except MovedOn as exc:
            self._state("task_moved_on", f"no longer ours: {exc}")
            self._stop_process()
        except DatabaseUnavailable as exc:
            self._state("task_abandoned", f"database unreachable and the runner gave up: "
                        f"{exc.message}", logging.ERROR)
            self._stop_process()
        except Exception:
            log.exception("task %s attempt %s on worker %s: execution failed unexpectedly",
                          self.task_id, self.attempt, self.worker_name)
            self._stop_process()
        finally:
            self.finished.set()
            self.daemon.execution_done(self)

    def _run(self) -> None:
        a = self.assignment
        if self.task_type is None:
            self._fail(f"no task type {a.task_type!r} is installed on this runner "
                       f"(known: {', '.join(sorted(self.daemon.task_types))})", retryable=False)
            return
        try:
            spec = self.task_type.command(a.task_data, str(a.task_id), a.attempt,
                                          a.checkpoint_data)
        except InvalidTaskData as exc:
            self._fail(f"invalid task_data: {exc}", retryable=False)
            return
        if self.transport is None:
            self._cannot_start(self.transport_error or TransportError("no transport"))
            return
        self._report("start_task", lambda: self.api.start_task(a.task_id, a.attempt))
        self._state("task_running", "running" + (
            " from checkpoint" if a.checkpoint_data is not None else ""))
        if self._stop_requested.is_set():
            self._stopped_before_start()
            return
        try:
            self.process = self.transport.run(spec, on_stdout=self._on_stdout)
        except TransportError as exc:
            self._cannot_start(exc)
            return
        self._watch(spec)

    def _watch(self, spec: CommandSpec) -> None:
        """Wait for the process, stopping it when asked; then report how it ended."""
        assert self.process is not None
        process = self.process
        timed_out = False
        while True:
            try:
                exit_code: int | None = process.wait(timeout=0.2)
                break
            except TimeoutError:
                if self._stop_requested.is_set():
                    self._stop_process()
            except CommandTimeout:
                exit_code, timed_out = process.poll(), True
                break
            except WorkerUnreachable as exc:
                self._park(exc)
                return
        if self._stop_reason is not None and process.terminated:
            self._after_stop(exit_code)
            return
        # A command that ended by itself is reported as it ended, even if a stop was asked
        # meanwhile: a task that finished during a shutdown must not run again, and a report
        # on a task that moved on is refused (and ignored) anyway.
        run = RunResult(
            exit_code=exit_code,
            stdout_tail=process.stdout_tail,
            stderr_tail=process.stderr_tail,
            duration_seconds=time.monotonic() - self._started,
            timed_out=timed_out,
            reported_result=self._reported_result,
        )
        assert self.task_type is not None
        outcome = self.task_type.outcome(self.assignment.task_data, run)
        if outcome.succeeded:
            self._report("complete_task", lambda: self.api.complete_task(
                self.task_id, self.attempt, outcome.result))
            self._state("task_completed", f"completed (exit code {exit_code}) in "
                        f"{run.duration_seconds:.2f}s", exit_code=exit_code)
        else:
            self._fail(outcome.error or "failed", outcome.retryable, outcome.result,
                       exit_code=exit_code)

    def _fail(self, error: str, retryable: bool, result: Any = None, **fields: Any) -> None:
        status = self._report("fail_task", lambda: self.api.fail_task(
            self.task_id, self.attempt, error, retryable, result))
        self._state("task_failed", f"failed ({error}); now {status}", logging.WARNING,
                    retryable=retryable, new_status=status, **fields)

    def _stopped_before_start(self) -> None:
        reason = self._stop_reason
        if reason is StopReason.SHUTDOWN:
            self._release("runner stopping before the command started")
        else:
            self._state("task_stopped", f"not started: {reason.value if reason else '?'}")

    def _after_stop(self, exit_code: int | None) -> None:
        """Report what a stop means: a release on shutdown, nothing when the task moved on."""
        reason = self._stop_reason
        assert reason is not None
        if reason is StopReason.SHUTDOWN:
            self._release(f"runner stopping; process stopped (exit code {exit_code})")
        else:
            self._state(f"task_{reason.value}", f"process group stopped ({reason.value}, "
                        f"exit code {exit_code})")

    def _release(self, why: str) -> None:
        try:
            self._report("release_task", lambda: self.api.release_task(
                self.task_id, self.attempt))
        except MovedOn as exc:
            self._state("task_moved_on", f"release refused, no longer ours: {exc}")
            return
        self._state("task_released", f"released: {why}")

    def _cannot_start(self, exc: Exception) -> None:
        """The worker could not run the command: hand the task back, keep off the worker."""
        self.daemon.worker_unusable(self.assignment.worker_id, self.worker_name, exc)
        self._state("task_not_started", f"cannot run on this worker: {exc}", logging.ERROR,
                    error=str(exc))
        self._release("the worker could not be used")

    # Stopping the process.

    def _stop_process(self) -> None:
        """Stop the task's process group (SIGTERM, then SIGKILL), if it still runs."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate(grace=STOP_GRACE)

    # Output.

    def _on_stdout(self, line: str) -> None:
        """Protocol lines become reports as they arrive; other lines are only kept."""
        message = parse_line(line)
        if isinstance(message, Output):
            if message.warning:
                self._state("protocol_warning", message.warning, logging.WARNING)
            return
        if self._stop_requested.is_set():
            return
        try:
            if isinstance(message, Checkpoint):
                self._report("save_checkpoint", lambda: self.api.save_checkpoint(
                    self.task_id, self.attempt, message.name, message.data))
                self._state("task_checkpoint", f"checkpoint {message.name} saved",
                            logging.DEBUG, checkpoint=message.name)
            elif isinstance(message, Progress):
                self._report("report_progress", lambda: self.api.report_progress(
                    self.task_id, self.attempt, message.fraction, message.message),
                    retry=False)
            elif isinstance(message, Result):
                self._reported_result = message.data
        except MovedOn as exc:
            self._state("task_moved_on", f"no longer ours: {exc}")
            self.stop(StopReason.STALE)
        except DatabaseUnavailable as exc:
            # Only progress gets here (checkpoints retry): it is advisory, the next one will do.
            log.debug("task %s: progress not recorded: %s", self.task_id, exc)
        except RefusedByDatabase as exc:
            self._state("report_refused", f"report refused [{exc.sqlstate}]: {exc}",
                        logging.WARNING)

    # Lost contact with the worker.

    def _park(self, exc: WorkerUnreachable) -> None:
        """Wait for the worker to answer again or for the task to move on (see module doc)."""
        self.parked = True
        self.daemon.worker_unusable(self.assignment.worker_id, self.worker_name, exc)
        self._state("task_worker_lost", f"lost contact with the worker ({exc}); leaving the "
                    "task to the database until the worker answers", logging.WARNING)
        pgid = self.process.pgid if self.process is not None else None
        while not self.daemon.stopping.is_set():
            try:
                held = self.daemon.reports.held_attempts([self.task_id]).get(self.task_id)
            except DatabaseUnavailable:
                held = self.attempt
            if held != self.attempt:
                self._state("task_moved_on", "the database moved the task on while its "
                            "worker was unreachable")
                return
            if self._try_fenced_kill(pgid):
                self._release("the worker answered again after a lost connection; the "
                              "process group was stopped")
                return
            self.daemon.stopping.wait(PARK_POLL)

    def _try_fenced_kill(self, pgid: int | None) -> bool:
        """Stop the lost process group if the worker answers; return whether it answered."""
        assert self.transport is not None
        if pgid is None:
            command = "true"
        else:
            command = fenced_kill_command(pgid, str(self.task_id), self.attempt)
        try:
            process = self.transport.run(CommandSpec(command, timeout=FENCED_KILL_TIMEOUT))
            process.wait()
        except TransportError:
            return False
        return True
