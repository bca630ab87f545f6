"""Running commands on workers: over SSH, or on the coordinator itself.

The runner holds one :class:`TransportPool` and asks it for each worker's transport with the
worker's ``ssh_config``; the pool keeps one transport (so one SSH connection) per worker and
reuses it for every task and probe. See :mod:`helixcode.transport.base` for the interface.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import (
    AuthenticationFailed,
    CommandSpec,
    CommandTimeout,
    HostKeyError,
    HostKeyMismatch,
    InvalidWorkerConfig,
    LineCallback,
    RemoteProcess,
    Transport,
    TransportError,
    UnknownHostKey,
    WorkerConfig,
    WorkerUnreachable,
)
from .local import LocalTransport
from .ssh import SSHTransport

__all__ = [
    "AuthenticationFailed",
    "CommandSpec",
    "CommandTimeout",
    "HostKeyError",
    "HostKeyMismatch",
    "InvalidWorkerConfig",
    "LineCallback",
    "LocalTransport",
    "RemoteProcess",
    "SSHTransport",
    "Transport",
    "TransportError",
    "TransportPool",
    "UnknownHostKey",
    "WorkerConfig",
    "WorkerUnreachable",
]

log = logging.getLogger(__name__)


class TransportPool:
    """One transport per worker, made from its ``ssh_config`` and reused until it changes.

    ``known_hosts`` and ``ssh_options`` (the keyword options of :class:`SSHTransport`) apply
    to every SSH worker.
    """

    def __init__(self, known_hosts: str | Path | None = None, **ssh_options: Any) -> None:
        self.known_hosts = known_hosts
        self.ssh_options = ssh_options
        self._lock = threading.Lock()
        self._transports: dict[str, Transport] = {}
        # Transports replaced while commands may still run on them; closed with the pool.
        self._retired: list[Transport] = []

    def get(self, worker: str, ssh_config: Mapping[str, Any]) -> Transport:
        """Return the transport of ``worker``; a changed ``ssh_config`` replaces it.

        The replaced transport keeps serving the commands already running on it until the pool
        is closed, so editing a worker's ``ssh_config`` interrupts no task.
        """
        config = WorkerConfig.from_ssh_config(ssh_config)
        with self._lock:
            current = self._transports.get(worker)
            if current is not None and getattr(current, "config", None) == config:
                return current
            if current is not None:
                log.info("worker %s: ssh_config changed, replacing its transport", worker)
                if current.running():
                    self._retired.append(current)
                else:
                    current.close()
            transport: Transport
            if config.transport == "local":
                transport = LocalTransport(worker, config)
            else:
                transport = SSHTransport(
                    worker, config, known_hosts=self.known_hosts, **self.ssh_options
                )
            self._transports[worker] = transport
            return transport

    def discard(self, worker: str) -> None:
        """Close and forget the transport of ``worker`` (deregistered, or gone for good)."""
        with self._lock:
            transport = self._transports.pop(worker, None)
        if transport is not None:
            transport.close()

    def close(self) -> None:
        """Close every transport, stopping the commands still running on them."""
        with self._lock:
            transports = [*self._transports.values(), *self._retired]
            self._transports, self._retired = {}, []
        for transport in transports:
            transport.close()
