"""A private PostgreSQL cluster for one user: the default when no database URL is given.

The cluster uses the system's server binaries (Debian's ``postgresql-NN`` packages), keeps
its data under a state directory, listens on loopback only, on a free port, and accepts
password logins only (a random password kept in a file only its owner can read). Root works
too: PostgreSQL refuses to run as root, so the server then runs as an unprivileged system
user (``postgres`` when the Debian packages made one, else ``helixcode``, created here).

The test suite starts its own cluster with the same class, in a temporary directory, with
durability switched off for speed (:attr:`Cluster.fast`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from .errors import ConfigError, HelixError

log = logging.getLogger(__name__)

MIN_MAJOR_VERSION = 15
DATABASE_NAME = "helix"
SUPERUSER = "helix"

INSTALL_HINT = (
    "install PostgreSQL 15 or newer, for example 'apt-get install postgresql' on Debian, "
    "or give an existing database with --database-url / HELIX_DATABASE_URL"
)


class ClusterError(HelixError):
    """The private cluster cannot be created, started or stopped."""


def find_bin_dir() -> Path:
    """The newest PostgreSQL server binaries (15 or newer) on this machine.

    Looks at ``HELIX_PG_BINDIR``, then ``/usr/lib/postgresql/NN/bin`` (Debian), then the
    ``PATH``.
    """
    override = os.environ.get("HELIX_PG_BINDIR")
    if override:
        path = Path(override)
        if not (path / "initdb").exists():
            raise ConfigError(f"HELIX_PG_BINDIR={override} holds no initdb", INSTALL_HINT)
        return path
    candidates: list[tuple[int, Path]] = []
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        for entry in debian.iterdir():
            if entry.name.isdigit() and (entry / "bin" / "initdb").exists():
                candidates.append((int(entry.name), entry / "bin"))
    initdb = shutil.which("initdb")
    if initdb:
        bindir = Path(initdb).resolve().parent
        candidates.append((_major_version(bindir), bindir))
    usable = [c for c in candidates if c[0] >= MIN_MAJOR_VERSION]
    if not usable:
        found = ", ".join(f"{v} in {p}" for v, p in candidates) or "none"
        raise ClusterError(
            f"no PostgreSQL server {MIN_MAJOR_VERSION} or newer found (found: {found})",
            INSTALL_HINT,
        )
    return max(usable)[1]


def _major_version(bindir: Path) -> int:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    # SO_REUSEADDR as the server sets it: connections of a previous run lingering in
    # TIME_WAIT must not push a restarted cluster onto another port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def server_user() -> pwd.struct_passwd | None:
    """The unprivileged account the server runs as when we are root; None otherwise."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "helixcode"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
         "helixcode"],
        check=True, capture_output=True,
    )
    return pwd.getpwnam("helixcode")


def _check_reachable(base_dir: Path, user: pwd.struct_passwd) -> None:
    """Refuse a directory the unprivileged server user could not enter."""
    for parent in base_dir.resolve().parents:
        st = parent.stat()
        if st.st_uid == user.pw_uid:
            searchable = bool(st.st_mode & 0o100)
        elif st.st_gid == user.pw_gid:
            searchable = bool(st.st_mode & 0o010)
        else:
            searchable = bool(st.st_mode & 0o001)
        if not searchable:
            raise ClusterError(
                f"the server runs as {user.pw_name}, who cannot enter {parent} "
                f"(mode {st.st_mode & 0o777:o}), so it cannot use {base_dir}",
                "choose a state directory under a world-searchable path with HELIX_STATE_DIR "
                "(the default for root is /var/lib/helixcode)",
            )


