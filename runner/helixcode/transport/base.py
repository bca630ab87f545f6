"""The transport interface: how the runner starts a command on a worker and watches it.

A :class:`Transport` reaches one worker. :meth:`Transport.run` starts a command described by a
:class:`CommandSpec` and returns a :class:`RemoteProcess` at once; the process streams its
output, line by line, to the callbacks given to ``run`` while it runs, keeps the last
``tail_bytes`` of each stream for the task's result or error, and can be terminated or killed
as a whole process group, so that a cancelled, released or timed-out task leaves nothing
running on the worker.

Every command runs in a process group of its own, led by a ``/bin/sh`` that reads a small
script (see :func:`render_script`) on its standard input: the script exports the environment,
changes directory and then execs ``/bin/sh -c COMMAND``. Feeding the script through standard
input rather than the command line keeps environment values (checkpoints, tokens) out of the
worker's process list and out of the kernel's 128 KiB limit on one argument.
"""

from __future__ import annotations

import logging
import re
import shlex
import signal
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .. import probe as probe_module

log = logging.getLogger(__name__)

DEFAULT_TAIL_BYTES = 64 * 1024
"""How much of the end of stdout and of stderr a process keeps by default."""

MAX_LINE_BYTES = 64 * 1024
"""Longer output lines reach the callbacks cut into pieces of this size."""

DEFAULT_TERMINATE_GRACE = 5.0
"""Seconds between SIGTERM and SIGKILL when a process group is terminated."""

CWD_FAILURE_EXIT_CODE = 126
"""Exit code of a command whose working directory cannot be entered."""

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
TRANSPORT_KINDS = ("ssh", "local")

LineCallback = Callable[[str], None]
"""Receives one line of output, decoded as UTF-8 (bad bytes replaced), without its newline."""


class TransportError(Exception):
    """Base of every error raised by a transport; ``worker`` names the worker concerned."""

    def __init__(self, message: str, *, worker: str | None = None) -> None:
        super().__init__(message)
        self.worker = worker


class InvalidWorkerConfig(TransportError, ValueError):
    """A worker's ``ssh_config`` (or a transport option) breaks a rule; the message says which."""


class WorkerUnreachable(TransportError):
    """The worker cannot be reached, or the connection to it was lost."""


class AuthenticationFailed(TransportError):
    """The worker refused every key offered (identity file and ssh-agent)."""


class HostKeyError(TransportError):
    """Base of the host key refusals: the worker's identity could not be verified."""


class UnknownHostKey(HostKeyError):
    """The worker's host key is not in the known_hosts file, so it is not trusted.

    The message tells the operator how to trust it; ``fingerprint`` is the key's SHA256
    fingerprint as OpenSSH prints it, to compare with the one the worker's owner sees.
    """

    def __init__(
        self,
        message: str,
        *,
        worker: str | None = None,
        key_type: str = "",
        fingerprint: str = "",
    ) -> None:
        super().__init__(message, worker=worker)
        self.key_type = key_type
        self.fingerprint = fingerprint


class HostKeyMismatch(HostKeyError):
    """The worker presented a key other than the one recorded for it: refused, never trusted."""


class CommandTimeout(TransportError):
    """The command ran past its ``timeout``; its process group was killed."""

    def __init__(
        self,
        message: str,
        *,
        worker: str | None = None,
        timeout: float = 0.0,
        stdout_tail: str = "",
        stderr_tail: str = "",
    ) -> None:
        super().__init__(message, worker=worker)
        self.timeout = timeout
        self.stdout_tail = stdout_tail
        self.stderr_tail = stderr_tail


