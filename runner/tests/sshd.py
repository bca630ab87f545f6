"""Real OpenSSH servers for the tests, one per simulated worker.

Each worker is an ``sshd`` listening on its own loopback address (127.0.0.2, 127.0.0.3, ...)
and a free port, with an ed25519 host key made for the run. One user key, also made for the
run, is authorised on every worker; the user is the one running the tests (``root`` in CI,
where ``PermitRootLogin prohibit-password`` lets the key in). A known_hosts file lists every
worker's host key, the way an operator's file would after ``helix worker trust``.

Every process a worker's sshd starts for a session carries ``HELIX_TEST_SSHD=<worker dir>`` in
its environment (``SetEnv`` in the server configuration). That is how :meth:`SshdWorker.kill`
finds the processes to kill when it simulates a worker vanishing, including commands that
detached themselves from the session, and how the cleanup at the end leaves nothing behind.

The pytest fixtures are at the bottom of the module: ``sshd_cluster`` (session scope),
``sshd_worker`` (one shared worker for tests that do not break it) and ``fresh_sshd_worker``
(a worker of the test's own, for tests that kill or restart it). They are plain helpers, left
alone by pytest's assertion rewriting: PYTEST_DONT_REWRITE.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

log = logging.getLogger(__name__)

SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = "ssh-keygen"
MARKER_VARIABLE = "HELIX_TEST_SSHD"
START_TIMEOUT = 10.0

CONFIG_TEMPLATE = """\
# Written by runner/tests/sshd.py for one test run; removed at its end.
ListenAddress {address}
Port {port}
HostKey {host_key}
PidFile {pid_file}
AuthorizedKeysFile {authorized_keys}
AllowUsers {user}
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
# A pool runs several tasks and probes at once over one connection per worker.
MaxSessions 64
MaxStartups 64
LogLevel VERBOSE
SetEnv {login_rc}{marker}={directory}
"""

SKIP_LOGIN_RC = "SHLVL=1 "
"""Debian's bash sources ~/.bashrc for commands run by sshd, unless SHLVL says it is nested.
Where that file runs `pyenv init` (as on CI images), it costs about 100 ms per session, and a
session killed mid-way can leave pyenv's rehash lock behind, after which every later SSH
session on the machine waits 60 s. Test workers are plain accounts without that setup."""


def _free_port(address: str) -> int:
    """Return a TCP port that is free on ``address`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path, comment: str) -> None:
    """Make an ed25519 key pair without a passphrase at ``path`` and ``path.pub``."""
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def _parent_pids() -> dict[int, int]:
    """Map every visible pid to its parent pid, read from ``/proc``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    return parents


def _descendants(root: int) -> set[int]:
    """Return the pids below ``root`` in the process tree (``root`` excluded)."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parent_pids().items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _marked_pids(marker: str) -> set[int]:
    """Return the pids whose environment holds ``HELIX_TEST_SSHD=<marker>``."""
    needle = f"{MARKER_VARIABLE}={marker}".encode()
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path("/proc", entry, "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.add(int(entry))
    return found


def _kill_all(pids: set[int]) -> None:
    """Send SIGKILL to each pid, ignoring the ones already gone."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class SshdWorker:
    """One simulated worker: an sshd on its own loopback address and port."""

    def __init__(self, cluster: SshdCluster, address: str, login_rc: bool = False) -> None:
        self.cluster = cluster
        self.host = address
        self.port = _free_port(address)
        self.directory = cluster.directory / address
        self.directory.mkdir()
        self.host_key = self.directory / "ssh_host_ed25519_key"
        _keygen(self.host_key, f"helix-test-host-{address}")
        self.config_file = self.directory / "sshd_config"
        self.log_file = self.directory / "sshd.log"
        self.config_file.write_text(
            CONFIG_TEMPLATE.format(
                address=address,
                port=self.port,
                host_key=self.host_key,
                pid_file=self.directory / "sshd.pid",
                authorized_keys=cluster.authorized_keys,
                user=cluster.user,
                marker=MARKER_VARIABLE,
                directory=self.directory,
                login_rc="" if login_rc else SKIP_LOGIN_RC,
            )
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        """The worker as ``host:port``, as log lines and error messages show it."""
        return f"{self.host}:{self.port}"

    @property
    def host_key_line(self) -> str:
        """This worker's known_hosts line (``[host]:port type key``)."""
        key_type, key = self.host_key.with_suffix(".pub").read_text().split()[:2]
        return f"[{self.host}]:{self.port} {key_type} {key}"

    def ssh_config(self, **extra: Any) -> dict[str, Any]:
        """Return the worker's ``ssh_config`` the way ``register_worker`` stores it."""
        config: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.cluster.user,
            "identity_file": str(self.cluster.user_key),
        }
        config.update(extra)
        return config

    @property
    def running(self) -> bool:
        """Whether the listening sshd is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the listening sshd and wait until it accepts connections."""
        if self.running:
            raise RuntimeError(f"sshd for worker {self.name} is already running")
        log_handle = self.log_file.open("ab")
        try:
            self._process = subprocess.Popen(
                [SSHD, "-D", "-f", str(self.config_file), "-E", str(self.log_file)],
                stdin=subprocess.DEVNULL,
                stdout=log_handle,
                stderr=subprocess.STDOUT,
            )
        finally:
            log_handle.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"sshd for worker {self.name} exited with {self._process.returncode}; "
                    f"log:\n{self.log_file.read_text()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1.0):
                    log.info("sshd for worker %s is up (pid %d)", self.name, self._process.pid)
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"sshd for worker {self.name} did not listen within {START_TIMEOUT}s")

    def kill(self) -> None:
        """Vanish: SIGKILL the listener, every per-connection sshd and every session process.

        Killing only the listener would leave established connections up, which is not what a
        machine that disappears looks like.
        """
        doomed = _marked_pids(str(self.directory))
        if self._process is not None:
            doomed |= {self._process.pid} | _descendants(self._process.pid)
        _kill_all(doomed)
        # Whatever forked in between carries the marker too: a second pass catches it.
        _kill_all(_marked_pids(str(self.directory)))
        if self._process is not None:
            self._process.wait(timeout=START_TIMEOUT)
            self._process = None
        log.info("worker %s killed (%d processes)", self.name, len(doomed))

    def restart(self) -> None:
        """Kill the worker, if it runs, and start its sshd again on the same address and port."""
        self.kill()
        self.start()

    def session_pids(self) -> set[int]:
        """Return the pids of processes started by this worker's sessions."""
        return _marked_pids(str(self.directory))


class SshdCluster:
    """The workers of one test run, their shared user key and their known_hosts file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.user = getpass.getuser()
        self.user_key = directory / "id_ed25519"
        _keygen(self.user_key, "helix-test-user")
        self.authorized_keys = directory / "authorized_keys"
        shutil.copyfile(self.user_key.with_suffix(".pub"), self.authorized_keys)
        self.known_hosts = directory / "known_hosts"
        self.known_hosts.write_text("")
        self.workers: list[SshdWorker] = []
        if os.geteuid() == 0:
            # sshd running as root insists on its privilege separation directory, which a
            # container that never started the ssh service does not have.
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)

    def start_worker(self, login_rc: bool = False) -> SshdWorker:
        """Start a new worker on the next loopback address and add it to known_hosts.

        ``login_rc``: let the user's ~/.bashrc run for each session (see SKIP_LOGIN_RC).
        """
        address = f"127.0.0.{len(self.workers) + 2}"
        worker = SshdWorker(self, address, login_rc=login_rc)
        self.workers.append(worker)
        worker.start()
        with self.known_hosts.open("a") as handle:
            handle.write(worker.host_key_line + "\n")
        return worker

    def stop(self) -> None:
        """Kill every worker and every process their sessions left."""
        for worker in self.workers:
            worker.kill()


def pgrep(pattern: str) -> list[int]:
    """Return the pids whose full command line matches ``pattern`` (``pgrep -f``)."""
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split() if int(pid) != os.getpid()]


def wait_until_gone(pattern: str, timeout: float = 5.0) -> list[int]:
    """Wait until no process matches ``pattern``; return the survivors, if any."""
    deadline = time.monotonic() + timeout
    while True:
        survivors = pgrep(pattern)
        if not survivors or time.monotonic() > deadline:
            return survivors
        time.sleep(0.05)


@pytest.fixture(scope="session")
def sshd_cluster() -> Iterator[SshdCluster]:
    """The run's cluster: user key, known_hosts, and a way to start workers."""
    directory = Path(tempfile.mkdtemp(prefix="helix-sshd-"))
    cluster = SshdCluster(directory)
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def sshd_worker(sshd_cluster: SshdCluster) -> SshdWorker:
    """A worker shared by the tests that leave it running."""
    return sshd_cluster.start_worker()


@pytest.fixture
def fresh_sshd_worker(sshd_cluster: SshdCluster) -> Iterator[SshdWorker]:
    """A worker of the test's own, for tests that kill or restart it."""
    worker = sshd_cluster.start_worker()
    try:
        yield worker
    finally:
        worker.kill()
