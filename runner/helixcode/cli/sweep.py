"""``helix sweep``: apply the timeouts now, instead of waiting for a runner to do it."""

from __future__ import annotations

import logging

import click

from .common import database, database_option, one
from .output import echo_json, json_option, out

log = logging.getLogger(__name__)


@click.command()
@json_option
@database_option
def sweep(as_json: bool, database_url: str | None) -> None:
    """Apply timeouts now: silent workers, lost runners, ended grace periods, due retries.

    A running 'helix runner' sweeps on its own every heartbeat interval (one runner at a
    time); this is for when none runs, or to see the effect of a settings change at once.
    Prints how many things changed. A sweep already under way elsewhere makes this one
    return 0 at once.

    \b
    Examples:
      helix sweep
      helix sweep --json
    """
    with database(database_url) as conn:
        row = one(conn, "select helix.sweep() as changed")
        silent = one(conn, "select count(*) as n from helix.workers where status = 'offline'")
    changed = int(row["changed"]) if row else 0
    offline = int(silent["n"]) if silent else 0
    log.info("sweep changed %d thing(s); %d worker(s) offline", changed, offline)
    if as_json:
        echo_json({"changed": changed, "workers_offline": offline})
        return
    out(f"sweep: {changed} change(s); {offline} worker(s) offline",
        "green" if not offline else "yellow")