@dataclass(frozen=True)
class WorkerConfig:
    """How to reach a worker: the validated form of the worker's ``ssh_config``."""

    host: str | None = None
    port: int = 22
    user: str | None = None
    identity_file: str | None = None
    transport: str = "ssh"
    known_hosts: str | None = None
    """This worker's own known_hosts file; when unset, the runner's (``--known-hosts``)."""

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORT_KINDS:
            raise InvalidWorkerConfig(
                f"ssh_config transport {self.transport!r} is not one of {TRANSPORT_KINDS}"
            )
        if self.transport == "ssh" and (not isinstance(self.host, str) or not self.host):
            raise InvalidWorkerConfig(
                f"ssh_config host {self.host!r} must be a non-empty string for transport 'ssh'"
            )
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise InvalidWorkerConfig(f"ssh_config port {self.port!r} must be an integer")
        if not 1 <= self.port <= 65535:
            raise InvalidWorkerConfig(f"ssh_config port {self.port} is outside 1..65535")
        for name in ("user", "identity_file", "known_hosts"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise InvalidWorkerConfig(
                    f"ssh_config {name} {value!r} must be a non-empty string when given"
                )

    @classmethod
    def from_ssh_config(cls, ssh_config: Mapping[str, Any]) -> WorkerConfig:
        """Validate a worker's ``ssh_config`` object (as stored in ``helix.workers``)."""
        if not isinstance(ssh_config, Mapping):
            raise InvalidWorkerConfig(f"ssh_config {ssh_config!r} must be an object")
        known = {"host", "port", "user", "identity_file", "transport", "known_hosts"}
        unknown = sorted(set(ssh_config) - known)
        if unknown:
            raise InvalidWorkerConfig(
                f"ssh_config has unknown keys {unknown}; the keys are {sorted(known)}"
            )
        values = {key: value for key, value in ssh_config.items() if value is not None}
        return cls(**values)

    @property
    def address(self) -> str:
        """``host:port`` for messages (``local`` for the local transport)."""
        if self.transport == "local":
            return "local"
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class CommandSpec:
    """A command to run on a worker.

    ``command`` is a shell command run by ``/bin/sh -c`` (a sequence is joined with
    :func:`shlex.join`, so each item stays one argument). ``env`` is added to the worker's
    environment, ``cwd`` is entered first (the command fails with exit code 126 when it cannot
    be), ``timeout`` (seconds) bounds the run. ``task_id`` only labels log lines.
    """

    command: str
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    timeout: float | None = None
    tail_bytes: int = DEFAULT_TAIL_BYTES
    task_id: str | None = None

    def __post_init__(self) -> None:
        command: Any = self.command
        if isinstance(command, Sequence) and not isinstance(command, str):
            if not command or not all(isinstance(item, str) for item in command):
                raise ValueError(f"command {command!r} must be a non-empty list of strings")
            object.__setattr__(self, "command", shlex.join(command))
        elif not isinstance(command, str) or not command.strip():
            raise ValueError(f"command {command!r} must be a non-empty string")
        if "\0" in self.command:
            raise ValueError(f"command {self.command!r} contains a NUL character")
        for name, value in self.env.items():
            if not isinstance(name, str) or not ENV_NAME.match(name):
                raise ValueError(
                    f"environment variable name {name!r} must match {ENV_NAME.pattern}"
                )
            if not isinstance(value, str) or "\0" in value:
                raise ValueError(
                    f"environment variable {name} value {value!r} must be a string without NUL"
                )
        object.__setattr__(self, "env", MappingProxyType(dict(self.env)))
        if self.cwd is not None and (
            not isinstance(self.cwd, str) or not self.cwd or "\0" in self.cwd
        ):
            raise ValueError(f"cwd {self.cwd!r} must be a non-empty string without NUL")
        if self.timeout is not None and (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, (int, float))
            or not self.timeout > 0
        ):
            raise ValueError(f"timeout {self.timeout!r} must be a positive number of seconds")
        if isinstance(self.tail_bytes, bool) or not isinstance(self.tail_bytes, int):
            raise ValueError(f"tail_bytes {self.tail_bytes!r} must be an integer")
        if self.tail_bytes < 0:
            raise ValueError(f"tail_bytes {self.tail_bytes} must not be negative")


def render_script(spec: CommandSpec, *, announce: str | None = None) -> str:
    """Return the script that a process-group-leading ``/bin/sh -s`` reads to run ``spec``.

    With ``announce``, the script first prints ``ANNOUNCE PID`` on stdout, so that a transport
    that cannot see the remote process learns the process group it must signal.
    """
    lines = []
    if announce is not None:
        lines.append(f"printf '%s %s\\n' {shlex.quote(announce)} \"$$\"")
    for name, value in spec.env.items():
        lines.append(f"export {name}={shlex.quote(value)}")
    if spec.cwd is not None:
        cwd = shlex.quote(spec.cwd)
        message = shlex.quote(f"helix: cannot enter working directory {spec.cwd!r}")
        lines.append(
            f"cd -- {cwd} || {{ printf '%s\\n' {message} >&2; exit {CWD_FAILURE_EXIT_CODE}; }}"
        )
    lines.append(f"exec /bin/sh -c {shlex.quote(spec.command)}")
    return "\n".join(lines) + "\n"


