"""The SSH transport: one paramiko connection per worker, one channel per command.

:class:`SSHTransport` holds a single connection to its worker, opened on first use and reused
by every task and probe; each command gets a session channel of its own. A connection found
dead is reopened on the next use, with an exponential backoff between failed attempts so that
a vanished worker costs a fast error rather than a connect timeout on every call.

Trust: the worker's host key must be in the known_hosts file given to the transport (default
``~/.ssh/known_hosts``); an unknown key is refused with :class:`UnknownHostKey`, whose message
says how to trust it, and a key other than the recorded one with :class:`HostKeyMismatch`.
Keys for authentication come from the worker's ``identity_file`` and from the ssh-agent
(``SSH_AUTH_SOCK``); passphrase-protected keys belong in the agent. No key material and no
environment value is ever logged.

How a command runs on the worker: the login shell of the user runs :data:`LAUNCHER`, which
starts ``setsid /bin/sh -s`` (plain ``exec /bin/sh -s`` where ``setsid`` is missing: OpenSSH
already starts each session's command in a session of its own), and that shell reads the
script of :func:`~helixcode.transport.base.render_script` from the channel. The script's first
line announces the shell's pid, which is the process group id, behind a per-run random
marker; terminating or killing the task signals that group through a separate channel
(``kill -s TERM -- -PGID``), and once the command has ended the launcher sends the group
SIGKILL, so nothing it started outlives it.

The worker's sshd limits the sessions open at once on one connection (``MaxSessions``,
10 by default); a worker meant to run more than about 8 tasks at once needs it raised.
"""

from __future__ import annotations

import getpass
import logging
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import paramiko

from .base import (
    MAX_LINE_BYTES,
    AuthenticationFailed,
    CommandSpec,
    LineCallback,
    RemoteProcess,
    Transport,
    TransportError,
    WorkerConfig,
    WorkerUnreachable,
    render_script,
)
from .known_hosts import (
    DEFAULT_KNOWN_HOSTS,
    check_host_key,
    key_types_for,
    known_keys,
)

log = logging.getLogger(__name__)

LAUNCHER = """\
if command -v setsid >/dev/null 2>&1; then
  setsid /bin/sh -s 0<&0 &
  pid=$!
  wait "$pid"
  status=$?
  kill -s KILL -- "-$pid" 2>/dev/null
  exit "$status"
fi
exec /bin/sh -s
"""
"""What the worker's login shell runs.

A background job of a non-interactive shell is no process group leader, so ``setsid`` makes
it one without forking: ``$!`` is the new group's id. The launcher stays outside that group,
waits for its leader, then sends SIGKILL to whatever remains in it. A command ended by a
signal exits with 128 + the signal number, as in a shell.
"""

ANNOUNCE_PREFIX = "@@helix-pgid/"
ANNOUNCE_WAIT = 5.0
"""Seconds to wait for the process group announcement before giving up on signalling it."""

CONTROL_TIMEOUT = 10.0
"""Seconds a control command (sending a signal) may take over the connection."""


