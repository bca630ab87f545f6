"""``helix task``: submit, list, show, control and watch, against a real database."""

from __future__ import annotations

import json
import threading
import time
import uuid

import psycopg
from click.testing import CliRunner, Result
from psycopg.types.json import Jsonb

from helixcode.cli.main import cli


def helix(url: str, *args: str) -> Result:
    """Run ``helix ARGS --database-url URL`` in-process, as a pipe sees it (no terminal)."""
    return CliRunner().invoke(cli, [*args, "--database-url", url])


def task_count(conn: psycopg.Connection) -> int:
    return conn.execute("select count(*) from helix.distributed_tasks").fetchone()[0]


def submit(url: str, *args: str) -> uuid.UUID:
    result = helix(url, "task", "submit", *args)
    assert result.exit_code == 0, result.output
    return uuid.UUID(result.stdout.strip())


def local_worker(conn: psycopg.Connection, name: str = "w1") -> uuid.UUID:
    return conn.execute(
        "select helix.register_worker(p_hostname => %s, p_ssh_config => %s)",
        (name, Jsonb({"transport": "local"})),
    ).fetchone()[0]


def run_to_running(conn: psycopg.Connection, task_id: uuid.UUID) -> int:
    """Assign and start ``task_id`` the way a runner would; return its attempt."""
    rows = conn.execute("select task_id, attempt from helix.assign_tasks(p_limit => 10)"
                        ).fetchall()
    attempt = dict(rows)[task_id]
    conn.execute("select helix.start_task(%s, %s)", (task_id, attempt))
    return attempt


def test_submit__command_makes_a_shell_task_and_prints_only_its_id(
        fresh_db: str, conn: psycopg.Connection) -> None:
    task_id = submit(fresh_db, "shell", "--command", "make test", "--env", "CC=clang",
                     "--timeout", "60", "--priority", "8", "--criticality", "high",
                     "--capability", "linux", "--max-retries", "1")
    row = conn.execute("select task_type, task_data, priority, criticality, "
                       "required_capabilities, max_retries, status "
                       "from helix.distributed_tasks where id = %s", (task_id,)).fetchone()
    assert row == ("shell", {"command": "make test", "env": {"CC": "clang"}, "timeout": 60.0},
                   8, "high", ["linux"], 1, "pending")


def test_submit__depends_on_a_prefix_and_json_output(fresh_db: str,
                                                     conn: psycopg.Connection) -> None:
    first = submit(fresh_db, "build", "--data", '{"target": "all"}')
    result = helix(fresh_db, "task", "submit", "test", "--data", "{}", "--depends-on",
                   str(first)[:8], "--json")
    assert result.exit_code == 0, result.output
    second = json.loads(result.stdout)
    assert second["status"] == "pending"
    deps, pending = conn.execute(
        "select dependencies, pending_dependencies from helix.distributed_tasks "
        "where id = %s", (second["id"],)).fetchone()
    assert deps == [first] and pending == 1


def test_submit__bad_json_is_a_usage_error_naming_the_value(
        fresh_db: str, conn: psycopg.Connection) -> None:
    result = helix(fresh_db, "task", "submit", "build", "--data", "{target: all}")
    assert result.exit_code == 2
    assert "'{target: all}' is not valid JSON" in result.output
    assert "--data" in result.output
    not_object = helix(fresh_db, "task", "submit", "build", "--data", "[1, 2]")
    assert not_object.exit_code == 2
    assert "'[1, 2]' must be a JSON object" in not_object.output
    assert task_count(conn) == 0


def test_submit__data_and_command_together_are_refused(fresh_db: str,
                                                       conn: psycopg.Connection) -> None:
    result = helix(fresh_db, "task", "submit", "shell", "--data", "{}", "--command", "ls")
    assert result.exit_code == 2
    assert "either --data or --command" in result.output
    other_type = helix(fresh_db, "task", "submit", "build", "--command", "ls")
    assert other_type.exit_code == 2 and "not a 'build' task" in other_type.output
    assert task_count(conn) == 0


def test_submit__database_refusal_is_one_line_with_its_hint_and_exit_4(
        fresh_db: str, conn: psycopg.Connection) -> None:
    result = helix(fresh_db, "task", "submit", "shell", "--command", "ls", "--priority", "42")
    assert result.exit_code == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: [HX001] ") and "42" in lines[0]
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in result.output
    assert task_count(conn) == 0


