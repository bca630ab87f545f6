"""helix db start / url / stop: the private cluster a single machine runs on."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from helixcode.cli.main import cli
from helixcode.embedded import Cluster, server_user


@pytest.fixture
def state_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="helix-state-"))
    os.chmod(base, 0o755)  # the unprivileged server user must enter it when we are root
    monkeypatch.setenv("HELIX_STATE_DIR", str(base))
    monkeypatch.delenv("HELIX_DATABASE_URL", raising=False)
    try:
        yield base
    finally:
        Cluster(base / "postgres").destroy()
        if base.exists():
            import shutil

            shutil.rmtree(base, ignore_errors=True)


def test_start_url_stop_restart_keeps_data(state_dir: Path) -> None:
    runner = CliRunner()
    started = runner.invoke(cli, ["db", "start"])
    assert started.exit_code == 0, started.output
    assert "private PostgreSQL running" in started.output
    assert "applied migration 0001_schema" in started.output
    assert ":***@127.0.0.1:" in started.output  # the password is not shown

    url = runner.invoke(cli, ["db", "url"]).output.strip()
    assert url.startswith("postgresql://helix:") and "@127.0.0.1:" in url
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select count(*) from helix.settings").fetchone()[0] > 0
        assert conn.execute("show listen_addresses").fetchone() == ("127.0.0.1",)
        conn.execute("create table public.kept (x int)")

    # The password is required: the same URL without it is refused.
    no_password = url.split("://", 1)[0] + "://helix@" + url.split("@", 1)[1]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(no_password, connect_timeout=5).close()

    state_file = state_dir / "postgres" / "cluster.json"
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600

    assert "stopped" in runner.invoke(cli, ["db", "stop"]).output
    assert "was not running" in runner.invoke(cli, ["db", "stop"]).output
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3).close()

    again = runner.invoke(cli, ["db", "start"])
    assert again.exit_code == 0, again.output
    assert "nothing applied" in again.output
    with psycopg.connect(runner.invoke(cli, ["db", "url"]).output.strip()) as conn:
        assert conn.execute("select to_regclass('public.kept')").fetchone() == ("kept",)


def test_commands_without_a_database_say_how_to_get_one(state_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "migrate"])
    assert result.exit_code == 6
    assert "no database given and no private cluster exists" in result.output
    assert "helix db start" in result.output


def test_missing_server_binaries_are_named(state_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELIX_PG_BINDIR", "/nonexistent/bin")
    result = CliRunner().invoke(cli, ["db", "start"])
    assert result.exit_code != 0
    assert "HELIX_PG_BINDIR=/nonexistent/bin holds no initdb" in result.output
    assert "apt-get install postgresql" in result.output


@pytest.mark.skipif(server_user() is None, reason="only root hands the server to another user")
def test_root_refuses_a_state_dir_the_server_user_cannot_enter(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    with pytest.raises(Exception, match="cannot enter"):
        Cluster(private / "postgres").init()
