"""Where HelixCode finds its SQL and keeps its state on the coordinator host."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError


def sql_root() -> Path:
    """The ``db/`` folder holding migrations, functions and pgTAP tests.

    ``HELIX_SQL_DIR`` overrides it; by default it is the one beside the package's source
    (the package is installed in editable mode from the repository).
    """
    override = os.environ.get("HELIX_SQL_DIR")
    root = Path(override) if override else Path(__file__).resolve().parents[2] / "db"
    if not (root / "migrations").is_dir():
        raise ConfigError(
            f"no db/migrations folder at {root}",
            "install helixcode from its repository (pip install -e .) or set HELIX_SQL_DIR",
        )
    return root


def state_dir() -> Path:
    """Where the private PostgreSQL cluster and other local state live.

    ``HELIX_STATE_DIR`` overrides it. Otherwise ``$XDG_STATE_HOME/helixcode`` (by default
    ``~/.local/state/helixcode``) for an ordinary user, and ``/var/lib/helixcode`` for root,
    whose home the unprivileged server user could not enter.
    """
    override = os.environ.get("HELIX_STATE_DIR")
    if override:
        return Path(override)
    if os.geteuid() == 0:
        return Path("/var/lib/helixcode")
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "helixcode"


def config_file() -> Path:
    """The config file: ``HELIX_CONFIG``, else ``$XDG_CONFIG_HOME/helixcode/config.toml``."""
    override = os.environ.get("HELIX_CONFIG")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "helixcode" / "config.toml"
