"""helix db migrate: all or nothing, idempotent, named failures, and no schema drift."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from helixcode import migrate, schema_dump
from helixcode.cli.main import cli
from helixcode.migrate import MigrationFailed, split_statements

SEED_TABLES = {
    "users", "user_sessions", "workers", "worker_metrics", "distributed_tasks",
    "task_checkpoints", "worker_connectivity_events", "projects", "sessions",
}


def _helix_tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select tablename from pg_tables where schemaname = 'helix'").fetchall()
    return {r[0] for r in rows}


def _copy_sql_dir(sql_dir: Path, tmp_path: Path) -> Path:
    root = tmp_path / "db"
    shutil.copytree(sql_dir, root, ignore=shutil.ignore_patterns("tests"))
    return root


def test_migrate_on_empty_database_creates_every_seed_table(empty_db: str) -> None:
    result = migrate.migrate(empty_db)
    assert result.changed
    assert result.applied_migrations[0] == "0001_schema"
    assert SEED_TABLES <= _helix_tables(empty_db)


def test_migrate_twice_changes_nothing(empty_db: str) -> None:
    migrate.migrate(empty_db)
    before = schema_dump.dump(empty_db)
    second = migrate.migrate(empty_db)
    assert not second.changed
    assert second.applied_migrations == [] and second.applied_function_files == []
    assert schema_dump.dump(empty_db) == before
    assert migrate.status(empty_db).up_to_date


def test_status_lists_pending_work_before_migrate(empty_db: str) -> None:
    state = migrate.status(empty_db)
    assert not state.up_to_date
    assert ("0001_schema", None) in state.migrations
    assert all(s == "pending" for _, s in state.function_files)


def test_broken_migration_is_named_and_leaves_no_trace(empty_db: str, sql_dir: Path,
                                                       tmp_path: Path) -> None:
    root = _copy_sql_dir(sql_dir, tmp_path)
    (root / "migrations" / "9999_broken.sql").write_text(
        "create table helix.half_done (id int);\n\n-- a comment\nselect 1 / 0;\n")
    with pytest.raises(MigrationFailed) as caught:
        migrate.migrate(empty_db, root=root)
    error = caught.value
    assert "9999_broken.sql" in error.message
    assert error.number == 2 and error.line == 4
    assert "division by zero" in error.message
    assert error.sqlstate == "22012"
    # Everything before it in the same run was rolled back too: not even 0001 is there.
    assert _helix_tables(empty_db) == set()
    assert not migrate.status(empty_db).migrations[0][1]


def test_broken_migration_after_good_ones_keeps_the_good_state(empty_db: str, sql_dir: Path,
                                                               tmp_path: Path) -> None:
    migrate.migrate(empty_db)
    before = schema_dump.dump(empty_db)
    root = _copy_sql_dir(sql_dir, tmp_path)
    (root / "migrations" / "9999_broken.sql").write_text(
        "create table helix.half_done (id int);\nalter table helix.nope add column x int;\n")
    with pytest.raises(MigrationFailed, match="9999_broken.sql, statement 2 .line 2"):
        migrate.migrate(empty_db, root=root)
    assert "half_done" not in _helix_tables(empty_db)
    assert schema_dump.dump(empty_db) == before


def test_broken_function_file_rolls_back_the_migrations_of_the_same_run(
        empty_db: str, sql_dir: Path, tmp_path: Path) -> None:
    root = _copy_sql_dir(sql_dir, tmp_path)
    (root / "functions" / "99_broken.sql").write_text(
        "create or replace function helix.broken() returns int\n"
        "language sql as $$ select no_such_column from helix.users $$;\n")
    with pytest.raises(MigrationFailed, match="functions/99_broken.sql, statement 1"):
        migrate.migrate(empty_db, root=root)
    assert _helix_tables(empty_db) == set()


def test_changed_function_file_is_reapplied(empty_db: str, sql_dir: Path,
                                            tmp_path: Path) -> None:
    root = _copy_sql_dir(sql_dir, tmp_path)
    migrate.migrate(empty_db, root=root)
    (root / "functions" / "99_extra.sql").write_text(
        "create or replace function helix.answer() returns int\n"
        "language sql as $$ select 42 $$;\n")
    assert migrate.status(empty_db, root=root).function_files[-1] == ("99_extra.sql", "pending")
    result = migrate.migrate(empty_db, root=root)
    assert result.applied_migrations == []
    assert "99_extra.sql" in result.applied_function_files
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("select helix.answer()").fetchone() == (42,)


def test_concurrent_migrations_apply_once(empty_db: str) -> None:
    errors: list[BaseException] = []
    results: list[migrate.MigrationResult] = []

    start = threading.Barrier(6)

    def run() -> None:
        try:
            start.wait()
            results.append(migrate.migrate(empty_db))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(1 for r in results if r.applied_migrations) == 1
    with psycopg.connect(empty_db) as conn:
        count = conn.execute(
            "select count(*) from helix_migrations._yoyo_migration").fetchone()
    assert count is not None and count[0] == len(migrate.status(empty_db).migrations)


def test_committed_schema_matches_the_migrations(template_url: str, sql_dir: Path) -> None:
    committed = schema_dump.committed(sql_dir)
    assert committed, "db/schema.sql is missing: helix db schema > db/schema.sql"
    actual = schema_dump.dump(template_url)
    if actual != committed:
        import difflib

        diff = "".join(difflib.unified_diff(
            committed.splitlines(keepends=True), actual.splitlines(keepends=True),
            "db/schema.sql (committed)", "migrated database", n=1))
        pytest.fail("db/schema.sql drifted from the migrations; regenerate it with "
                    f"'helix db schema > db/schema.sql':\n{diff[:6000]}")


def test_schema_dump_leaves_out_function_bodies(template_url: str) -> None:
    text = schema_dump.dump(template_url)
    assert "CREATE TABLE helix.distributed_tasks" in text
    assert "CREATE FUNCTION" not in text
    assert "SET statement_timeout" not in text


def test_split_statements_handles_dollar_quotes_and_reports_lines() -> None:
    text = ("-- header\n\ncreate table t (a int);\n"
            "create function f() returns int language plpgsql as $$\n"
            "begin\n  return 1; -- not the end\nend\n$$;\n\n-- trailing comment\n")
    statements = split_statements(text)
    assert [line for line, _ in statements] == [3, 4]
    assert statements[1][1].rstrip().endswith("$$;")


def test_cli_migrate_and_status(empty_db: str) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["db", "migrate", "--database-url", empty_db])
    assert first.exit_code == 0, first.output
    assert "applied migration 0001_schema" in first.output
    second = runner.invoke(cli, ["db", "migrate", "--database-url", empty_db])
    assert second.exit_code == 0
    assert "nothing applied" in second.output
    status = runner.invoke(cli, ["db", "status", "--json", "--database-url", empty_db])
    assert status.exit_code == 0
    assert '"up_to_date": true' in status.output


def test_cli_migrate_unreachable_database_is_one_readable_line() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "migrate", "--database-url",
                                 "postgresql://nobody:secret@127.0.0.1:1/none"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "error:" in result.output
    assert "secret" not in result.output
