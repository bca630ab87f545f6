"""``helix db migrate``: yoyo migrations, then every file of ``db/functions``, all or nothing.

yoyo reads ``db/migrations`` (ordered by file name and ``-- depends:``) and records what was
applied in its own tables. We run the statements ourselves, one by one, inside a single
transaction that also re-applies ``db/functions/*.sql`` in file-name order, so that:

* a failure anywhere rolls everything back, and the error names the file, the statement's
  number and line, and PostgreSQL's message;
* a second run with nothing new changes nothing: function files are re-applied only when
  one of them differs from what ``helix.function_files`` says was applied last.

A session-level advisory lock, taken before anything else on the connection, keeps two
migrators (and a status reader) from running at once; it goes away with the connection, so
a killed migrator leaves no stale lock behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

import psycopg
import sqlparse
from yoyo import read_migrations
from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend

from .errors import HelixError, from_psycopg, translated
from .paths import sql_root

log = logging.getLogger(__name__)

# Where yoyo keeps the list of applied migrations.
BOOKKEEPING_SCHEMA = "helix_migrations"

# Any constant will do, as long as every migrator uses the same one.
MIGRATION_LOCK_KEY = 0x68656C6978  # "helix"


class MigrationFailed(HelixError):
    """A statement of a migration or function file failed; nothing was applied."""

    def __init__(self, file: Path, number: int, line: int, statement: str,
                 exc: psycopg.Error):
        code_lines = [ln.strip() for ln in statement.splitlines()
                      if ln.strip() and not ln.strip().startswith("--")]
        first_line = code_lines[0][:80] if code_lines else ""
        error = from_psycopg(exc)
        super().__init__(
            f"{file.parent.name}/{file.name}, statement {number} (line {line}: {first_line}) "
            f"failed: {error.message}",
            "nothing was applied; fix the file and run helix db migrate again"
            + (f" ({error.hint})" if error.hint else ""),
            error.sqlstate,
        )
        self.file = file
        self.number = number
        self.line = line


@dataclasses.dataclass
class MigrationResult:
    """What a run of :func:`migrate` did."""

    applied_migrations: list[str]
    applied_function_files: list[str]

    @property
    def changed(self) -> bool:
        """Whether the run changed the database at all."""
        return bool(self.applied_migrations or self.applied_function_files)


@dataclasses.dataclass
class MigrationStatus:
    """What is applied: each migration and function file with its state."""

    migrations: list[tuple[str, str | None]]
    function_files: list[tuple[str, str]]

    @property
    def up_to_date(self) -> bool:
        """Whether migrate would do nothing."""
        return all(a is not None for _, a in self.migrations) and all(
            s == "applied" for _, s in self.function_files)


@dataclasses.dataclass(frozen=True)
class _Target:
    """What yoyo's backend wants to know of its URI: the database name (and a URL for us)."""

    url: str
    database: str


class _Backend(PostgresqlPsycopgBackend):
    """yoyo's PostgreSQL backend on any connection string libpq understands."""

    def connect(self, dburi: _Target) -> psycopg.Connection:  # type: ignore[override]
        return psycopg.connect(dburi.url, autocommit=True, application_name="helix migrate")

    def init_connection(self, connection: psycopg.Connection) -> None:
        # First the lock: CREATE SCHEMA IF NOT EXISTS, and yoyo creating its tables, are not
        # safe against a concurrent migrator doing the same. Session-level and re-entrant:
        # it is held until the connection closes, and taking it again here is harmless.
        connection.execute("select pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        # yoyo's own tables go to a schema of their own, whatever the role's search_path.
        connection.execute(f"create schema if not exists {BOOKKEEPING_SCHEMA}")
        connection.execute(f"set search_path to {BOOKKEEPING_SCHEMA}, public")


def _backend(url: str) -> _Backend:
    with translated():
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as probe:
            database = probe.info.dbname
        backend = _Backend(_Target(url, database), "_yoyo_migration")
        backend.init_database()
    return backend


def split_statements(text: str) -> list[tuple[int, str]]:
    """The statements of a SQL file, each with the line its code starts on (1-based)."""
    result: list[tuple[int, str]] = []
    offset = 0
    for statement in sqlparse.split(text):
        if not sqlparse.format(statement, strip_comments=True).strip():
            continue
        start = text.find(statement, offset)
        if start < 0:
            start = offset
        offset = start + len(statement)
        line = text.count("\n", 0, start) + 1
        for text_line in statement.splitlines():
            if text_line.strip() and not text_line.strip().startswith("--"):
                break
            line += 1
        result.append((line, statement))
    return result


def _run_file(conn: psycopg.Connection, path: Path) -> None:
    text = path.read_text()
    for number, (line, statement) in enumerate(split_statements(text), start=1):
        try:
            conn.execute(statement.encode())
        except psycopg.Error as exc:
            raise MigrationFailed(path, number, line, statement, exc) from exc


def _file_hashes(root: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((root / "functions").glob("*.sql"))
    }


def _applied_function_hashes(conn: psycopg.Connection) -> dict[str, str]:
    exists = conn.execute("select to_regclass('helix.function_files')").fetchone()
    if not exists or exists[0] is None:
        return {}
    return dict(conn.execute("select filename, sha256 from helix.function_files").fetchall())


def migrate(url: str, root: Path | None = None) -> MigrationResult:
    """Apply pending migrations and changed function files in one transaction."""
    root = root or sql_root()
    migrations = read_migrations(str(root / "migrations"))
    backend = _backend(url)
    conn: psycopg.Connection = backend.connection
    try:
        pending = backend.to_apply(migrations)
        wanted = _file_hashes(root)
        backend.begin()
        try:
            for migration in pending:
                log.info("applying migration %s", migration.id)
                _run_file(conn, Path(migration.path))
                backend.mark_one(migration)
            applied_files: list[str] = []
            if pending or _applied_function_hashes(conn) != wanted:
                for name in wanted:
                    log.info("applying functions file %s", name)
                    _run_file(conn, root / "functions" / name)
                    applied_files.append(name)
                conn.execute("delete from helix.function_files")
                with conn.cursor() as cur:
                    cur.executemany(
                        "insert into helix.function_files (filename, sha256) values (%s, %s)",
                        list(wanted.items()),
                    )
            backend.commit()
        except BaseException:
            backend.rollback()
            raise
        return MigrationResult([m.id for m in pending], applied_files)
    except psycopg.Error as exc:
        raise from_psycopg(exc) from exc
    finally:
        conn.close()


def status(url: str, root: Path | None = None) -> MigrationStatus:
    """Which migrations and function files are applied, pending or changed."""
    root = root or sql_root()
    migrations = read_migrations(str(root / "migrations"))
    backend = _backend(url)
    conn: psycopg.Connection = backend.connection
    try:
        applied: dict[str, str] = {}
        if conn.execute("select to_regclass('helix_migrations._yoyo_migration')").fetchone()[0]:
            applied = dict(conn.execute(
                "select migration_id, applied_at_utc::text from _yoyo_migration"
            ).fetchall())
        rows = [(m.id, applied.get(m.id)) for m in migrations]
        have = _applied_function_hashes(conn)
        files = []
        for name, digest in _file_hashes(root).items():
            if name not in have:
                files.append((name, "pending"))
            elif have[name] != digest:
                files.append((name, "changed"))
            else:
                files.append((name, "applied"))
        return MigrationStatus(rows, files)
    except psycopg.Error as exc:
        raise from_psycopg(exc) from exc
    finally:
        conn.close()
