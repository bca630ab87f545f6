"""Trusting workers: host keys in an OpenSSH known_hosts file.

``helix worker trust HOST[:PORT]`` calls :func:`trust`: it fetches the worker's host key with
an SSH key exchange that stops before authentication, shows its SHA256 fingerprint the way
OpenSSH prints it, and appends it to the known_hosts file, under ``HOST`` for port 22 and
``[HOST]:PORT`` otherwise, as ``ssh`` itself would. A key already recorded is left alone; a
different key recorded for the same host is refused, never replaced: that is for the operator
to do knowingly (``ssh-keygen -R``).

The SSH transport reads the same file through :func:`known_keys` and :func:`check_host_key`.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import paramiko

from .base import HostKeyMismatch, TransportError, UnknownHostKey, WorkerUnreachable

log = logging.getLogger(__name__)

DEFAULT_KNOWN_HOSTS = Path("~/.ssh/known_hosts")
FETCH_TIMEOUT = 10.0

# The signature algorithms that prove an RSA host key; known_hosts records them all as ssh-rsa.
_RSA_ALGORITHMS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


def host_key_name(host: str, port: int = 22) -> str:
    """The name a host goes by in known_hosts: ``host``, or ``[host]:port`` off port 22."""
    return host if port == 22 else f"[{host}]:{port}"


def trust_command(host: str, port: int, known_hosts: Path) -> str:
    """The ``helix`` command line that trusts ``host:port`` in ``known_hosts``."""
    target = host if port == 22 else f"{host}:{port}"
    return f"helix worker trust {target} --known-hosts {known_hosts}"


def known_keys(known_hosts: Path, host: str, port: int = 22) -> dict[str, paramiko.PKey]:
    """Return the keys recorded for ``host:port`` in ``known_hosts``, by key type.

    A missing file holds no keys. Hashed names (``HashKnownHosts yes``) are understood.
    """
    keys = paramiko.HostKeys()
    try:
        keys.load(str(known_hosts))
    except FileNotFoundError:
        return {}
    except (OSError, paramiko.SSHException, ValueError) as error:
        raise TransportError(f"known_hosts file {str(known_hosts)!r} cannot be read: {error}")
    found = keys.lookup(host_key_name(host, port))
    return dict(found) if found else {}


def key_types_for(recorded: dict[str, paramiko.PKey]) -> list[str]:
    """The host key algorithms to accept from a host whose keys of these types are recorded."""
    types: list[str] = []
    for key_type in recorded:
        types.extend(_RSA_ALGORITHMS if key_type == "ssh-rsa" else (key_type,))
    return types


def check_host_key(
    presented: paramiko.PKey | None,
    recorded: dict[str, paramiko.PKey],
    worker: str,
    host: str,
    port: int,
    known_hosts: Path,
    negotiation_error: Exception | None = None,
) -> None:
    """Refuse the connection unless ``presented`` is the key recorded for the host.

    ``presented`` is ``None`` when the key exchange failed with ``negotiation_error`` because
    the host offered none of the key types on record, which is a mismatch too.
    """
    name = host_key_name(host, port)
    if presented is None:
        if not recorded:
            return
        log.error(
            "worker %s: HOST KEY MISMATCH, %s offers none of the key types recorded for it",
            worker,
            name,
        )
        raise HostKeyMismatch(
            f"HOST KEY MISMATCH: worker {worker} ({host}:{port}) offers none of the host key "
            f"types recorded for {name} in {known_hosts} ({', '.join(recorded)}): "
            f"{negotiation_error}. It may have been reinstalled, or someone may be in the "
            "middle; the worker is refused. If the change is expected, remove the old entry "
            f"(ssh-keygen -R '{name}' -f {known_hosts}) and trust the new key with "
            f"`{trust_command(host, port, known_hosts)}`.",
            worker=worker,
        )
    key_type, fingerprint = presented.get_name(), presented.fingerprint
    if not recorded:
        log.warning(
            "worker %s: host key %s %s of %s is not in %s; refusing",
            worker,
            key_type,
            fingerprint,
            name,
            known_hosts,
        )
        raise UnknownHostKey(
            f"worker {worker} ({host}:{port}) is not trusted: its host key {key_type} "
            f"{fingerprint} is not in {known_hosts}. If that is the worker's key, trust it "
            f"with `{trust_command(host, port, known_hosts)}` (or add it to that file with "
            "ssh-keyscan), then retry.",
            worker=worker,
            key_type=key_type,
            fingerprint=fingerprint,
        )
    expected = recorded.get(key_type)
    if expected is not None and expected.asbytes() == presented.asbytes():
        return
    on_record = ", ".join(f"{kind} {key.fingerprint}" for kind, key in recorded.items())
    log.error(
        "worker %s: HOST KEY MISMATCH for %s: presented %s %s, %s records %s",
        worker,
        name,
        key_type,
        fingerprint,
        known_hosts,
        on_record,
    )
    raise HostKeyMismatch(
        f"HOST KEY MISMATCH: worker {worker} ({host}:{port}) presented {key_type} "
        f"{fingerprint}, but {known_hosts} records {on_record} for {name}. It may have been "
        "reinstalled, or someone may be in the middle; the worker is refused. If the change "
        f"is expected, remove the old entry (ssh-keygen -R '{name}' -f {known_hosts}) and "
        f"trust the new key with `{trust_command(host, port, known_hosts)}`.",
        worker=worker,
    )


def fetch_host_key(
    host: str,
    port: int = 22,
    timeout: float = FETCH_TIMEOUT,
    key_types: list[str] | None = None,
) -> paramiko.PKey:
    """Fetch the host key ``host:port`` presents, with a key exchange and no authentication.

    ``key_types`` limits the host key algorithms asked for; a host that offers none of them
    makes the exchange fail with :class:`paramiko.IncompatiblePeer`.
    """
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as error:
        raise WorkerUnreachable(f"cannot connect to {host}:{port}: {error}") from error
    connection = paramiko.Transport(sock)
    try:
        connection.banner_timeout = timeout
        connection.handshake_timeout = timeout
        if key_types:
            connection.get_security_options().key_types = key_types
        connection.start_client(timeout=timeout)
        return connection.get_remote_server_key()
    except paramiko.IncompatiblePeer:
        raise
    except (paramiko.SSHException, EOFError, OSError) as error:
        raise WorkerUnreachable(f"SSH key exchange with {host}:{port} failed: {error}") from error
    finally:
        connection.close()


@dataclass(frozen=True)
class TrustResult:
    """What :func:`trust` found and did."""

    name: str
    """The host's name in known_hosts (``host`` or ``[host]:port``)."""
    key_type: str
    fingerprint: str
    """SHA256 fingerprint, as ``ssh-keygen -l`` prints it."""
    added: bool
    """False when the same key was already recorded."""


