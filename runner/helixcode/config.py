"""Configuration: flags, then environment, then the config file, then defaults.

One place decides every value, and remembers where it came from so ``helix config`` can
say so. The file is TOML (``paths.config_file()``), with keys named like the flags::

    database_url = "postgresql://helix@db.example.com/helix"
    known_hosts = "/etc/helixcode/known_hosts"
    log_format = "json"

Each key's environment variable is ``HELIX_`` and the key in capitals
(``HELIX_DATABASE_URL``, ``HELIX_KNOWN_HOSTS``, ...).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .paths import config_file


@dataclasses.dataclass(frozen=True)
class Option:
    """A configuration key: its name, default and meaning."""

    key: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        """The environment variable that sets this key."""
        return "HELIX_" + self.key.upper()


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("database_url", None,
               "libpq URL of the database; unset means the private cluster (helix db start)"),
        Option("known_hosts", str(Path.home() / ".ssh" / "known_hosts"),
               "OpenSSH known_hosts file the runner checks worker host keys against"),
        Option("log_format", "text", "runner log lines as 'text' or 'json'"),
        Option("log_level", "info", "debug, info, warning or error"),
        Option("max_tasks", 16, "tasks one runner runs at once"),
        Option("runner_name", None, "name of this runner in helix.runners (default: host:pid)"),
        Option("shutdown_grace", 30.0, "seconds a stopping runner lets tasks finish"),
        Option("sweep_interval", None,
               "seconds between sweep() calls by the sweep leader (default: a quarter of "
               "heartbeat_timeout, 0.5 to 5 s)"),
    )
}


@dataclasses.dataclass(frozen=True)
class Value:
    """A resolved value and where it came from (flag, environment, file or default)."""

    value: Any
    source: str


def _file_values(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}",
                          "fix or remove the file; 'helix config' shows the keys") from exc
    unknown = sorted(set(data) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"config file {path} has unknown key(s): {', '.join(unknown)}",
                          f"known keys: {', '.join(OPTIONS)}")
    return data


def resolve(flags: dict[str, Any] | None = None) -> dict[str, Value]:
    """Every option's value: flags beat environment, which beats the file and defaults."""
    flags = flags or {}
    path = config_file()
    from_file = _file_values(path)
    result: dict[str, Value] = {}
    for key, option in OPTIONS.items():
        if flags.get(key) is not None:
            result[key] = Value(flags[key], "flag")
        elif os.environ.get(option.env):
            result[key] = Value(os.environ[option.env], f"environment {option.env}")
        elif key in from_file:
            result[key] = Value(from_file[key], f"file {path}")
        else:
            result[key] = Value(option.default, "default")
    return result


def database_url(flag: str | None = None) -> str:
    """The database URL to use: flag, environment, file, else the private cluster's."""
    value = resolve({"database_url": flag})["database_url"].value
    if value:
        return str(value)
    from .embedded import default_cluster

    cluster = default_cluster()
    if not cluster.initialised:
        raise ConfigError(
            "no database given and no private cluster exists",
            "run 'helix db start' to create one, or give --database-url / HELIX_DATABASE_URL",
        )
    return cluster.url()
