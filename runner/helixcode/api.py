"""The runner's typed face of the SQL API: one method per function it calls.

Each :class:`Api` owns one connection, opened on first use and reopened after it breaks, and
serialises the calls made on it from several threads with a lock (every call is one short
autocommit statement). A call on a connection that is down raises
:class:`~helixcode.errors.DatabaseUnavailable` at once; retrying with a backoff is the
caller's business, since only the caller knows whether the call is still worth making. A
refusal by a function comes out as the :class:`~helixcode.errors.RefusedByDatabase` subclass
of its SQLSTATE (:mod:`helixcode.errors` is the one place that maps them).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from .database import connect, redact
from .errors import DatabaseUnavailable, HelixError, translated

log = logging.getLogger(__name__)

# States of a broken session rather than of a refused call: the connection must be dropped.
_CONNECTION_SQLSTATE_CLASSES = ("08", "57")


@dataclass(frozen=True)
class Assignment:
    """One row of ``helix.assign_tasks``: a task handed to this runner for one worker."""

    task_id: uuid.UUID
    worker_id: uuid.UUID
    task_type: str
    task_data: dict[str, Any]
    checkpoint_data: Any
    attempt: int


@dataclass(frozen=True)
class Worker:
    """What the runner needs to know of a worker to reach and probe it."""

    id: uuid.UUID
    hostname: str
    ssh_config: dict[str, Any]
    status: str
    health_status: str


@dataclass(frozen=True)
class Timings:
    """The settings that pace the runner, in seconds (read from ``helix.settings``)."""

    heartbeat_interval: float
    heartbeat_timeout: float
    runner_timeout: float


class Api:
    """The SQL functions the runner calls, over one self-healing connection.

    ``purpose`` names the connection in ``application_name`` and in log lines.
    """

    def __init__(self, url: str, purpose: str, connect_timeout: int = 5) -> None:
        self.url = url
        self.purpose = purpose
        self.connect_timeout = connect_timeout
        self._lock = threading.RLock()
        self._conn: psycopg.Connection | None = None

    # The connection.

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = connect(
                self.url,
                application_name=f"helix-runner:{self.purpose}",
                connect_timeout=self.connect_timeout,
            )
            log.info("database connection %s opened to %s", self.purpose, redact(self.url))
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error as exc:
                log.warning("closing broken connection %s failed: %s", self.purpose, exc)

    def close(self) -> None:
        """Close the connection (a later call opens a new one)."""
        with self._lock:
            self._drop()

    def rows(self, query: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows; the boundary for every call below."""
        with self._lock:
            try:
                with translated():
                    cursor = self._connection().execute(query, params)
                    return cursor.fetchall() if cursor.description else []
            except DatabaseUnavailable:
                self._drop()
                raise
            except HelixError as exc:
                conn = self._conn
                broken = conn is None or conn.closed or conn.broken
                if broken or (exc.sqlstate or "")[:2] in _CONNECTION_SQLSTATE_CLASSES:
                    self._drop()
                    raise DatabaseUnavailable(
                        f"database connection {self.purpose} lost: {exc.message}",
                        "the runner reconnects by itself when the database is back",
                    ) from exc
                raise

    def value(self, query: str, params: Sequence[Any] | None = None) -> Any:
        """Run one statement and return the first column of its single row."""
        result = self.rows(query, params)
        return result[0][0] if result else None

    # Runners.

    def register_runner(self, name: str, hostname: str, pid: int, version: str) -> uuid.UUID:
        """Register this daemon; returns its runner id."""
        return self.value(
            "select helix.register_runner(p_name => %s, p_hostname => %s, p_pid => %s, "
            "p_version => %s)",
            (name, hostname, pid, version),
        )

    def renew_runner_lease(self, runner_id: uuid.UUID, stopping: bool = False) -> datetime:
        """Extend the lease; HX003 (InvalidTransition) means the runner was declared lost.

        ``stopping`` marks the runner as draining for shutdown.
        """
        return self.value(
            "select helix.renew_runner_lease(p_runner_id => %s, p_stopping => %s)",
            (runner_id, stopping),
        )

    def stop_runner(self, runner_id: uuid.UUID) -> None:
        """Record a clean shutdown."""
        self.rows("select helix.stop_runner(p_runner_id => %s)", (runner_id,))

    # Tasks.

    def assign_tasks(
        self, limit: int, runner_id: uuid.UUID, worker_ids: Iterable[uuid.UUID] | None = None
    ) -> list[Assignment]:
        """Take up to ``limit`` ready tasks for this runner."""
        ids = list(worker_ids) if worker_ids is not None else None
        result = self.rows(
            "select task_id, worker_id, task_type, task_data, checkpoint_data, attempt "
            "from helix.assign_tasks(p_limit => %s, p_runner_id => %s, p_worker_ids => %s)",
            (limit, runner_id, ids),
        )
        return [Assignment(*row) for row in result]

    def start_task(self, task_id: uuid.UUID, attempt: int) -> None:
        """assigned -> running."""
        self.rows(
            "select helix.start_task(p_task_id => %s, p_attempt => %s)", (task_id, attempt)
        )

    def complete_task(self, task_id: uuid.UUID, attempt: int, result: Any) -> None:
        """-> completed, with ``result`` as result_data."""
        self.rows(
            "select helix.complete_task(p_task_id => %s, p_attempt => %s, p_result => %s)",
            (task_id, attempt, Jsonb(result)),
        )

    def fail_task(
        self, task_id: uuid.UUID, attempt: int, error: str, retryable: bool = True,
        result: Any = None,
    ) -> str:
        """Report a failure; returns the task's new status (pending for a retry, or failed).

        ``result`` (exit code, output tails) is kept in the task's result_data.
        """
        return str(self.value(
            "select helix.fail_task(p_task_id => %s, p_attempt => %s, p_error => %s, "
            "p_retryable => %s, p_result => %s)",
            (task_id, attempt, error, retryable, None if result is None else Jsonb(result)),
        ))

    def save_checkpoint(self, task_id: uuid.UUID, attempt: int, name: str, data: Any) -> Any:
        """Record a checkpoint; returns its id."""
        return self.value(
            "select helix.save_checkpoint(p_task_id => %s, p_attempt => %s, p_name => %s, "
            "p_data => %s)",
            (task_id, attempt, name, Jsonb(data)),
        )

    def release_task(self, task_id: uuid.UUID, attempt: int) -> None:
        """Hand the task back without spending a retry."""
        self.rows(
            "select helix.release_task(p_task_id => %s, p_attempt => %s)", (task_id, attempt)
        )

    def report_progress(
        self, task_id: uuid.UUID, attempt: int, progress: float, message: str | None
    ) -> None:
        """Record how far along the task is.

        The cast matters: a Python float binds as double precision, and the function takes
        real, so without it PostgreSQL finds no such function.
        """
        self.rows(
            "select helix.report_progress(p_task_id => %s, p_attempt => %s, "
            "p_progress => %s::real, p_message => %s)",
            (task_id, attempt, progress, message),
        )

    def held_attempts(self, task_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int | None]:
        """For each known task id: its attempt while assigned or running, else ``None``.

        Used to find processes on a worker that belong to no live attempt (orphans). Unknown
        ids are left out, so processes of another installation are never touched.
        """
        ids = list(task_ids)
        if not ids:
            return {}
        result = self.rows(
            "select task_id, live_attempt from helix.task_attempts(p_task_ids => %s)", (ids,)
        )
        return {row[0]: row[1] for row in result}

    # Workers.

    def heartbeat(self, worker_id: uuid.UUID, metrics: dict[str, Any]) -> str:
        """Record a probe's metrics; returns the worker's health status."""
        return self.value(
            "select helix.heartbeat(p_worker_id => %s, p_metrics => %s)",
            (worker_id, Jsonb(metrics)),
        )

    def sweep(self) -> int:
        """Apply timeouts; returns how many objects changed."""
        return int(self.value("select helix.sweep()") or 0)

    def workers(self) -> list[Worker]:
        """Workers worth probing: every one but those retired (inactive, failed).

        Offline workers are probed too, so that one coming back is noticed.
        """
        result = self.rows(
            "select id, hostname, ssh_config, status, health_status "
            "from helix.runner_workers()"
        )
        return [Worker(*row) for row in result]

    def timings(self) -> Timings:
        """The pacing settings, in seconds."""
        row = self.rows(
            "select heartbeat_interval_s, heartbeat_timeout_s, runner_timeout_s "
            "from helix.runner_timings()"
        )[0]
        return Timings(*(float(v) for v in row))

    # Leadership for sweep().

    def try_advisory_lock(self, key: int) -> bool:
        """Take the session-level advisory lock ``key`` on this connection, if free."""
        return bool(self.value("select pg_try_advisory_lock(%s)", (key,)))
