"""``helix demo --quick`` end to end: a real runner process, local workers, the pipeline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from helixcode import demo as pipeline
from helixcode.cli.main import cli


def test_demo_quick__runs_the_pipeline_and_leaves_no_runner(
        fresh_db: str, conn: psycopg.Connection, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path.chmod(0o755)
    monkeypatch.setenv("HELIX_STATE_DIR", str(tmp_path))
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["demo", "--quick", "--database-url", fresh_db,
                                      "--timeout", "120"])
    wall = time.monotonic() - started
    assert result.exit_code == 0, result.output + (tmp_path / "demo-runner.log").read_text()
    out = result.stdout
    assert "pipeline completed in" in out
    summary = out.split("what ran where:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in summary[1:]] == [s.name for s in pipeline.PIPELINE]
    assert all(line.split()[2] == "completed" for line in summary[1:])
    assert "Next, try:" in out and "helix status" in out and "helix runner" in out

    assert conn.execute("select count(*) from helix.distributed_tasks").fetchone()[0] == len(
        pipeline.PIPELINE)
    by_name = {s.name: conn.execute(
        "select id, status, retry_count, result_data->'result', assigned_worker_id "
        "from helix.distributed_tasks where task_data->>'command' = %s",
        (s.command.strip(),)).fetchone() for s in pipeline.PIPELINE}
    assert {row[1] for row in by_name.values()} == {"completed"}
    # The flaky step failed once and passed on its retry; the others ran once.
    assert by_name["integration"][2] == 1
    assert sum(row[2] for row in by_name.values()) == 1
    # The index step saved a checkpoint per chunk.
    index_id = by_name["index-symbols"][0]
    assert conn.execute("select count(*) from helix.task_checkpoints where task_id = %s",
                        (index_id,)).fetchone()[0] == 8
    assert by_name["index-symbols"][3] == {"chunks": 8, "resumed_from": 0}
    # Its progress lines reached the database as it ran.
    assert conn.execute("select progress_message from helix.distributed_tasks where id = %s",
                        (index_id,)).fetchone()[0] == "indexed chunk 8 of 8"
    assert by_name["package"][3]["artefact"] == "dist/app.tar.gz"
    # Capabilities routed the steps: only demo-local-3 can package, only -1 can check out.
    hostnames = dict(conn.execute("select id, hostname from helix.workers").fetchall())
    assert hostnames[by_name["package"][4]] == "demo-local-3"
    assert hostnames[by_name["checkout"][4]] == "demo-local-1"

    # The runner stopped cleanly and its process is gone.
    runner = conn.execute("select status, pid from helix.runners where name = 'demo-runner'"
                          ).fetchall()
    assert [r[0] for r in runner] == ["stopped"]
    with pytest.raises(ProcessLookupError):
        os.kill(runner[0][1], 0)
    # The retry delay the demo shortened is back.
    assert conn.execute("select value #>> '{}' from helix.settings "
                        "where key = 'retry_base_delay'").fetchone()[0] == "5 seconds"
    assert wall < 60, f"the quick demo took {wall:.1f}s"


def test_demo_interrupted__stops_its_runner_and_cancels_what_is_left(
        fresh_db: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    demo = subprocess.Popen(
        [sys.executable, "-c", "from helixcode.cli.main import main; main()", "demo",
         "--database-url", fresh_db],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "HELIX_STATE_DIR": str(tmp_path)})
    try:
        deadline = time.monotonic() + 60
        while not conn.execute("select exists (select from helix.distributed_tasks "
                               "where status = 'running')").fetchone()[0]:
            assert time.monotonic() < deadline, "no demo step started running"
            time.sleep(0.05)
        demo.send_signal(signal.SIGTERM)
        output, _ = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode != 0
    assert "the demo's unfinished tasks are cancelled" in output
    assert "Traceback" not in output
    runner = conn.execute("select status, pid from helix.runners").fetchall()
    assert [r[0] for r in runner] == ["stopped"]
    with pytest.raises(ProcessLookupError):
        os.kill(runner[0][1], 0)
    statuses = dict(conn.execute("select status, count(*) from helix.distributed_tasks "
                                 "group by status").fetchall())
    assert set(statuses) <= {"completed", "cancelled"} and statuses.get("cancelled", 0) >= 1
    assert conn.execute("select value #>> '{}' from helix.settings "
                        "where key = 'retry_base_delay'").fetchone()[0] == "5 seconds"
