"""``helix worker``: add, list, show, trust, drain, activate, remove, on a real database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
from click.testing import CliRunner, Result
from psycopg.types.json import Jsonb

from helixcode.cli.main import cli
from tests.sshd import SshdWorker


def helix(url: str | None, *args: str, input: str | None = None) -> Result:
    """Run ``helix ARGS`` (with ``--database-url URL`` when given) in-process, piped."""
    extra = ["--database-url", url] if url else []
    return CliRunner().invoke(cli, [*args, *extra], input=input)


def worker_row(conn: psycopg.Connection, hostname: str) -> tuple | None:
    return conn.execute("select ssh_config, capabilities, max_concurrent_tasks, status "
                        "from helix.workers where hostname = %s", (hostname,)).fetchone()


def hold_a_task(conn: psycopg.Connection, worker_hostname: str) -> uuid.UUID:
    """Submit a task and have it assigned to (and started on) the named worker."""
    task_id = conn.execute("select helix.submit_task('shell', %s)",
                           (Jsonb({"command": "sleep 60"}),)).fetchone()[0]
    worker_id = conn.execute("select id from helix.workers where hostname = %s",
                             (worker_hostname,)).fetchone()[0]
    # Only that worker may take it, whatever others are registered.
    rows = conn.execute("select task_id, worker_id, attempt from helix.assign_tasks("
                        "10, p_worker_ids => array[%s]::uuid[])", (worker_id,)).fetchall()
    assert (task_id, worker_id) in [(r[0], r[1]) for r in rows]
    attempt = [r[2] for r in rows if r[0] == task_id][0]
    conn.execute("select helix.start_task(%s, %s)", (task_id, attempt))
    return task_id


def test_add_local__registers_a_local_transport_worker(fresh_db: str,
                                                       conn: psycopg.Connection) -> None:
    result = helix(fresh_db, "worker", "add", "local-1", "--local", "--capability", "linux",
                   "--capability", "docker", "--max-tasks", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("worker local-1 registered (")
    assert worker_row(conn, "local-1") == ({"transport": "local"}, ["docker", "linux"], 3,
                                           "active")
    again = helix(fresh_db, "worker", "add", "local-1", "--local", "--max-tasks", "4")
    assert again.exit_code == 0 and again.stdout.startswith("worker local-1 updated (")
    assert worker_row(conn, "local-1")[2] == 4


def test_add_ssh__stores_how_to_reach_it_and_says_how_to_trust_it(
        fresh_db: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text("not really a key, only a path matters\n")
    result = helix(fresh_db, "worker", "add", "build-01", "--host", "10.1.2.3", "--port",
                   "2222", "--user", "helix", "--identity-file", str(key),
                   "--known-hosts", str(tmp_path / "known_hosts"))
    assert result.exit_code == 0, result.output
    assert worker_row(conn, "build-01")[0] == {"host": "10.1.2.3", "port": 2222,
                                               "user": "helix", "identity_file": str(key),
                                               "transport": "ssh"}
    assert (f"next: trust its host key with 'helix worker trust build-01' "
            f"--known-hosts {tmp_path / 'known_hosts'}") in result.stdout


def test_add__local_with_ssh_options_is_a_usage_error(fresh_db: str,
                                                      conn: psycopg.Connection) -> None:
    result = helix(fresh_db, "worker", "add", "w", "--local", "--host", "10.0.0.1")
    assert result.exit_code == 2
    assert "drop --host" in result.output
    assert conn.execute("select count(*) from helix.workers").fetchone()[0] == 0


def test_add__a_key_instead_of_a_path_is_refused_by_the_database(
        fresh_db: str, conn: psycopg.Connection) -> None:
    result = helix(fresh_db, "worker", "add", "w", "--host", "10.0.0.1", "--identity-file",
                   "-----BEGIN OPENSSH PRIVATE KEY-----")
    assert result.exit_code == 4
    assert result.stderr.startswith("error: [HX005] ")
    assert "hint: " in result.stderr
    assert conn.execute("select count(*) from helix.workers").fetchone()[0] == 0


def test_list_and_show(fresh_db: str, conn: psycopg.Connection) -> None:
    assert helix(fresh_db, "worker", "list").stdout.startswith("no workers")
    helix(fresh_db, "worker", "add", "b", "--local", "--capability", "gpu")
    helix(fresh_db, "worker", "add", "a", "--host", "10.0.0.7", "--user", "ci")
    listed = helix(fresh_db, "worker", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:4] == ["HOSTNAME", "STATUS", "HEALTH", "TASKS"]
    assert [line.split()[0] for line in lines[1:]] == ["a", "b"]
    assert "ci@10.0.0.7" in lines[1] and "local" in lines[2] and "gpu" in lines[2]
    data = json.loads(helix(fresh_db, "worker", "list", "--json").stdout)
    assert [(w["hostname"], w["transport"]) for w in data] == [("a", "ssh"), ("b", "local")]
    only = json.loads(helix(fresh_db, "worker", "list", "--status", "maintenance",
                            "--json").stdout)
    assert only == []

    hold_a_task(conn, "b")
    shown = helix(fresh_db, "worker", "show", "b")
    assert shown.exit_code == 0, shown.output
    assert "status:" in shown.stdout and "tasks:            1 of 10" in shown.stdout
    as_json = json.loads(helix(fresh_db, "worker", "show", "b", "--json").stdout)
    assert as_json["hostname"] == "b" and len(as_json["tasks"]) == 1
    by_id = helix(fresh_db, "worker", "show", as_json["worker_id"][:8])
    assert by_id.exit_code == 0 and "hostname:         b" in by_id.stdout


def test_unknown_worker__exit_3(fresh_db: str) -> None:
    for command in ("show", "drain", "activate", "remove"):
        result = helix(fresh_db, "worker", command, "nowhere")
        assert result.exit_code == 3, (command, result.output)
        assert result.stderr.splitlines()[0] == (
            "error: worker 'nowhere' does not exist (neither a hostname nor an id)")


def test_drain_and_activate(fresh_db: str, conn: psycopg.Connection) -> None:
    helix(fresh_db, "worker", "add", "w", "--local")
    hold_a_task(conn, "w")
    drained = helix(fresh_db, "worker", "drain", "w")
    assert drained.exit_code == 0
    assert drained.stdout.strip() == "worker w draining: 1 task(s) still running, no new ones"
    assert worker_row(conn, "w")[3] == "maintenance"
    conn.execute("select helix.submit_task('shell', '{\"command\": \"true\"}')")
    assert conn.execute("select count(*) from helix.assign_tasks(10)").fetchone()[0] == 0
    assert helix(fresh_db, "worker", "activate", "w").exit_code == 0
    assert worker_row(conn, "w")[3] == "active"


def test_remove__refused_while_it_holds_tasks(fresh_db: str, conn: psycopg.Connection) -> None:
    helix(fresh_db, "worker", "add", "w", "--local")
    task_id = hold_a_task(conn, "w")
    result = helix(fresh_db, "worker", "remove", "w")
    assert result.exit_code == 4
    assert result.stderr.splitlines()[0] == (
        "error: [HX003] worker w holds 1 task(s): it is not removed")
    assert "helix worker drain w" in result.stderr
    assert worker_row(conn, "w")[3] == "active"
    assert conn.execute("select status from helix.distributed_tasks where id = %s",
                        (task_id,)).fetchone()[0] == "running"


def test_remove__force_hands_tasks_back_and_retires_it(fresh_db: str,
                                                       conn: psycopg.Connection) -> None:
    helix(fresh_db, "worker", "add", "w", "--local")
    task_id = hold_a_task(conn, "w")
    result = helix(fresh_db, "worker", "remove", "w", "--force")
    assert result.exit_code == 0, result.output
    assert "retired" in result.stdout and "1 task(s) handed back" in result.stdout
    status, retries, assigned = conn.execute(
        "select status, retry_count, assigned_worker_id from helix.distributed_tasks "
        "where id = %s", (task_id,)).fetchone()
    assert status in ("pending", "waiting_for_worker") and retries == 0 and assigned is None
    assert conn.execute("select count(*) from helix.assign_tasks(10) a "
                        "join helix.workers w on w.id = a.worker_id where w.hostname = 'w'"
                        ).fetchone()[0] == 0


def test_remove__never_used_worker_is_deleted(fresh_db: str, conn: psycopg.Connection) -> None:
    helix(fresh_db, "worker", "add", "w", "--local")
    result = helix(fresh_db, "worker", "remove", "w")
    assert result.exit_code == 0 and result.stdout.strip() == "worker w removed"
    assert worker_row(conn, "w") is None


def _fingerprint(worker: SshdWorker) -> str:
    listed = subprocess.run(["ssh-keygen", "-l", "-f", str(worker.host_key.with_suffix(".pub"))],
                            check=True, capture_output=True, text=True)
    return listed.stdout.split()[1]


def test_trust__shows_the_fingerprint_asks_and_records_the_key(
        sshd_worker: SshdWorker, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    target = f"{sshd_worker.host}:{sshd_worker.port}"
    declined = helix(None, "worker", "trust", target, "--known-hosts", str(known), input="n\n")
    assert declined.exit_code == 4
    assert f"presents ssh-ed25519 {_fingerprint(sshd_worker)}" in declined.stdout
    assert not known.exists()

    accepted = helix(None, "worker", "trust", target, "--known-hosts", str(known), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert known.read_text().strip() == sshd_worker.host_key_line
    assert f"added to {known}" in accepted.stdout

    again = helix(None, "worker", "trust", target, "--known-hosts", str(known), "--yes")
    assert again.exit_code == 0 and "already trusted" in again.stdout
    assert known.read_text().strip() == sshd_worker.host_key_line


def test_trust__a_registered_worker_by_its_name(
        sshd_worker: SshdWorker, fresh_db: str, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    added = helix(fresh_db, "worker", "add", "sshw", "--host", sshd_worker.host, "--port",
                  str(sshd_worker.port), "--known-hosts", str(known))
    assert "helix worker trust sshw" in added.stdout
    result = helix(fresh_db, "worker", "trust", "sshw", "--known-hosts", str(known), "--yes")
    assert result.exit_code == 0, result.output
    assert f"worker sshw is reached at [{sshd_worker.host}]:{sshd_worker.port}" in result.stdout
    assert known.read_text().strip() == sshd_worker.host_key_line
    helix(fresh_db, "worker", "add", "here", "--local")
    local = helix(fresh_db, "worker", "trust", "here", "--known-hosts", str(known))
    assert local.exit_code == 2 and "has no host key to trust" in local.stderr


def test_trust__unexpected_fingerprint_is_refused_and_nothing_written(
        sshd_worker: SshdWorker, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    result = helix(None, "worker", "trust", f"{sshd_worker.host}:{sshd_worker.port}",
                   "--known-hosts", str(known), "--fingerprint", "SHA256:notthisone", "--yes")
    assert result.exit_code == 4
    assert "not the expected SHA256:notthisone" in result.stderr
    assert not known.exists()


def test_trust__unreachable_host_exits_5(tmp_path: Path) -> None:
    result = helix(None, "worker", "trust", "127.0.0.1:1", "--known-hosts",
                   str(tmp_path / "kh"), "--yes", "--timeout", "2")
    assert result.exit_code == 5
    assert result.stderr.startswith("error: cannot connect to 127.0.0.1:1")


def test_trust__malformed_target_is_a_usage_error(tmp_path: Path) -> None:
    result = helix(None, "worker", "trust", "host:port", "--known-hosts", str(tmp_path / "k"))
    assert result.exit_code == 2
    assert "port 'port' in 'host:port' is not a number" in result.output


def test_ssh_worker_by_the_help__add_trust_run_watch(
        sshd_worker: SshdWorker, fresh_db: str, conn: psycopg.Connection,
        tmp_path: Path) -> None:
    """The steps of 'helix worker add --help', then a task on that worker through a runner."""
    known = tmp_path / "known_hosts"
    cluster = sshd_worker.cluster
    added = helix(fresh_db, "worker", "add", "build-01", "--host", sshd_worker.host,
                  "--port", str(sshd_worker.port), "--user", cluster.user,
                  "--identity-file", str(cluster.user_key), "--capability", "linux",
                  "--max-tasks", "2", "--known-hosts", str(known))
    assert added.exit_code == 0, added.output
    trusted = helix(fresh_db, "worker", "trust", "build-01", "--known-hosts", str(known),
                    input="y\n")
    assert trusted.exit_code == 0, trusted.output
    runner = subprocess.Popen(
        [sys.executable, "-c", "from helixcode.cli.main import main; main()", "runner",
         "--name", "help-runner", "--known-hosts", str(known), "--shutdown-grace", "2"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "runner.log").open("wb"),
        env={**os.environ, "HELIX_DATABASE_URL": fresh_db})
    try:
        submitted = helix(fresh_db, "task", "submit", "shell", "--command",
                          "echo \"@@helix/1 result {\\\"host\\\": \\\"$(hostname)\\\"}\"",
                          "--capability", "linux")
        assert submitted.exit_code == 0, submitted.output
        task_id = submitted.stdout.strip()
        watched = helix(fresh_db, "task", "watch", task_id, "--interval", "0.1",
                        "--timeout", "60")
        assert watched.exit_code == 0, watched.output + (tmp_path / "runner.log").read_text()
        assert "on build-01" in watched.stdout
    finally:
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(30) == 0
    row = conn.execute("select w.hostname, t.result_data -> 'result' from "
                       "helix.distributed_tasks t join helix.workers w "
                       "on w.id = t.assigned_worker_id where t.id = %s", (task_id,)).fetchone()
    assert row == ("build-01", {"host": socket.gethostname()})