def test_unknown_task__exit_3_with_one_line(fresh_db: str) -> None:
    missing = uuid.uuid4()
    for command in ("show", "cancel", "pause", "resume", "retry", "watch"):
        result = helix(fresh_db, "task", command, str(missing))
        assert result.exit_code == 3, (command, result.output)
        assert result.stderr.splitlines()[0] == f"error: task {missing} does not exist"
    prefix = helix(fresh_db, "task", "show", "abcdef12")
    assert prefix.exit_code == 3
    assert "no task id starts with 'abcdef12'" in prefix.stderr


def test_task_id_that_is_not_hex__usage_error(fresh_db: str) -> None:
    result = helix(fresh_db, "task", "show", "zz")
    assert result.exit_code == 2
    assert "'zz' is not a task id" in result.output


def test_list__filters_and_json(fresh_db: str, conn: psycopg.Connection) -> None:
    a = submit(fresh_db, "shell", "--command", "true")
    b = submit(fresh_db, "lint", "--data", "{}")
    conn.execute("select helix.cancel_task(%s, 'not needed')", (b,))
    plain = helix(fresh_db, "task", "list")
    assert plain.exit_code == 0
    lines = plain.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "TYPE", "STATUS"]
    assert {line.split()[0] for line in lines[1:]} == {str(a), str(b)}
    cancelled = helix(fresh_db, "task", "list", "--status", "cancelled", "--json")
    assert cancelled.exit_code == 0
    data = json.loads(cancelled.stdout)
    assert [(d["id"], d["status"], d["error_message"]) for d in data] == [
        (str(b), "cancelled", "cancelled: not needed")]
    by_type = helix(fresh_db, "task", "list", "--type", "shell", "--json")
    assert [d["id"] for d in json.loads(by_type.stdout)] == [str(a)]
    bad = helix(fresh_db, "task", "list", "--status", "finished")
    assert bad.exit_code == 2 and "'finished' is not one of" in bad.output


def test_show__state_dependencies_and_checkpoint_history(fresh_db: str,
                                                         conn: psycopg.Connection) -> None:
    worker_id = local_worker(conn)
    first = submit(fresh_db, "shell", "--command", "make")
    second = submit(fresh_db, "shell", "--command", "make test", "--depends-on", str(first))
    attempt = run_to_running(conn, first)
    for n in (1, 2):
        conn.execute("select helix.save_checkpoint(%s, %s, %s, %s)",
                     (first, attempt, f"step-{n}", Jsonb({"next": n})))
    conn.execute("select helix.report_progress(%s, %s, 0.5::real, 'halfway')",
                 (first, attempt))
    shown = helix(fresh_db, "task", "show", str(first)[:6])
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert "id:" in text and str(first) in text
    assert "status:       running" in text
    assert "worker:       w1" in text
    assert "progress:     50% halfway" in text
    assert "needed by:" in text and str(second) in text
    checkpoint_lines = [line for line in text.splitlines() if "step-" in line]
    assert [line.split()[2] for line in checkpoint_lines] == ["step-1", "step-2"]
    as_json = json.loads(helix(fresh_db, "task", "show", str(first), "--json").stdout)
    assert [c["name"] for c in as_json["checkpoints"]] == ["step-1", "step-2"]
    assert as_json["checkpoints"][1]["data"] == {"next": 2}
    assert as_json["dependents"][0]["id"] == str(second)
    assert worker_id  # the worker the checkpoints name


def test_cancel_pause_resume_retry__change_status(fresh_db: str,
                                                  conn: psycopg.Connection) -> None:
    task_id = submit(fresh_db, "shell", "--command", "sleep 1")

    def status() -> str:
        return conn.execute("select status from helix.distributed_tasks where id = %s",
                            (task_id,)).fetchone()[0]

    paused = helix(fresh_db, "task", "pause", str(task_id))
    assert paused.exit_code == 0 and "(status: paused)" in paused.stdout
    assert status() == "paused"
    assert helix(fresh_db, "task", "resume", str(task_id)).exit_code == 0
    assert status() == "pending"
    cancelled = helix(fresh_db, "task", "cancel", str(task_id), "--reason", "superseded")
    assert cancelled.exit_code == 0 and status() == "cancelled"
    assert conn.execute("select error_message from helix.distributed_tasks where id = %s",
                        (task_id,)).fetchone()[0] == "cancelled: superseded"
    retried = helix(fresh_db, "task", "retry", str(task_id))
    assert retried.exit_code == 0 and status() == "pending"


