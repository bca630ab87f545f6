"""``helix config``: every setting of this machine, its value and where the value came from."""

from __future__ import annotations

from typing import Any

import click

from .. import config as settings
from ..database import redact
from ..paths import config_file
from .output import Column, echo_json, json_option, print_table


def _shown(key: str, value: Any) -> Any:
    """A value fit to print: a URL without its password."""
    if key == "database_url" and isinstance(value, str):
        return redact(value)
    return value


@click.command(name="config")
@json_option
def config_command(as_json: bool) -> None:
    """Show each configuration value and where it came from.

    A value comes from the first of: a command's flag (for example --database-url),
    the environment (HELIX_ and the key in capitals), the config file, the default. The
    file is TOML at $HELIX_CONFIG, else $XDG_CONFIG_HOME/helixcode/config.toml (by default
    ~/.config/helixcode/config.toml), with the keys below. A database URL is shown
    without its password.

    \b
    Example config.toml:
      database_url = "postgresql://helix@db.example.com/helix"
      known_hosts = "/etc/helixcode/known_hosts"
      max_tasks = 8
    \b
    Examples:
      helix config
      HELIX_LOG_LEVEL=debug helix config --json
    """
    values = settings.resolve()
    data = [
        {
            "key": key,
            "value": _shown(key, value.value),
            "source": value.source,
            "env": settings.OPTIONS[key].env,
            "help": settings.OPTIONS[key].help,
        }
        for key, value in values.items()
    ]
    path = config_file()
    if as_json:
        echo_json({"config_file": str(path), "config_file_exists": path.exists(),
                   "values": data})
        return
    print_table(
        [Column("key", "key"), Column("value", "value", wrap=True), Column("source", "source"),
         Column("meaning", "help", wrap=True)],
        data,
    )
    click.echo("")
    state = "present" if path.exists() else "absent"
    click.echo(f"config file: {path} ({state})")
