"""How the CLI turns HelixCode errors into one readable line and a meaningful exit code."""

from __future__ import annotations

from typing import Any

import click

from ..errors import (
    ConfigError,
    DatabaseUnavailable,
    HelixError,
    NotFound,
    RefusedByDatabase,
)

# Exit codes, documented in `helix --help` and the README.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2  # click's own code for usage errors
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_UNAVAILABLE = 5
EXIT_CONFIG = 6

EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 other error; 2 usage error; 3 not found; "
    "4 refused by the database; 5 database unreachable; 6 configuration error."
)


def exit_code_for(exc: HelixError) -> int:
    """The exit code that tells a script what kind of failure ``exc`` is."""
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, RefusedByDatabase):
        return EXIT_REFUSED
    if isinstance(exc, DatabaseUnavailable):
        return EXIT_UNAVAILABLE
    if isinstance(exc, ConfigError):
        return EXIT_CONFIG
    return EXIT_ERROR


class HelixGroup(click.Group):
    """A click group whose commands report HelixError as one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HelixError as exc:
            code = f"[{exc.sqlstate}] " if exc.sqlstate else ""
            click.secho(f"error: {code}{exc.message}", err=True, fg="red")
            if exc.hint:
                click.echo(f"hint: {exc.hint}", err=True)
            ctx.exit(exit_code_for(exc))