def test_retry_with_dependents__brings_back_the_failed_chain(
        fresh_db: str, conn: psycopg.Connection) -> None:
    local_worker(conn)
    build = submit(fresh_db, "shell", "--command", "make", "--max-retries", "0")
    tests = submit(fresh_db, "shell", "--command", "make test", "--depends-on", str(build))
    deploy = submit(fresh_db, "shell", "--command", "deploy", "--depends-on", str(tests))
    other = submit(fresh_db, "shell", "--command", "unrelated")
    conn.execute("select helix.cancel_task(%s)", (other,))
    attempt = run_to_running(conn, build)
    conn.execute("select helix.fail_task(%s, %s, 'boom', false)", (build, attempt))

    def statuses() -> list[str]:
        return [conn.execute("select status from helix.distributed_tasks where id = %s",
                             (t,)).fetchone()[0] for t in (build, tests, deploy, other)]

    assert statuses() == ["failed", "failed", "failed", "cancelled"]
    result = helix(fresh_db, "task", "retry", str(build), "--with-dependents")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("queued again, with 2 dependent task(s)")
    assert statuses() == ["pending", "pending", "pending", "cancelled"]


def test_control__invalid_transition_is_refused_with_exit_4(
        fresh_db: str, conn: psycopg.Connection) -> None:
    task_id = submit(fresh_db, "shell", "--command", "true")
    result = helix(fresh_db, "task", "resume", str(task_id))
    assert result.exit_code == 4
    assert result.stderr.startswith("error: [HX003] ")
    assert "hint: " in result.stderr
    assert conn.execute("select status from helix.distributed_tasks where id = %s",
                        (task_id,)).fetchone()[0] == "pending"


def _finish_later(url: str, task_id: uuid.UUID, how: str) -> threading.Thread:
    """In another thread and connection: run the task and end it as ``how`` says."""

    def act() -> None:
        with psycopg.connect(url, autocommit=True) as other:
            local_worker(other)
            time.sleep(0.3)
            attempt = run_to_running(other, task_id)
            other.execute("select helix.report_progress(%s, %s, 0.4::real, 'compiling')",
                          (task_id, attempt))
            time.sleep(0.3)
            if how == "complete":
                other.execute("select helix.complete_task(%s, %s, %s)",
                              (task_id, attempt, Jsonb({"ok": True})))
            else:
                other.execute("select helix.fail_task(%s, %s, 'compiler crashed', false)",
                              (task_id, attempt))

    thread = threading.Thread(target=act)
    thread.start()
    return thread


def test_watch__follows_to_completion_and_exits_0(fresh_db: str) -> None:
    task_id = submit(fresh_db, "shell", "--command", "make")
    thread = _finish_later(fresh_db, task_id, "complete")
    result = helix(fresh_db, "task", "watch", str(task_id), "--interval", "0.05",
                   "--timeout", "30")
    thread.join()
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    states = [line.split()[1] for line in lines[:-1]]
    assert states[0] == "pending" and states[-1] == "completed"
    assert "running" in states
    assert any("40%  compiling" in line for line in lines)
    assert lines[-1] == f"task {task_id} completed"


def test_watch__failed_task_exits_1_with_its_error(fresh_db: str) -> None:
    task_id = submit(fresh_db, "shell", "--command", "make")
    thread = _finish_later(fresh_db, task_id, "fail")
    result = helix(fresh_db, "task", "watch", str(task_id), "--interval", "0.05",
                   "--timeout", "30")
    thread.join()
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == f"task {task_id} failed: compiler crashed"


def test_watch__json_lines_for_scripts(fresh_db: str) -> None:
    task_id = submit(fresh_db, "shell", "--command", "make")
    thread = _finish_later(fresh_db, task_id, "complete")
    result = helix(fresh_db, "task", "watch", str(task_id), "--interval", "0.05",
                   "--timeout", "30", "--json")
    thread.join()
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert {e["id"] for e in events} == {str(task_id)}
    assert events[0]["status"] == "pending" and events[-1]["status"] == "completed"
    assert {"worker": "w1", "progress": 0.4, "message": "compiling"}.items() <= next(
        e for e in events if e["message"]).items()


def test_watch__timeout_exits_1(fresh_db: str) -> None:
    task_id = submit(fresh_db, "shell", "--command", "make")
    result = helix(fresh_db, "task", "watch", str(task_id), "--interval", "0.05",
                   "--timeout", "0.3")
    assert result.exit_code == 1
    assert "still pending" in result.stdout

