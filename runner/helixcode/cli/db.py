"""``helix db``: the private PostgreSQL cluster, migrations and the schema."""

from __future__ import annotations

import json

import click

from .. import migrate as migrations
from .. import schema_dump
from .. import config
from ..database import redact
from ..embedded import default_cluster
from ..paths import sql_root
from .errors import HelixGroup

URL_OPTION = click.option(
    "--database-url", envvar="HELIX_DATABASE_URL", metavar="URL",
    help="libpq URL of the database [env HELIX_DATABASE_URL; default: the private cluster].",
)


@click.group(cls=HelixGroup)
def db() -> None:
    """The database: a private cluster for one machine, or any PostgreSQL 15+.

    \b
    Examples:
      helix db start            # create and start the private cluster, then migrate it
      helix db migrate --database-url postgresql://me@dbhost/helix
      psql "$(helix db url)"     # open psql on it
    """


@db.command()
@click.option("--no-migrate", is_flag=True, help="Start the server only.")
def start(no_migrate: bool) -> None:
    """Create (first time) and start the private PostgreSQL cluster, then migrate it.

    The cluster listens on 127.0.0.1 only, on a free port, with a random password kept in
    the state directory (HELIX_STATE_DIR; default ~/.local/state/helixcode, or
    /var/lib/helixcode for root). Every helix command uses it when no URL is given.
    """
    cluster = default_cluster()
    url = cluster.start()
    click.echo(f"private PostgreSQL running: {redact(url)}")
    if not no_migrate:
        result = migrations.migrate(url)
        _echo_migration(result)


@db.command()
def stop() -> None:
    """Stop the private PostgreSQL cluster (its data stays)."""
    if default_cluster().stop():
        click.echo("private PostgreSQL stopped")
    else:
        click.echo("private PostgreSQL was not running")


@db.command()
@URL_OPTION
def url(database_url: str | None) -> None:
    """Print the database URL (with its password: it is for psql and scripts)."""
    click.echo(config.database_url(database_url))


def _echo_migration(result: migrations.MigrationResult) -> None:
    if not result.changed:
        click.echo("database is up to date; nothing applied")
        return
    for name in result.applied_migrations:
        click.echo(f"applied migration {name}")
    if result.applied_function_files:
        click.echo(f"applied {len(result.applied_function_files)} function file(s): "
                   + ", ".join(result.applied_function_files))


@db.command()
@URL_OPTION
def migrate(database_url: str | None) -> None:
    """Apply db/migrations and db/functions, all or nothing.

    A second run changes nothing. When a statement fails, nothing is applied and the
    message names the file, the statement and its line.
    """
    _echo_migration(migrations.migrate(config.database_url(database_url)))


@db.command()
@URL_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def status(database_url: str | None, as_json: bool) -> None:
    """Show which migrations and function files are applied."""
    state = migrations.status(config.database_url(database_url))
    if as_json:
        click.echo(json.dumps({
            "up_to_date": state.up_to_date,
            "migrations": [{"id": m, "applied_at": a} for m, a in state.migrations],
            "function_files": [{"file": f, "state": s} for f, s in state.function_files],
        }, indent=2))
        return
    for name, applied_at in state.migrations:
        click.echo(f"migration  {name:40} {'applied ' + applied_at if applied_at else 'PENDING'}")
    for name, file_state in state.function_files:
        click.echo(f"functions  {name:40} {file_state}")
    click.echo("up to date" if state.up_to_date else "run 'helix db migrate' to apply")


@db.command()
@URL_OPTION
@click.option("--check", is_flag=True,
              help="Compare with the committed db/schema.sql; exit 1 when they differ.")
def schema(database_url: str | None, check: bool) -> None:
    """Print the migrated schema as db/schema.sql holds it (function bodies left out)."""
    text = schema_dump.dump(config.database_url(database_url))
    if check:
        if text != schema_dump.committed(sql_root()):
            raise click.ClickException(
                "db/schema.sql differs from the migrated database; regenerate it with "
                "'helix db schema > db/schema.sql'")
        click.echo("db/schema.sql matches the database")
        return
    click.echo(text, nl=False)