class SSHProcess(RemoteProcess):
    """A command running in a channel of an :class:`SSHTransport`."""

    def __init__(
        self,
        transport: SSHTransport,
        connection: paramiko.Transport,
        channel: paramiko.Channel,
        spec: CommandSpec,
        announce: str,
        on_stdout: LineCallback | None,
        on_stderr: LineCallback | None,
    ) -> None:
        super().__init__(transport.worker, spec, on_stdout, on_stderr)
        self._transport = transport
        self._connection = connection
        self._channel = channel
        self._announce = announce.encode()
        self._pgid: int | None = None
        self._pgid_known = threading.Event()
        self._abandoned = False

    @property
    def pgid(self) -> int | None:
        """The process group id on the worker, once the command has announced it."""
        return self._pgid

    def _start(self) -> None:
        threading.Thread(
            target=self._pump_guarded, name=f"helix-ssh-{self.worker}", daemon=True
        ).start()
        self._start_watchdog()

    def _take_announcement(self, raw: bytes) -> bool:
        """Read the pgid from the announcement line; return whether ``raw`` was it."""
        marker, _, value = raw.strip().partition(b" ")
        if marker != self._announce:
            return False
        if value.isdigit() and int(value) > 1:
            self._pgid = int(value)
            log.debug(
                "worker %s task %s: command runs as process group %d",
                self.worker,
                self.spec.task_id,
                self._pgid,
            )
        else:
            log.warning(
                "worker %s task %s: process group announcement %r is unusable",
                self.worker,
                self.spec.task_id,
                value,
            )
        self._pgid_known.set()
        return True

    def _read(self, stream: str, source: BinaryIO) -> None:
        """Feed the lines of ``source`` to the stream's callback until end of file."""
        expecting_announcement = stream == "stdout"
        try:
            while raw := source.readline(MAX_LINE_BYTES):
                if expecting_announcement and self._take_announcement(raw):
                    expecting_announcement = False
                    continue
                self._feed(stream, raw)
        except (OSError, EOFError, paramiko.SSHException) as error:
            log.warning(
                "worker %s task %s: reading %s failed: %s",
                self.worker,
                self.spec.task_id,
                stream,
                error,
            )

    def _pump(self) -> None:
        """Read both streams, then collect the exit status."""
        stderr_reader = threading.Thread(
            target=self._read,
            args=("stderr", self._channel.makefile_stderr("rb")),
            name=f"helix-ssh-stderr-{self.worker}",
            daemon=True,
        )
        stderr_reader.start()
        self._read("stdout", self._channel.makefile("rb"))
        stderr_reader.join()
        self._pgid_known.set()
        status = self._channel.recv_exit_status()
        got_status = self._channel.exit_status_ready() and status != -1
        if not got_status and not self._abandoned and (
            not self._channel.eof_received or not self._connection.is_active()
        ):
            self._transport._forget(self._connection)
            self._channel.close()
            self._finish(
                None,
                lost=WorkerUnreachable(
                    f"connection to worker {self.worker} was lost while task "
                    f"{self.spec.task_id} ran; its outcome is unknown",
                    worker=self.worker,
                ),
            )
            return
        self._channel.close()
        self._finish(status)

    def _signal_group(self, sig: signal.Signals) -> None:
        if not self._pgid_known.wait(ANNOUNCE_WAIT) or self._pgid is None:
            if self._done.is_set():
                return
            log.warning(
                "worker %s task %s: no process group known to send %s to; closing the channel",
                self.worker,
                self.spec.task_id,
                sig.name,
            )
            self._abandoned = True
            self._channel.close()
            return
        self._transport.signal_group(self._pgid, sig, task_id=self.spec.task_id)