class OutputTail:
    """The last ``limit`` bytes of a stream."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._buffer = bytearray()

    def add(self, data: bytes) -> None:
        """Append ``data``, dropping what falls out of the window."""
        self._buffer += data
        excess = len(self._buffer) - self._limit
        if excess > 0:
            del self._buffer[:excess]

    def text(self) -> str:
        """The tail decoded as UTF-8; a character cut at the start shows as U+FFFD."""
        return self._buffer.decode("utf-8", errors="replace")


class RemoteProcess(ABC):
    """A command running on a worker, in a process group of its own.

    Output lines go to the callbacks from a transport thread, one call at a time (stdout and
    stderr callbacks never run concurrently), in the order each stream produced them. A
    callback that raises is logged and does not stop the process or the other lines.
    """

    def __init__(
        self,
        worker: str,
        spec: CommandSpec,
        on_stdout: LineCallback | None,
        on_stderr: LineCallback | None,
    ) -> None:
        self.worker = worker
        self.spec = spec
        self._callbacks = {"stdout": on_stdout, "stderr": on_stderr}
        self._tails = {name: OutputTail(spec.tail_bytes) for name in ("stdout", "stderr")}
        self._callback_lock = threading.Lock()
        self._done = threading.Event()
        self._exit_code: int | None = None
        self._lost: TransportError | None = None
        self._signalled = False
        self._timed_out = False
        self._started_at = time.monotonic()

    # What a transport provides.

    @abstractmethod
    def _signal_group(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the process group, if it still exists."""

    @property
    @abstractmethod
    def pgid(self) -> int | None:
        """The process group id on the worker, once known."""

    # Shared machinery for the transports.

    def _start_watchdog(self) -> None:
        """Terminate the group when ``spec.timeout`` passes; call once the process started."""
        if self.spec.timeout is None:
            return
        watchdog = threading.Thread(
            target=self._watch, name=f"helix-timeout-{self.worker}", daemon=True
        )
        watchdog.start()

    def _watch(self) -> None:
        assert self.spec.timeout is not None
        if self._done.wait(self.spec.timeout):
            return
        self._timed_out = True
        log.warning(
            "worker %s task %s: command ran past its timeout of %ss, terminating it",
            self.worker,
            self.spec.task_id,
            self.spec.timeout,
        )
        self.terminate()

    @abstractmethod
    def _pump(self) -> None:
        """Read the output until the end, then call :meth:`_finish`; runs in its own thread."""

    def _pump_guarded(self) -> None:
        """Run :meth:`_pump`, making sure that waiters wake up even if it fails."""
        try:
            self._pump()
        except Exception as error:
            log.exception(
                "worker %s task %s: watching the command failed", self.worker, self.spec.task_id
            )
            if not self._done.is_set():
                self._finish(
                    None,
                    lost=TransportError(
                        f"watching task {self.spec.task_id} on worker {self.worker} failed: "
                        f"{error}; its outcome is unknown",
                        worker=self.worker,
                    ),
                )

    def _feed(self, stream: str, raw: bytes) -> None:
        """Record one raw line of ``stream`` and hand it to its callback."""
        self._tails[stream].add(raw)
        callback = self._callbacks[stream]
        if callback is None:
            return
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        with self._callback_lock:
            try:
                callback(line)
            except Exception:
                log.exception(
                    "worker %s task %s: %s callback failed on a line; going on",
                    self.worker,
                    self.spec.task_id,
                    stream,
                )

    def _finish(self, exit_code: int | None, lost: TransportError | None = None) -> None:
        """Record the end of the process and wake the waiters."""
        self._exit_code = exit_code
        self._lost = lost
        self._done.set()
        log.info(
            "worker %s task %s: command ended with exit code %s after %.1fs%s",
            self.worker,
            self.spec.task_id,
            exit_code,
            time.monotonic() - self._started_at,
            " (connection lost)" if lost is not None else "",
        )

    # The public interface.

    @property
    def stdout_tail(self) -> str:
        """The last ``spec.tail_bytes`` of stdout."""
        return self._tails["stdout"].text()

    @property
    def stderr_tail(self) -> str:
        """The last ``spec.tail_bytes`` of stderr."""
        return self._tails["stderr"].text()

    @property
    def terminated(self) -> bool:
        """Whether :meth:`terminate` or :meth:`kill` signalled the group.

        A command ended by signal N exits with 128 + N (143 for SIGTERM, 137 for SIGKILL), as
        a shell reports it, on every transport.
        """
        return self._signalled

    @property
    def timed_out(self) -> bool:
        """Whether the command was terminated for running past ``spec.timeout``."""
        return self._timed_out

    def poll(self) -> int | None:
        """The exit code if the process has ended, else ``None``."""
        return self._exit_code if self._done.is_set() else None

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the end of the process and return its exit code.

        Raises :class:`CommandTimeout` if it was killed for running past ``spec.timeout``,
        :class:`WorkerUnreachable` if the connection was lost before the exit code arrived, and
        the built-in :class:`TimeoutError` if ``timeout`` (of this wait only) passes first.
        """
        if not self._done.wait(timeout):
            raise TimeoutError(
                f"worker {self.worker} task {self.spec.task_id}: still running after {timeout}s"
            )
        if self._timed_out:
            raise CommandTimeout(
                f"command on worker {self.worker} ran past its timeout of {self.spec.timeout}s "
                "and was killed with its process group",
                worker=self.worker,
                timeout=float(self.spec.timeout or 0),
                stdout_tail=self.stdout_tail,
                stderr_tail=self.stderr_tail,
            )
        if self._lost is not None:
            raise self._lost
        assert self._exit_code is not None
        return self._exit_code

    def terminate(self, grace: float = DEFAULT_TERMINATE_GRACE) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL if it still runs after ``grace``.

        Once the command's leader has ended, the transport kills whatever is left in its group
        (children that ignored SIGTERM or outlived their parent). Returns when the process has
        ended, or after a second ``grace`` if it still has not (a lost connection).
        """
        self._stop("terminating", (signal.SIGTERM, signal.SIGKILL), grace)

    def kill(self) -> None:
        """Stop the whole process group with SIGKILL at once."""
        self._stop("killing", (signal.SIGKILL,), DEFAULT_TERMINATE_GRACE)

    def _stop(self, action: str, signals: tuple[signal.Signals, ...], grace: float) -> None:
        """Send each of ``signals`` to the group, giving it ``grace`` seconds after each."""
        self._signalled = True
        log.info(
            "worker %s task %s: %s process group %s",
            self.worker,
            self.spec.task_id,
            action,
            self.pgid,
        )
        for sig in signals:
            if self._done.is_set():
                break
            self._signal_group(sig)
            self._done.wait(grace)


