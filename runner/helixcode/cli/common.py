"""What the operator commands share: the database option, a connection, ids, failures.

Every command that talks to the database takes ``--database-url``; when it is absent the URL
comes from the environment, the config file or the private cluster (:mod:`helixcode.config`
decides, and ``helix config`` shows which). Tasks are named by their uuid or by a unique
prefix of it (as ``git`` names commits); workers by hostname, uuid or uuid prefix.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import click
import psycopg

from .. import config
from ..database import connect
from ..errors import HelixError, NotFound, translated
from .errors import EXIT_ERROR

F = TypeVar("F", bound=Callable[..., Any])

MIN_PREFIX = 4
_HEX_PREFIX = re.compile(r"[0-9a-f-]+\Z")


def database_option(func: F) -> F:
    """Add ``--database-url URL`` to a command (the environment and file are read later)."""
    return click.option(
        "--database-url", metavar="URL", default=None,
        help="libpq URL of the database [default: HELIX_DATABASE_URL, the config file, "
             "else the private cluster].",
    )(func)


class CommandFailed(click.ClickException):
    """A failure that is not the database's: printed as one line and a hint, with a code."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = EXIT_ERROR):
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        """Print ``error: ...`` and ``hint: ...`` on stderr, as database refusals are."""
        click.secho(f"error: {self.message}", err=True, fg="red")
        if self.hint:
            click.echo(f"hint: {self.hint}", err=True)


@contextlib.contextmanager
def database(database_url: str | None, connect_timeout: int = 10
             ) -> Iterator[psycopg.Connection]:
    """An autocommit connection whose rows are dicts, closed afterwards."""
    url = config.database_url(database_url)
    conn = connect(url, rows_as_dicts=True, application_name="helix-cli",
                   connect_timeout=connect_timeout)
    try:
        yield conn
    finally:
        conn.close()


def rows(conn: psycopg.Connection, query: str, params: Sequence[Any] | dict[str, Any] = ()
         ) -> list[dict[str, Any]]:
    """Run one statement; database refusals come out as :class:`HelixError`."""
    with translated():
        cursor = conn.execute(query, params)
        return list(cursor.fetchall()) if cursor.description else []


def one(conn: psycopg.Connection, query: str, params: Sequence[Any] | dict[str, Any] = ()
        ) -> dict[str, Any] | None:
    """The first row of a statement, or None."""
    result = rows(conn, query, params)
    return result[0] if result else None


def _uuid_or_prefix(value: str, what: str) -> tuple[uuid.UUID | None, str | None]:
    """Parse ``value`` as a full uuid, or return it as a prefix; usage error when neither."""
    text = value.strip().lower()
    try:
        return uuid.UUID(text), None
    except ValueError:
        pass
    if len(text) >= MIN_PREFIX and _HEX_PREFIX.match(text):
        return None, text
    raise click.BadParameter(
        f"{value!r} is not a {what} id: give the uuid or at least its first {MIN_PREFIX} "
        "characters"
    )


def resolve_task(conn: psycopg.Connection, value: str) -> uuid.UUID:
    """The task named by ``value``: a uuid, or a prefix matching exactly one task."""
    full, prefix = _uuid_or_prefix(value, "task")
    if full is not None:
        if one(conn, "select 1 from helix.distributed_tasks where id = %s", (full,)) is None:
            raise NotFound(f"task {full} does not exist",
                           "list tasks with 'helix task list'")
        return full
    found = rows(conn, "select id from helix.distributed_tasks where id::text like %s "
                       "order by created_at limit 3", (prefix + "%",))
    if not found:
        raise NotFound(f"no task id starts with {prefix!r}", "list tasks with 'helix task list'")
    if len(found) > 1:
        raise click.BadParameter(
            f"{prefix!r} names several tasks ({', '.join(str(r['id']) for r in found)}...): "
            "give more characters")
    return found[0]["id"]


def resolve_worker(conn: psycopg.Connection, value: str) -> dict[str, Any]:
    """The worker named by hostname, uuid or unique uuid prefix, as its row."""
    found = rows(conn, "select * from helix.workers where hostname = %s", (value,))
    if found:
        return found[0]
    try:
        full, prefix = _uuid_or_prefix(value, "worker")
    except click.BadParameter:
        full, prefix = None, None
    if full is not None:
        found = rows(conn, "select * from helix.workers where id = %s", (full,))
    elif prefix is not None:
        found = rows(conn, "select * from helix.workers where id::text like %s limit 3",
                     (prefix + "%",))
    if len(found) > 1:
        raise click.BadParameter(f"{value!r} names several workers: give more characters")
    if not found:
        raise NotFound(f"worker {value!r} does not exist (neither a hostname nor an id)",
                       "list workers with 'helix worker list'")
    return found[0]


__all__ = [
    "CommandFailed", "HelixError", "database", "database_option", "one", "resolve_task",
    "resolve_worker", "rows",
]