def trust(
    host: str,
    port: int = 22,
    known_hosts: str | Path = DEFAULT_KNOWN_HOSTS,
    *,
    expected_fingerprint: str | None = None,
    timeout: float = FETCH_TIMEOUT,
) -> TrustResult:
    """Fetch the host key of ``host:port`` and record it in ``known_hosts``.

    With ``expected_fingerprint`` (``SHA256:...``, obtained from the worker's owner out of
    band) a different key is refused. A different key already on record for the host is
    refused with :class:`HostKeyMismatch`. The file and its directory are created, private to
    the user, when missing.
    """
    if not isinstance(host, str) or not host or any(c.isspace() for c in host):
        raise ValueError(f"host {host!r} must be a non-empty name or address without spaces")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port {port!r} must be an integer in 1..65535")
    path = Path(known_hosts).expanduser()
    name = host_key_name(host, port)
    recorded = known_keys(path, host, port)
    # With keys on record, ask for those types only, as the transport does, and verify.
    try:
        key = fetch_host_key(host, port, timeout, key_types_for(recorded) or None)
    except paramiko.IncompatiblePeer as error:
        check_host_key(None, recorded, name, host, port, path, error)
        raise WorkerUnreachable(f"SSH key exchange with {name} failed: {error}") from error
    key_type, fingerprint = key.get_name(), key.fingerprint
    if expected_fingerprint is not None and expected_fingerprint != fingerprint:
        raise HostKeyMismatch(
            f"{name} presented {key_type} {fingerprint}, not the expected "
            f"{expected_fingerprint}; nothing was written to {path}"
        )
    if recorded:
        check_host_key(key, recorded, name, host, port, path)
        log.info("host %s: key %s %s already in %s", name, key_type, fingerprint, path)
        return TrustResult(name, key_type, fingerprint, added=False)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        needs_newline = False
        if size:
            handle.seek(size - 1)
            needs_newline = handle.read(1) != b"\n"
        line = f"{name} {key_type} {key.get_base64()}\n"
        handle.write((b"\n" if needs_newline else b"") + line.encode())
    log.info("host %s: key %s %s added to %s", name, key_type, fingerprint, path)
    return TrustResult(name, key_type, fingerprint, added=True)
