"""The runner daemon: waits on the database, runs tasks on workers, survives failures.

Threads, and why threads: paramiko and psycopg's blocking API are both thread-based, every
task spends its life waiting on a channel, and the runner's own work per task is a handful of
short SQL calls. A thread per task (bounded by ``--max-tasks``) keeps each task's story
straight-line code; the GIL is never the bottleneck.

``main`` (the caller of :meth:`Daemon.run`)
    registers the runner, then loops: when woken (a ``helix_task_ready`` notification, a
    finished task) or every :data:`ASSIGN_INTERVAL` seconds in case a notification was
    missed, calls ``assign_tasks(free slots, runner id, usable workers)`` and starts an
    :class:`~helixcode.executor.Execution` thread per assignment. On SIGTERM/SIGINT it stops
    taking work and drains (see :meth:`Daemon._drain`).
``listen``
    a connection that LISTENs on ``helix_task_ready`` and ``helix_task_control``; a control
    message stops the named task's process if this runner runs that attempt. Reconnects with
    a backoff, and wakes ``main`` after each reconnection (notifications were missed).
``lease``
    renews the runner's lease every third of ``runner_timeout``. Refused with HX003, the
    runner was declared lost: every task it runs is stopped (they were rescued) and it
    registers again.
``heartbeat``
    every ``heartbeat_interval``: probes each worker over its reused connection, calls
    ``heartbeat`` for those that answered (no answer, no heartbeat: the database's timeout
    does the rest), and looks for orphaned task processes on them (see :meth:`_reap`).
``sweep``
    tries for a session-level advisory lock on a connection of its own; the holder is the
    leader and calls ``sweep()`` every ``sweep_interval``. When the leader dies its
    session ends, the lock is free, and another runner's sweep thread takes it.

Each thread has its own database connection (:class:`~helixcode.api.Api`), so a slow call of
one never delays another (the lease above all). Every loop survives the database going away:
calls fail fast, the loop waits with a backoff and tries again; executions keep their
reports and retry them (see :mod:`helixcode.executor`).
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg

from . import __version__, logs
from .api import Api, Assignment, Timings, Worker
from .database import redact
from .errors import DatabaseUnavailable, HelixError, InvalidTransition, NotFound
from .executor import Execution, StopReason, fenced_kill_command
from .tasktypes import TaskType, load_task_types
from .transport import (
    AuthenticationFailed,
    CommandSpec,
    HostKeyError,
    InvalidWorkerConfig,
    Transport,
    TransportError,
    TransportPool,
    WorkerUnreachable,
)

log = logging.getLogger(__name__)

ASSIGN_INTERVAL = 5.0
"""Seconds between assignment rounds when no notification arrives."""

LEADER_LOCK_KEY = 7522537952840017010
"""Advisory lock key ("helixldr") that makes one runner the sweep leader."""

REAP_INTERVAL = 5.0
"""Seconds between orphan scans of one worker."""

RELEASE_WAIT = 15.0
"""Seconds a draining runner gives stopped tasks to release themselves."""

MAX_BACKOFF = 5.0

PROC_SCAN = (
    "for f in $(grep -lzs '^HELIX_TASK_ID=' /proc/[0-9]*/environ 2>/dev/null); do "
    "d=${f%/environ}; e=$(tr '\\0' '\\n' < $f 2>/dev/null) || continue; "
    "t=$(printf '%s\\n' \"$e\" | sed -n 's/^HELIX_TASK_ID=//p' | head -n 1); "
    "a=$(printf '%s\\n' \"$e\" | sed -n 's/^HELIX_ATTEMPT=//p' | head -n 1); "
    "g=$(sed 's/.*) //' $d/stat 2>/dev/null | cut -d' ' -f3); "
    "[ -n \"$t\" ] && [ -n \"$g\" ] && echo \"@@helix-proc $g $t $a\"; done; true"
)
"""Lists ``@@helix-proc PGID TASK ATTEMPT`` for every process of the user that runs a task."""


@dataclass(frozen=True)
class RunnerOptions:
    """How a runner is configured (see ``helix runner --help``)."""

    database_url: str
    known_hosts: str
    max_tasks: int = 16
    shutdown_grace: float = 30.0
    name: str | None = None
    sweep_interval: float | None = None
    """None: a quarter of heartbeat_timeout, between 0.5 and 5 seconds."""
    assign_interval: float = ASSIGN_INTERVAL


class Backoff:
    """Doubling waits, from ``first`` up to ``cap`` seconds, reset on success."""

    def __init__(self, first: float = 0.2, cap: float = MAX_BACKOFF) -> None:
        self.first, self.cap, self.delay = first, cap, first

    def next(self) -> float:
        """The wait to use now; the next one doubles."""
        delay, self.delay = self.delay, min(self.delay * 2, self.cap)
        return delay

    def reset(self) -> None:
        """Back to the first wait."""
        self.delay = self.first


class Daemon:
    """One runner process; :meth:`run` blocks until it has stopped cleanly."""

    def __init__(self, options: RunnerOptions) -> None:
        if options.max_tasks < 1:
            raise ValueError(f"max_tasks {options.max_tasks} must be at least 1")
        self.options = options
        self.hostname = socket.gethostname()
        self.name = options.name or f"{self.hostname}:{os.getpid()}"
        self.task_types: dict[str, TaskType] = load_task_types()
        self.pool = TransportPool(
            options.known_hosts, connect_timeout=5.0, reconnect_delay=0.5,
            reconnect_max_delay=10.0, keepalive_interval=5.0,
        )
        url = options.database_url
        self.control = Api(url, "control")
        self.reports = Api(url, "reports")
        self.beats = Api(url, "heartbeat")
        self.leader = Api(url, "sweep")
        self.lease_api = Api(url, "lease")
        self.runner_id: uuid.UUID | None = None
        self.timings = Timings(10.0, 30.0, 30.0)
        self.stopping = threading.Event()
        """Set on SIGTERM: no new work; running tasks may still finish."""
        self.done = threading.Event()
        """Set at the very end: every background loop returns."""
        self.given_up = threading.Event()
        """Set when the drain is over: reports stop retrying."""
        self.wake = threading.Event()
        self._lock = threading.Lock()
        self._executions: dict[uuid.UUID, Execution] = {}
        self._workers: dict[uuid.UUID, Worker] = {}
        self._unusable: dict[uuid.UUID, str] = {}
        self._last_reap: dict[uuid.UUID, float] = {}
        self._registered = threading.Event()
        self._threads: list[threading.Thread] = []

    # Bookkeeping shared with the executions.

    def execution_done(self, execution: Execution) -> None:
        """An execution ended: forget it and look for more work."""
        with self._lock:
            if self._executions.get(execution.task_id) is execution:
                del self._executions[execution.task_id]
        self.wake.set()

    def worker_unusable(self, worker_id: uuid.UUID, name: str, error: Exception) -> None:
        """Keep assignments off a worker until its next successful probe."""
        with self._lock:
            first = worker_id not in self._unusable
            self._unusable[worker_id] = str(error)
        if first:
            level = logging.ERROR if isinstance(error, HostKeyError) else logging.WARNING
            log.log(level, "worker %s: no tasks go to it until it answers a probe: %s", name,
                    error, extra={"event": "worker_unusable", "worker": name})

    def active_executions(self) -> list[Execution]:
        """Executions holding a slot (parked ones, whose worker is lost, hold none)."""
        with self._lock:
            return [e for e in self._executions.values() if not e.parked]

    # Lifecycle.

    def request_stop(self, signum: int | None = None, _frame: Any = None) -> None:
        """Stop taking work and drain (signal handler)."""
        if signum is not None:
            log.info("runner %s: received %s, stopping", self.name,
                     signal.Signals(signum).name)
        self.stopping.set()
        self.wake.set()

    def run(self) -> int:
        """Register, serve until asked to stop, drain, and return the exit code 0."""
        log.info("runner %s starting: database %s, known_hosts %s, max %d tasks", self.name,
                 redact(self.options.database_url), self.options.known_hosts,
                 self.options.max_tasks)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.request_stop)
            signal.signal(signal.SIGINT, self.request_stop)
        if not self._register_with_retry():
            return 0
        for name, target in (("listen", self._listen_loop), ("lease", self._lease_loop),
                             ("heartbeat", self._heartbeat_loop), ("sweep", self._sweep_loop)):
            thread = threading.Thread(target=target, name=f"helix-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        try:
            self._assign_loop()
        finally:
            self._drain()
            self._shutdown()
        return 0

    def _register(self) -> None:
        timings = self.control.timings()
        runner_id = self.control.register_runner(self.name, self.hostname, os.getpid(),
                                                 __version__)
        self.timings, self.runner_id = timings, runner_id
        self._registered.set()
        log.info("runner %s registered as %s (heartbeat every %.1fs, lease %.1fs)", self.name,
                 runner_id, timings.heartbeat_interval, timings.runner_timeout,
                 extra={"event": "runner_registered", "runner_id": str(runner_id)})

    def _register_with_retry(self) -> bool:
        backoff = Backoff(cap=10.0)
        while not self.stopping.is_set():
            try:
                self._register()
                return True
            except DatabaseUnavailable as exc:
                delay = backoff.next()
                log.warning("runner %s: cannot register yet (%s); retrying in %.1fs",
                            self.name, exc.message, delay)
                self.stopping.wait(delay)
        return False

    # main: assignment.

    def _usable_worker_ids(self) -> list[uuid.UUID] | None:
        """Workers assign_tasks may use for us: None for all, when none is known bad."""
        with self._lock:
            if not self._unusable:
                return None
            return [w for w in self._workers if w not in self._unusable]

    def _assign_loop(self) -> None:
        backoff = Backoff()
        while not self.stopping.is_set():
            self.wake.wait(self.options.assign_interval)
            self.wake.clear()
            if self.stopping.is_set():
                return
            free = self.options.max_tasks - len(self.active_executions())
            if free <= 0 or self.runner_id is None:
                continue
            worker_ids = self._usable_worker_ids()
            if worker_ids is not None and not worker_ids:
                continue
            try:
                assignments = self.control.assign_tasks(free, self.runner_id, worker_ids)
                backoff.reset()
            except DatabaseUnavailable as exc:
                delay = backoff.next()
                log.warning("assign_tasks: database unavailable (%s); retrying in %.1fs",
                            exc.message, delay)
                self.stopping.wait(delay)
                self.wake.set()
                continue
            except InvalidTransition as exc:
                # Declared lost between two renewals: the lease thread re-registers.
                log.warning("assign_tasks refused: %s", exc)
                self.stopping.wait(0.5)
                continue
            except HelixError as exc:
                log.error("assign_tasks refused: %s", exc)
                self.stopping.wait(backoff.next())
                continue
            for assignment in assignments:
                self._start_execution(assignment)
            if len(assignments) == free:
                self.wake.set()  # there may be more

    def _worker(self, worker_id: uuid.UUID) -> Worker | None:
        with self._lock:
            worker = self._workers.get(worker_id)
        if worker is None:
            self._refresh_workers(self.control)
            with self._lock:
                worker = self._workers.get(worker_id)
        return worker

    def _start_execution(self, assignment: Assignment) -> None:
        transport: Transport | None = None
        error: Exception | None = None
        worker_name = str(assignment.worker_id)
        try:
            worker = self._worker(assignment.worker_id)
            if worker is None:
                raise TransportError(f"worker {assignment.worker_id} is not in helix.workers")
            worker_name = worker.hostname
            transport = self.pool.get(worker.hostname, worker.ssh_config)
        except (TransportError, DatabaseUnavailable) as exc:
            error = exc
        execution = Execution(self, assignment, worker_name, transport,
                              self.task_types.get(assignment.task_type), error)
        with self._lock:
            self._executions[assignment.task_id] = execution
        logs.state(log, "task_assigned", assignment.task_id, assignment.attempt, worker_name,
                   f"assigned ({assignment.task_type})")
        threading.Thread(target=execution.run, name=f"helix-task-{assignment.task_id}",
                         daemon=True).start()

    # listen: notifications.

    def _listen_loop(self) -> None:
        backoff = Backoff()
        while not self.done.is_set():
            try:
                with psycopg.connect(self.options.database_url, autocommit=True,
                                     application_name="helix-runner:listen",
                                     connect_timeout=5) as conn:
                    conn.execute("listen helix_task_ready")
                    conn.execute("listen helix_task_control")
                    log.info("listening on helix_task_ready and helix_task_control")
                    backoff.reset()
                    self.wake.set()  # whatever was announced while we were away
                    while not self.done.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.channel == "helix_task_control":
                                self._control(note.payload)
                            else:
                                self.wake.set()
            except psycopg.Error as exc:
                delay = backoff.next()
                log.warning("notification connection lost (%s); reconnecting in %.1fs",
                            str(exc).strip() or type(exc).__name__, delay)
                self.done.wait(delay)

    def _control(self, payload: str) -> None:
        """Stop the process of a task this runner runs, if the message names its attempt."""
        try:
            message = json.loads(payload)
            task_id = uuid.UUID(str(message["task_id"]))
            attempt = int(message["attempt"])
            action = StopReason(str(message["action"]))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring malformed helix_task_control payload %r: %s",
                        payload[:200], exc)
            return
        with self._lock:
            execution = self._executions.get(task_id)
        if execution is None or execution.attempt != attempt:
            return
        logs.state(log, f"task_{action.value}_requested", task_id, attempt,
                   execution.worker_name, f"{action.value} requested; stopping its process")
        execution.stop(action)

    # lease.

    def _lease_loop(self) -> None:
        backoff = Backoff()
        while not self.done.is_set():
            period = max(0.2, min(10.0, self.timings.runner_timeout / 3))
            runner_id = self.runner_id
            try:
                if runner_id is not None:
                    self.lease_api.renew_runner_lease(runner_id, self.stopping.is_set())
                backoff.reset()
            except DatabaseUnavailable as exc:
                period = min(period, backoff.next())
                log.warning("lease renewal: database unavailable (%s)", exc.message)
            except (InvalidTransition, NotFound) as exc:
                if self.done.is_set() or self.given_up.is_set():
                    return
                self._runner_lost(exc)
                period = 0
            except HelixError as exc:
                log.error("lease renewal refused: %s", exc)
            self.done.wait(period)

    def _runner_lost(self, exc: HelixError) -> None:
        """Declared lost: our tasks were rescued; stop their processes, register anew."""
        log.error("runner %s (%s) was declared lost: %s; stopping every task it runs and "
                  "registering again", self.name, self.runner_id, exc,
                  extra={"event": "runner_lost", "runner_id": str(self.runner_id)})
        with self._lock:
            executions = list(self._executions.values())
        for execution in executions:
            execution.stop(StopReason.RUNNER_LOST)
        self.runner_id = None
        while not self.done.is_set():
            try:
                self._register()
                self.wake.set()
                return
            except DatabaseUnavailable:
                self.done.wait(1.0)

    # heartbeat.

    def _refresh_workers(self, api: Api) -> list[Worker]:
        workers = api.workers()
        with self._lock:
            self._workers = {w.id: w for w in workers}
        return workers

    def _heartbeat_loop(self) -> None:
        """Start a probe per worker every heartbeat_interval, never two at once for one.

        Probes run in a pool, so a worker that answers slowly delays only its own heartbeat.
        """
        backoff = Backoff()
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=32,
                                                     thread_name_prefix="helix-probe")
        in_flight: dict[uuid.UUID, concurrent.futures.Future[None]] = {}
        try:
            while not self.done.is_set():
                started = time.monotonic()
                try:
                    self.timings = self.beats.timings()
                    workers = self._refresh_workers(self.beats)
                    backoff.reset()
                except DatabaseUnavailable as exc:
                    log.warning("heartbeats: database unavailable (%s)", exc.message)
                    self.done.wait(backoff.next())
                    continue
                for worker in workers:
                    running = in_flight.get(worker.id)
                    if running is None or running.done():
                        in_flight[worker.id] = pool.submit(self._beat, worker)
                elapsed = time.monotonic() - started
                self.done.wait(max(0.05, self.timings.heartbeat_interval - elapsed))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _beat(self, worker: Worker) -> None:
        """Probe one worker; a heartbeat only when it answered.

        Only a failure to reach the worker (connection, host key, authentication, bad
        ssh_config) keeps tasks off it; a slow or failing probe just sends no heartbeat.
        """
        try:
            transport = self.pool.get(worker.hostname, worker.ssh_config)
            timeout = max(2.0, self.timings.heartbeat_timeout)
            metrics = transport.probe(timeout=timeout)
        except (WorkerUnreachable, HostKeyError, AuthenticationFailed,
                InvalidWorkerConfig) as exc:
            self.worker_unusable(worker.id, worker.hostname, exc)
            return
        except (TransportError, ValueError) as exc:
            log.warning("worker %s: probe failed, no heartbeat sent: %s", worker.hostname, exc)
            return
        with self._lock:
            came_back = self._unusable.pop(worker.id, None) is not None
        if came_back:
            log.info("worker %s answers again; it takes tasks again", worker.hostname,
                     extra={"event": "worker_usable", "worker": worker.hostname})
        try:
            health = self.beats.heartbeat(worker.id, metrics)
        except DatabaseUnavailable as exc:
            log.warning("worker %s: heartbeat not recorded: %s", worker.hostname, exc.message)
            return
        except HelixError as exc:
            log.error("worker %s: heartbeat refused: %s", worker.hostname, exc)
            return
        finally:
            if came_back:
                # After the heartbeat, which may have made the worker active again in the
                # database: an assignment woken before it would find nothing to give it.
                self.wake.set()
        log.debug("worker %s: heartbeat recorded, health %s", worker.hostname, health)
        if time.monotonic() - self._last_reap.get(worker.id, 0.0) >= REAP_INTERVAL:
            self._last_reap[worker.id] = time.monotonic()
            self._reap(worker, transport)

    def _reap(self, worker: Worker, transport: Transport) -> None:
        """Kill task processes on the worker whose attempt the database no longer holds.

        Catches what no execution can: the processes of a runner that was killed, or of an
        attempt rescued while its worker was unreachable. Tasks unknown to this database are
        never touched, nor any attempt this runner is running now.
        """
        lines: list[str] = []
        try:
            transport.run(CommandSpec(PROC_SCAN, timeout=10.0), on_stdout=lines.append).wait()
        except TransportError as exc:
            log.debug("worker %s: orphan scan failed: %s", worker.hostname, exc)
            return
        found: dict[tuple[uuid.UUID, int], int] = {}
        for line in lines:
            parts = line.split()
            if len(parts) != 4 or parts[0] != "@@helix-proc":
                continue
            try:
                found[(uuid.UUID(parts[2]), int(parts[3]))] = int(parts[1])
            except ValueError:
                continue
        if not found:
            return
        with self._lock:
            ours = {(e.task_id, e.attempt) for e in self._executions.values()}
        try:
            held = self.beats.held_attempts({task for task, _ in found})
        except DatabaseUnavailable:
            return
        for (task_id, attempt), pgid in found.items():
            if (task_id, attempt) in ours or task_id not in held or held[task_id] == attempt:
                continue
            if pgid <= 1:
                continue
            logs.state(log, "task_orphan_killed", task_id, attempt, worker.hostname,
                       f"process group {pgid} belongs to no live attempt; killing it",
                       logging.WARNING)
            try:
                transport.run(CommandSpec(fenced_kill_command(pgid, str(task_id), attempt),
                                          timeout=10.0)).wait()
            except TransportError as exc:
                log.warning("worker %s: killing orphan group %d failed: %s", worker.hostname,
                            pgid, exc)

    # sweep.

    def _sweep_interval(self) -> float:
        if self.options.sweep_interval is not None:
            return self.options.sweep_interval
        return max(0.5, min(5.0, self.timings.heartbeat_timeout / 4))

    def _sweep_loop(self) -> None:
        leader = False
        backoff = Backoff()
        while not self.done.is_set():
            try:
                if not leader:
                    leader = self.leader.try_advisory_lock(LEADER_LOCK_KEY)
                    if leader:
                        log.info("runner %s is the sweep leader", self.name,
                                 extra={"event": "sweep_leader"})
                if leader:
                    changed = self.leader.sweep()
                    if changed:
                        log.info("sweep changed %d object(s)", changed,
                                 extra={"event": "sweep", "changed": changed})
                backoff.reset()
                wait = self._sweep_interval()
            except DatabaseUnavailable as exc:
                if leader:
                    log.warning("sweep leadership lost with the connection: %s", exc.message)
                leader = False
                wait = backoff.next()
            except HelixError as exc:
                log.error("sweep refused: %s", exc)
                wait = self._sweep_interval()
            self.done.wait(wait)

    # Shutdown.

    def _drain(self) -> None:
        """Let running tasks finish for shutdown_grace, then stop and release the rest."""
        self.stopping.set()
        deadline = time.monotonic() + self.options.shutdown_grace
        running = self.active_executions()
        if running:
            log.info("runner %s stopping: %d task(s) running; waiting up to %.0fs for them",
                     self.name, len(running), self.options.shutdown_grace,
                     extra={"event": "runner_draining"})
        while running and time.monotonic() < deadline:
            running[0].finished.wait(min(0.2, max(0.0, deadline - time.monotonic())))
            running = self.active_executions()
        for execution in running:
            execution.stop(StopReason.SHUTDOWN)
        release_deadline = time.monotonic() + RELEASE_WAIT
        for execution in running:
            execution.finished.wait(max(0.0, release_deadline - time.monotonic()))
        self.given_up.set()

    def _shutdown(self) -> None:
        runner_id = self.runner_id
        if runner_id is not None:
            for _ in range(5):
                try:
                    self.control.stop_runner(runner_id)
                    log.info("runner %s (%s) stopped", self.name, runner_id,
                             extra={"event": "runner_stopped", "runner_id": str(runner_id)})
                    break
                except DatabaseUnavailable as exc:
                    log.warning("stop_runner: %s; retrying", exc.message)
                    time.sleep(1.0)
                except HelixError as exc:
                    log.error("stop_runner refused: %s", exc)
                    break
        self.done.set()
        for thread in self._threads:
            thread.join(timeout=5.0)
        self.pool.close()
        for api in (self.control, self.reports, self.beats, self.leader, self.lease_api):
            api.close()
