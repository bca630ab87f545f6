"""The ``helix`` entry point: the root group and its subcommands."""

from __future__ import annotations

import logging

import click

from .. import __version__
from .config import config_command
from .db import db
from .demo import demo
from .errors import EXIT_CODES_HELP, HelixGroup
from .runner import runner
from .status import status
from .sweep import sweep
from .task import task
from .worker import worker


@click.group(cls=HelixGroup, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="helix")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """HelixCode: run development work on a fleet of workers, coordinated by PostgreSQL."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


cli.add_command(db)
cli.add_command(runner)
cli.add_command(worker)
cli.add_command(task)
cli.add_command(status)
cli.add_command(sweep)
cli.add_command(config_command)
cli.add_command(demo)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="helix")