class Transport(ABC):
    """A way to run commands on one worker."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self._processes: set[RemoteProcess] = set()
        self._processes_lock = threading.Lock()

    def _track(self, process: RemoteProcess) -> None:
        """Remember a started process, so that :meth:`close` can stop it."""
        with self._processes_lock:
            self._processes = {known for known in self._processes if known.poll() is None}
            self._processes.add(process)

    def running(self) -> list[RemoteProcess]:
        """The commands started here that have not ended yet."""
        with self._processes_lock:
            return [process for process in self._processes if process.poll() is None]

    def stop_running(self, grace: float = DEFAULT_TERMINATE_GRACE) -> None:
        """Terminate every command still running here, all at once (see ``terminate``)."""
        stoppers = [
            threading.Thread(target=process.terminate, args=(grace,), daemon=True)
            for process in self.running()
        ]
        if stoppers:
            log.info("worker %s: stopping %d running commands", self.worker, len(stoppers))
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()

    def close(self, grace: float = DEFAULT_TERMINATE_GRACE) -> None:
        """Stop the commands still running (no orphan stays on the worker), then release the
        connection. A runner that means to let tasks finish waits for them before closing."""
        self.stop_running(grace)
        self._release()

    @abstractmethod
    def _release(self) -> None:
        """Release what the transport holds (its connection)."""

    @abstractmethod
    def run(
        self,
        spec: CommandSpec,
        on_stdout: LineCallback | None = None,
        on_stderr: LineCallback | None = None,
    ) -> RemoteProcess:
        """Start ``spec`` on the worker and return its process without waiting for it."""

    def probe(
        self, path: str = "/", timeout: float = probe_module.PROBE_TIMEOUT
    ) -> dict[str, Any]:
        """Measure the worker's load and return the metrics dict of :mod:`helixcode.probe`."""
        lines: list[str] = []
        spec = CommandSpec(probe_module.probe_command(path), timeout=timeout)
        process = self.run(spec, on_stdout=lines.append)
        exit_code = process.wait()
        if exit_code != 0:
            raise TransportError(
                f"probe on worker {self.worker} exited with {exit_code}: "
                f"{process.stderr_tail.strip()[-500:]!r}",
                worker=self.worker,
            )
        return probe_module.parse_probe_output("\n".join(lines))

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
