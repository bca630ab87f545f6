"""``helix runner``: the daemon that runs tasks on workers over SSH."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import config, logs
from ..daemon import Daemon, RunnerOptions
from ..errors import ConfigError
from .errors import HelixGroup

_OPTIONS: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
    click.option("--database-url", metavar="URL",
                 help="libpq URL of the database [env HELIX_DATABASE_URL; default: the "
                      "private cluster]."),
    click.option("--known-hosts", metavar="FILE",
                 help="known_hosts file worker host keys are checked against [env "
                      "HELIX_KNOWN_HOSTS; default ~/.ssh/known_hosts]."),
    click.option("--max-tasks", type=int, metavar="N",
                 help="Tasks this runner runs at once [default 16]."),
    click.option("--shutdown-grace", type=float, metavar="SECONDS",
                 help="On SIGTERM, how long running tasks may finish before they are "
                      "stopped and released [default 30]."),
    click.option("--name", "runner_name", metavar="NAME",
                 help="Name in helix.runners [default HOST:PID]."),
    click.option("--sweep-interval", type=float, metavar="SECONDS",
                 help="How often the sweep leader calls sweep() [default: a quarter of "
                      "heartbeat_timeout, 0.5 to 5 s]."),
    click.option("--log-format", type=click.Choice(logs.FORMATS),
                 help="Log lines as text or JSON [default text]."),
    click.option("--log-level", type=click.Choice(logs.LEVELS),
                 help="Least important level logged [default info]."),
]


def _with_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


def _positive(value: Any, key: str, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} {value!r} is not a number", f"give --{key.replace('_', '-')} "
                          "a positive number") from None
    if number <= 0 and not (key == "shutdown_grace" and number == 0):
        raise ConfigError(f"{key} {value!r} must be positive",
                          f"give --{key.replace('_', '-')} a positive number")
    return number


def _start(flags: dict[str, Any]) -> int:
    """Resolve the configuration (flags > environment > file), then run the daemon."""
    values = {key: value.value for key, value in config.resolve(flags).items()}
    sweep = values.get("sweep_interval")
    options = RunnerOptions(
        database_url=config.database_url(flags.get("database_url")),
        known_hosts=str(Path(str(values["known_hosts"])).expanduser()),
        max_tasks=_positive(values["max_tasks"], "max_tasks", int),
        shutdown_grace=_positive(values["shutdown_grace"], "shutdown_grace", float),
        name=values["runner_name"],
        sweep_interval=None if sweep is None else _positive(sweep, "sweep_interval", float),
    )
    for key, allowed in (("log_format", logs.FORMATS), ("log_level", logs.LEVELS)):
        if str(values[key]).lower() not in allowed:
            raise ConfigError(f"{key} {values[key]!r} is not one of {', '.join(allowed)}",
                              f"fix {key} in the environment or the config file")
    logs.setup(str(values["log_format"]), str(values["log_level"]).lower())
    return Daemon(options).run()


@click.group(cls=HelixGroup, invoke_without_command=True)
@_with_options
@click.pass_context
def runner(ctx: click.Context, **flags: Any) -> None:
    """Run tasks: wait on the database, run each task on its worker over SSH, report back.

    Registers as a runner, takes ready tasks as they are announced (LISTEN/NOTIFY), runs
    each on its worker over one reused SSH connection per worker, probes the workers for
    heartbeats, and takes its turn at sweep(). Worker host keys must be in --known-hosts
    (trust one with 'helix worker trust HOST'). SIGTERM or Ctrl-C stops taking work, lets
    running tasks finish for --shutdown-grace seconds, then releases the rest; exit code 0.

    Every option also comes from the environment (HELIX_ and the option in capitals, e.g.
    HELIX_MAX_TASKS) and from the config file, in that order after the flag.

    \b
    Examples:
      helix runner --database-url postgresql://helix@db/helix --known-hosts ~/.ssh/known_hosts
      HELIX_LOG_FORMAT=json helix runner start --max-tasks 32
    """
    if ctx.invoked_subcommand is None:
        ctx.exit(_start(flags))
    ctx.obj = flags


@runner.command()
@_with_options
@click.pass_context
def start(ctx: click.Context, **flags: Any) -> None:
    """Start the daemon (the same as 'helix runner' alone)."""
    merged = dict(ctx.obj or {})
    merged.update({key: value for key, value in flags.items() if value is not None})
    ctx.exit(_start(merged))