class SSHTransport(Transport):
    """Commands on one worker over one reused SSH connection.

    ``known_hosts`` is the file of trusted host keys (default ``~/.ssh/known_hosts``).
    ``connect_timeout`` bounds the TCP connect and each of the banner, key exchange and
    authentication steps. ``keepalive_interval`` (seconds, 0 for none) keeps idle connections
    through NAT and firewalls. After a failed connection attempt the next one waits
    ``reconnect_delay`` seconds, doubling at each further failure up to
    ``reconnect_max_delay``; calls made meanwhile fail at once with :class:`WorkerUnreachable`.
    """

    def __init__(
        self,
        worker: str,
        config: WorkerConfig,
        *,
        known_hosts: str | Path | None = None,
        connect_timeout: float = 10.0,
        keepalive_interval: float = 15.0,
        reconnect_delay: float = 1.0,
        reconnect_max_delay: float = 60.0,
        use_agent: bool = True,
    ) -> None:
        super().__init__(worker)
        if config.transport != "ssh":
            raise TransportError(
                f"worker {worker} has transport {config.transport!r}, not 'ssh'", worker=worker
            )
        for name, value in (
            ("connect_timeout", connect_timeout),
            ("reconnect_delay", reconnect_delay),
            ("reconnect_max_delay", reconnect_max_delay),
        ):
            if not value > 0:
                raise ValueError(f"{name} {value!r} must be a positive number of seconds")
        if keepalive_interval < 0:
            raise ValueError(f"keepalive_interval {keepalive_interval!r} must not be negative")
        self.config = config
        # The worker's own file, when its ssh_config names one, wins over the runner's.
        self.known_hosts = Path(
            config.known_hosts or known_hosts or DEFAULT_KNOWN_HOSTS).expanduser()
        self.connect_timeout = connect_timeout
        self.keepalive_interval = keepalive_interval
        self.reconnect_delay = reconnect_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.use_agent = use_agent
        self.connection_count = 0
        """How many connections were opened so far (1 while the first one lives)."""
        self._lock = threading.Lock()
        self._connection: paramiko.Transport | None = None
        self._agent: paramiko.Agent | None = None
        self._failures = 0
        self._retry_at = 0.0
        self._last_failure = ""
        self._closed = False

    @property
    def connected(self) -> bool:
        """Whether a live connection is open now."""
        connection = self._connection
        return connection is not None and connection.is_active()

    # Connecting.

    def _keys(self) -> Iterable[tuple[str, paramiko.PKey]]:
        """Yield the keys to offer, labelled for messages: identity file first, then agent."""
        if self.config.identity_file is not None:
            path = Path(self.config.identity_file).expanduser()
            try:
                key = paramiko.PKey.from_path(path)
            except paramiko.PasswordRequiredException:
                raise AuthenticationFailed(
                    f"identity_file {str(path)!r} of worker {self.worker} is protected by a "
                    "passphrase; load it into ssh-agent and leave identity_file out",
                    worker=self.worker,
                ) from None
            except OSError as error:
                raise AuthenticationFailed(
                    f"identity_file {str(path)!r} of worker {self.worker} cannot be read: "
                    f"{error.strerror or error}",
                    worker=self.worker,
                ) from None
            except (paramiko.SSHException, ValueError) as error:
                raise AuthenticationFailed(
                    f"identity_file {str(path)!r} of worker {self.worker} is not a private key "
                    f"paramiko can load: {error}",
                    worker=self.worker,
                ) from None
            yield f"{path} ({key.fingerprint})", key
        if self.use_agent:
            if self._agent is None:
                self._agent = paramiko.Agent()
            for key in self._agent.get_keys():
                yield f"agent key {key.fingerprint}", key

    def _authenticate(self, connection: paramiko.Transport, user: str) -> str:
        """Offer each key in turn; return the label of the one accepted."""
        offered = []
        for label, key in self._keys():
            offered.append(label)
            try:
                connection.auth_publickey(user, key)
            except paramiko.AuthenticationException:
                log.debug("worker %s: key %s refused for user %s", self.worker, label, user)
                continue
            if connection.is_authenticated():
                return label
        raise AuthenticationFailed(
            f"worker {self.worker} ({self.config.address}) refused user {user!r} with every key "
            f"offered ({', '.join(offered) or 'none: no identity_file and no ssh-agent key'}); "
            "check identity_file and the worker's authorized_keys",
            worker=self.worker,
        )

    def _open(self) -> paramiko.Transport:
        """Open, verify and authenticate a new connection to the worker."""
        host, port = self.config.host, self.config.port
        assert host is not None
        try:
            sock = socket.create_connection((host, port), timeout=self.connect_timeout)
        except OSError as error:
            raise WorkerUnreachable(
                f"cannot connect to worker {self.worker} at {self.config.address}: {error}",
                worker=self.worker,
            ) from error
        # The few small packets that start a command (channel open, exec, script, EOF) would
        # otherwise meet Nagle's algorithm and the peer's delayed ACK: about 40 ms per task.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = paramiko.Transport(sock)
        try:
            connection.banner_timeout = self.connect_timeout
            connection.handshake_timeout = self.connect_timeout
            connection.auth_timeout = self.connect_timeout
            recorded = known_keys(self.known_hosts, host, port)
            if recorded:
                # Ask only for the key types on record: otherwise a worker that also has a key
                # of a preferred type would look like an unknown host.
                connection.get_security_options().key_types = key_types_for(recorded)
            try:
                connection.start_client(timeout=self.connect_timeout)
            except (paramiko.SSHException, EOFError, OSError) as error:
                if isinstance(error, paramiko.IncompatiblePeer):
                    # No key type on record offered: a mismatch when there are records.
                    check_host_key(
                        None, recorded, self.worker, host, port, self.known_hosts, error
                    )
                raise WorkerUnreachable(
                    f"SSH handshake with worker {self.worker} at {self.config.address} "
                    f"failed: {error}",
                    worker=self.worker,
                ) from error
            check_host_key(
                connection.get_remote_server_key(),
                recorded,
                self.worker,
                host,
                port,
                self.known_hosts,
            )
            user = self.config.user or getpass.getuser()
            try:
                label = self._authenticate(connection, user)
            except (paramiko.SSHException, EOFError, OSError) as error:
                raise WorkerUnreachable(
                    f"connection to worker {self.worker} failed during authentication: {error}",
                    worker=self.worker,
                ) from error
        except BaseException:
            connection.close()
            raise
        if self.keepalive_interval:
            connection.set_keepalive(max(1, int(self.keepalive_interval)))
        log.info(
            "worker %s: connected to %s as %s with %s",
            self.worker,
            self.config.address,
            user,
            label,
        )
        return connection

    def _ensure_connection(self) -> paramiko.Transport:
        """Return the live connection, opening one if needed and the backoff allows it."""
        with self._lock:
            if self._closed:
                raise TransportError(
                    f"transport to worker {self.worker} is closed", worker=self.worker
                )
            connection = self._connection
            if connection is not None and connection.is_active():
                return connection
            if connection is not None:
                log.warning("worker %s: connection lost, reconnecting", self.worker)
                connection.close()
                self._connection = None
            now = time.monotonic()
            if now < self._retry_at:
                raise WorkerUnreachable(
                    f"worker {self.worker} is unreachable ({self._last_failure}); next attempt "
                    f"in {self._retry_at - now:.1f}s",
                    worker=self.worker,
                )
            try:
                connection = self._open()
            except WorkerUnreachable as error:
                delay = min(self.reconnect_max_delay, self.reconnect_delay * 2**self._failures)
                self._failures += 1
                self._retry_at = now + delay
                self._last_failure = str(error)
                log.warning(
                    "worker %s: connection attempt %d failed, next one in %.1fs: %s",
                    self.worker,
                    self._failures,
                    delay,
                    error,
                )
                raise
            self._failures = 0
            self._retry_at = 0.0
            self._connection = connection
            self.connection_count += 1
            return connection

    def _forget(self, connection: paramiko.Transport) -> None:
        """Drop ``connection`` if it is still the current one (it was found dead)."""
        with self._lock:
            if self._connection is connection:
                self._connection = None
        connection.close()

    def _open_channel(self, connection: paramiko.Transport) -> paramiko.Channel:
        try:
            return connection.open_session(timeout=self.connect_timeout)
        except paramiko.ChannelException as error:
            raise TransportError(
                f"worker {self.worker} refused a new session ({error}); sshd's MaxSessions "
                "bounds the tasks and probes open at once on one connection",
                worker=self.worker,
            ) from error
        except (paramiko.SSHException, EOFError, OSError) as error:
            self._forget(connection)
            raise WorkerUnreachable(
                f"connection to worker {self.worker} failed opening a session: {error}",
                worker=self.worker,
            ) from error

    # The Transport interface.

    def run(
        self,
        spec: CommandSpec,
        on_stdout: LineCallback | None = None,
        on_stderr: LineCallback | None = None,
    ) -> SSHProcess:
        """Start ``spec`` in a new channel of the worker's connection."""
        connection = self._ensure_connection()
        channel = self._open_channel(connection)
        announce = ANNOUNCE_PREFIX + secrets.token_hex(8)
        process = SSHProcess(self, connection, channel, spec, announce, on_stdout, on_stderr)
        try:
            channel.exec_command(LAUNCHER)
            channel.sendall(render_script(spec, announce=announce).encode())
            channel.shutdown_write()
        except (paramiko.SSHException, EOFError, OSError) as error:
            channel.close()
            if not connection.is_active():
                self._forget(connection)
            raise WorkerUnreachable(
                f"worker {self.worker} could not start task {spec.task_id}: {error}",
                worker=self.worker,
            ) from error
        log.info("worker %s task %s: command started", self.worker, spec.task_id)
        process._start()
        self._track(process)
        return process

    def signal_group(
        self, pgid: int, sig: signal.Signals, task_id: str | None = None
    ) -> bool:
        """Send ``sig`` to process group ``pgid`` on the worker; return whether it was delivered.

        Usable after a reconnection too, to stop a group whose channel was lost. A group that
        no longer exists is not an error (the return value is then ``False``).
        """
        if isinstance(pgid, bool) or not isinstance(pgid, int) or pgid <= 1:
            # kill -- -1 would mean "every process the user may signal".
            raise ValueError(f"process group id {pgid!r} must be an integer above 1")
        command = f"kill -s {sig.name.removeprefix('SIG')} -- -{pgid} 2>/dev/null"
        problem: str | None = None
        delivered = False
        try:
            channel = self._open_channel(self._ensure_connection())
        except TransportError as error:
            problem = str(error)
        else:
            try:
                channel.exec_command(command)
                if channel.status_event.wait(CONTROL_TIMEOUT):
                    delivered = channel.recv_exit_status() == 0
                else:
                    problem = f"no answer within {CONTROL_TIMEOUT}s"
            except (paramiko.SSHException, EOFError, OSError) as error:
                problem = str(error) or type(error).__name__
            finally:
                channel.close()
        if problem is not None:
            log.warning(
                "worker %s task %s: sending %s to process group %d failed: %s",
                self.worker,
                task_id,
                sig.name,
                pgid,
                problem,
            )
            return False
        log.debug(
            "worker %s task %s: %s to process group %d %s",
            self.worker,
            task_id,
            sig.name,
            pgid,
            "delivered" if delivered else "found no process",
        )
        return delivered

    def _release(self) -> None:
        """Close the connection and the agent."""
        with self._lock:
            self._closed = True
            connection, self._connection = self._connection, None
            agent, self._agent = self._agent, None
        if connection is not None:
            connection.close()
            log.info("worker %s: connection closed", self.worker)
        if agent is not None:
            agent.close()