@dataclasses.dataclass
class Cluster:
    """A private PostgreSQL cluster living in ``base_dir``.

    ``base_dir/cluster.json`` remembers the port and password between runs, readable by its
    owner only; ``base_dir/data`` is the data directory; the server log is
    ``base_dir/server.log``.
    """

    base_dir: Path
    fast: bool = False

    @classmethod
    def temporary(cls, prefix: str = "helix-pg-", fast: bool = False) -> Cluster:
        """A new cluster in a fresh temporary directory, started (for tests and benchmarks).

        As root, the directory is handed to the server user; ``destroy()`` removes it all.
        """
        base = Path(tempfile.mkdtemp(prefix=prefix))
        user = server_user()
        if user is not None:
            os.chown(base, user.pw_uid, user.pw_gid)
        cluster = cls(base, fast=fast)
        cluster.start()
        return cluster

    @property
    def data_dir(self) -> Path:
        """The PostgreSQL data directory."""
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        """The server's log file."""
        return self.base_dir / "server.log"

    @property
    def state_file(self) -> Path:
        """Port and password of the cluster, kept between runs."""
        return self.base_dir / "cluster.json"

    def _state(self) -> dict[str, object]:
        if not self.state_file.exists():
            return {}
        return dict(json.loads(self.state_file.read_text()))

    def _write_state(self, state: dict[str, object]) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(state, out, indent=2)
        tmp.replace(self.state_file)

    @property
    def initialised(self) -> bool:
        """Whether initdb has run here."""
        return (self.data_dir / "PG_VERSION").exists() and self.state_file.exists()

    def url(self, dbname: str = DATABASE_NAME) -> str:
        """A libpq URL for a database of this cluster (holds the password)."""
        state = self._state()
        if not state:
            raise ClusterError(
                f"no private cluster in {self.base_dir}", "start one with 'helix db start'"
            )
        return (
            f"postgresql://{SUPERUSER}:{state['password']}@127.0.0.1:{state['port']}/{dbname}"
        )

    def _run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        user = server_user()
        extra: dict[str, object] = {}
        if user is not None:
            extra = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        return subprocess.run(  # type: ignore[call-overload, no-any-return]
            args, capture_output=True, text=True, check=False, cwd="/",
            env={**os.environ, "LC_ALL": "C.UTF-8"}, **extra, **kwargs,
        )

    def init(self) -> None:
        """Run initdb (once) with a random password, loopback-only password logins."""
        if self.initialised:
            return
        bindir = find_bin_dir()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base_dir, 0o700)
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        user = server_user()
        if user is not None:
            _check_reachable(self.base_dir, user)
        password = secrets.token_urlsafe(24)
        pwfile = self.base_dir / "initdb.pw"
        pwfile.write_text(password + "\n")
        if user is not None:
            os.chown(self.base_dir, user.pw_uid, user.pw_gid)
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        try:
            result = self._run([
                str(bindir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                "--pwfile", str(pwfile), "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
            ])
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise ClusterError(
                f"initdb failed in {self.data_dir}: {result.stderr.strip()[-500:]}",
                INSTALL_HINT,
            )
        self._write_state({"password": password, "port": free_port(), "bindir": str(bindir)})
        if user is not None:
            os.chown(self.state_file, 0, 0)
        log.info("initialised a private PostgreSQL cluster in %s", self.data_dir)

    def is_running(self) -> bool:
        """Whether the server of this cluster is up."""
        if not self.initialised:
            return False
        bindir = Path(str(self._state()["bindir"]))
        return self._run([str(bindir / "pg_ctl"), "-D", str(self.data_dir), "status"]
                         ).returncode == 0

    def start(self) -> str:
        """Initialise if needed, start the server, create the database; return its URL."""
        self.init()
        state = self._state()
        bindir = Path(str(state["bindir"]))
        if not self.is_running():
            port = int(str(state["port"]))
            if not _port_is_free(port):
                port = free_port()
                state["port"] = port
                self._write_state(state)
            options = [
                f"-p {port}", "-c listen_addresses=127.0.0.1",
                f"-k {self.data_dir}", "-c max_connections=200",
            ]
            if self.fast:
                options += ["-c fsync=off", "-c synchronous_commit=off",
                            "-c full_page_writes=off"]
            result = self._run([
                str(bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                "-w", "-t", "60", "-o", " ".join(options), "start",
            ])
            if result.returncode != 0:
                tail = self.log_file.read_text()[-800:] if self.log_file.exists() else ""
                raise ClusterError(
                    f"the private PostgreSQL did not start: {result.stderr.strip()} {tail}",
                    f"see {self.log_file}",
                )
            log.info("private PostgreSQL started on 127.0.0.1:%s", port)
        self._create_database()
        return self.url()

    def _create_database(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
                    exists = conn.execute(
                        "select 1 from pg_database where datname = %s", (DATABASE_NAME,)
                    ).fetchone()
                    if not exists:
                        conn.execute(
                            sql.SQL("create database {}").format(sql.Identifier(DATABASE_NAME))
                        )
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self, mode: str = "fast") -> bool:
        """Stop the server; return False when it was not running."""
        if not self.is_running():
            return False
        bindir = Path(str(self._state()["bindir"]))
        result = self._run([str(bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode,
                            "-w", "stop"])
        if result.returncode != 0:
            raise ClusterError(f"pg_ctl stop failed: {result.stderr.strip()}")
        log.info("private PostgreSQL in %s stopped", self.data_dir)
        return True

    def postmaster_pid(self) -> int | None:
        """The server's process id, or None when it is not running."""
        pidfile = self.data_dir / "postmaster.pid"
        try:
            return int(pidfile.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def destroy(self) -> None:
        """Stop the server (immediately) and delete everything of the cluster."""
        if self.initialised:
            try:
                self.stop(mode="immediate")
            except ClusterError as exc:
                log.warning("could not stop the cluster in %s: %s", self.base_dir, exc)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def default_cluster() -> Cluster:
    """The private cluster of this user, under the state directory."""
    from .paths import state_dir

    return Cluster(state_dir() / "postgres")
