"""The local transport: commands on the coordinator itself, for a one-machine installation.

It behaves as the SSH transport does, through the same script (see
:func:`~helixcode.transport.base.render_script`) read by a ``/bin/sh -s`` that leads a new
session (``start_new_session``), so that ``terminate`` and ``kill`` reach every process the
command started, and whatever is left in the group when the command ends is killed with it.
The command inherits the runner's environment, plus the spec's ``env``.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from typing import IO

from .base import (
    MAX_LINE_BYTES,
    CommandSpec,
    LineCallback,
    RemoteProcess,
    Transport,
    WorkerConfig,
    render_script,
)

log = logging.getLogger(__name__)


class LocalProcess(RemoteProcess):
    """A command running as a child of the runner, in a session of its own."""

    def __init__(
        self,
        worker: str,
        popen: subprocess.Popen[bytes],
        spec: CommandSpec,
        on_stdout: LineCallback | None,
        on_stderr: LineCallback | None,
    ) -> None:
        super().__init__(worker, spec, on_stdout, on_stderr)
        self._popen = popen
        # Signals go to the group only while its leader is unreaped: until then its pid, the
        # group id, cannot be handed to another process.
        self._reap_lock = threading.Lock()
        self._reaped = False

    @property
    def pgid(self) -> int | None:
        """The process group id: the pid of the shell leading it."""
        return self._popen.pid

    def _start(self) -> None:
        threading.Thread(
            target=self._pump_guarded, name=f"helix-local-{self.spec.task_id}", daemon=True
        ).start()
        self._start_watchdog()

    def _read(self, stream: str, source: IO[bytes]) -> None:
        with source:
            while raw := source.readline(MAX_LINE_BYTES):
                self._feed(stream, raw)

    def _pump(self) -> None:
        assert self._popen.stdout is not None and self._popen.stderr is not None
        stderr_reader = threading.Thread(
            target=self._read,
            args=("stderr", self._popen.stderr),
            name=f"helix-local-stderr-{self.spec.task_id}",
            daemon=True,
        )
        stderr_reader.start()
        self._read("stdout", self._popen.stdout)
        stderr_reader.join()
        # Wait for the leader without reaping it, clear its group, then reap.
        os.waitid(os.P_PID, self._popen.pid, os.WEXITED | os.WNOWAIT)
        self._signal_group(signal.SIGKILL)
        with self._reap_lock:
            exit_code = self._popen.wait()
            self._reaped = True
        # subprocess reports death by signal N as -N; a shell, and so the SSH transport, as
        # 128 + N.
        self._finish(128 - exit_code if exit_code < 0 else exit_code)

    def _signal_group(self, sig: signal.Signals) -> None:
        with self._reap_lock:
            if self._reaped:
                return
            try:
                os.killpg(self._popen.pid, sig)
            except ProcessLookupError:
                pass


class LocalTransport(Transport):
    """Commands on the coordinator itself, with the interface of the SSH transport."""

    def __init__(self, worker: str = "local", config: WorkerConfig | None = None) -> None:
        super().__init__(worker)
        self.config = config or WorkerConfig(transport="local")

    def run(
        self,
        spec: CommandSpec,
        on_stdout: LineCallback | None = None,
        on_stderr: LineCallback | None = None,
    ) -> LocalProcess:
        """Start ``spec`` as a child process leading its own session."""
        popen = subprocess.Popen(
            ["/bin/sh", "-s"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        process = LocalProcess(self.worker, popen, spec, on_stdout, on_stderr)
        assert popen.stdin is not None
        try:
            with popen.stdin:
                popen.stdin.write(render_script(spec).encode())
        except BrokenPipeError:
            # The shell is gone already; its exit code will tell.
            log.warning("worker %s task %s: the shell exited early", self.worker, spec.task_id)
        log.info(
            "worker %s task %s: command started as process group %d",
            self.worker,
            spec.task_id,
            popen.pid,
        )
        process._start()
        self._track(process)
        return process

    def _release(self) -> None:
        """Nothing to release: there is no connection."""
