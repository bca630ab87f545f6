"""``helix task``: submit work, look at it, control it, follow it to its end."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from typing import Any

import click
import psycopg
from psycopg.types.json import Jsonb

from ..errors import translated
from .common import database, database_option, one, resolve_task, rows
from .errors import HelixGroup
from .output import (
    Column,
    ago,
    duration,
    echo_json,
    heading,
    is_terminal,
    json_option,
    out,
    print_fields,
    print_table,
    text,
    to_json,
)

log = logging.getLogger(__name__)

STATUSES = ("pending", "assigned", "running", "completed", "failed", "paused",
            "waiting_for_worker", "cancelled")
FINISHED = ("completed", "failed", "cancelled")
CRITICALITIES = ("low", "normal", "high", "critical")

# What the list and show commands read: the task with its worker's hostname.
_TASK_QUERY = """
select t.id, t.task_type, t.status, t.priority, t.criticality, t.attempt, t.retry_count,
       t.max_retries, t.progress, t.progress_message, t.required_capabilities,
       t.dependencies, t.pending_dependencies, t.run_after, t.created_at, t.updated_at,
       t.started_at, t.completed_at, t.assigned_at, t.waiting_since, t.error_message,
       t.estimated_duration, t.session_id, t.runner_id, t.task_data, t.result_data,
       t.checkpoint_data,
       w.hostname as worker, ow.hostname as original_worker
from helix.distributed_tasks t
left join helix.workers w on w.id = t.assigned_worker_id
left join helix.workers ow on ow.id = t.original_worker_id
"""


@click.group(cls=HelixGroup)
def task() -> None:
    """Tasks: submit them, list them, control them, follow one to its end.

    Tasks are named by their uuid or by a unique prefix of it (at least 4 characters).

    \b
    Examples:
      helix task submit shell --command 'make -j8 test' --capability linux
      helix task list --status running
      helix task watch 3f2a9c1e
    """


def _json_object(value: str | None, option: str) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        data = json.loads(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not valid JSON: {exc}",
                                 param_hint=option) from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{value!r} must be a JSON object, like '{{\"key\": 1}}'",
                                 param_hint=option)
    return data


def _env_pairs(values: tuple[str, ...]) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} must be NAME=VALUE", param_hint="--env")
        env[name] = value
    return env


@task.command()
@click.argument("task_type")
@click.option("--data", "data_json", metavar="JSON",
              help="The task's task_data, a JSON object.")
@click.option("--command", "shell_command", metavar="CMD",
              help="For a shell task: the command, run by /bin/sh -c on the worker.")
@click.option("--env", "env_items", multiple=True, metavar="NAME=VALUE",
              help="For --command: an environment variable (repeatable).")
@click.option("--cwd", help="For --command: the working directory on the worker.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="For --command: stop the command after this many seconds.")
@click.option("--priority", type=int, help="0 to 10, higher first [default: 5].")
@click.option("--criticality", type=click.Choice(CRITICALITIES),
              help="Assignment order before priority; also how long work waits for its "
                   "vanished worker [default: normal].")
@click.option("--depends-on", "depends_on", multiple=True, metavar="TASK",
              help="A task that must complete first (repeatable).")
@click.option("--capability", "capabilities", multiple=True, metavar="NAME",
              help="A capability the worker must have (repeatable).")
@click.option("--max-retries", type=int, help="Retries after a failure [default: 3].")
@click.option("--estimated-duration", metavar="INTERVAL",
              help="How long it should take, as a PostgreSQL interval ('5 minutes').")
@json_option
@database_option
def submit(task_type: str, data_json: str | None, shell_command: str | None,
           env_items: tuple[str, ...], cwd: str | None, timeout: float | None,
           priority: int | None, criticality: str | None, depends_on: tuple[str, ...],
           capabilities: tuple[str, ...], max_retries: int | None,
           estimated_duration: str | None, as_json: bool, database_url: str | None) -> None:
    """Submit a task of TASK_TYPE; print its id.

    Give its data with --data (any type), or, for a shell task, with --command (and
    --env, --cwd, --timeout). Piped, only the id is printed, so a script can keep it.

    \b
    Examples:
      helix task submit shell --command 'git clone https://example.com/app.git /tmp/app'
      build=$(helix task submit shell --command 'make -C /tmp/app' --capability linux)
      helix task submit shell --command 'make -C /tmp/app test' --depends-on "$build"
      helix task submit refactor --data '{"repo": "app", "rename": ["foo", "bar"]}'
    """
    data = _json_object(data_json, "--data")
    shell_keys = shell_command is not None or env_items or cwd is not None or timeout
    if shell_keys:
        if data is not None:
            raise click.UsageError("give either --data or --command (with --env, --cwd, "
                                   "--timeout), not both")
        if shell_command is None:
            raise click.UsageError("--env, --cwd and --timeout go with --command")
        if task_type != "shell":
            raise click.UsageError(f"--command makes a shell task, not a {task_type!r} task; "
                                   f"use --data for {task_type!r}")
        data = {"command": shell_command}
        if env_items:
            data["env"] = _env_pairs(env_items)
        if cwd is not None:
            data["cwd"] = cwd
        if timeout is not None:
            data["timeout"] = timeout
    if data is None:
        raise click.UsageError("give the task's data with --data JSON (or --command CMD for "
                               "a shell task)")
    with database(database_url) as conn:
        dependencies = [resolve_task(conn, d) for d in depends_on]
        args: dict[str, Any] = {"p_task_type": task_type, "p_task_data": Jsonb(data)}
        optional = {
            "p_priority": priority,
            "p_criticality": criticality,
            "p_dependencies": dependencies or None,
            "p_max_retries": max_retries,
            "p_required_capabilities": list(capabilities) or None,
            "p_estimated_duration": estimated_duration,
        }
        args.update({k: v for k, v in optional.items() if v is not None})
        casts = {"p_estimated_duration": "::interval", "p_dependencies": "::uuid[]",
                 "p_required_capabilities": "::text[]"}
        call = ", ".join(f"{k} => %({k})s{casts.get(k, '')}" for k in args)
        row = one(conn, f"select helix.submit_task({call}) as id", args)
        assert row is not None
        task_id = row["id"]
        status = one(conn, "select status, pending_dependencies from helix.distributed_tasks "
                           "where id = %s", (task_id,))
    log.info("submitted task %s of type %s", task_id, task_type)
    if as_json:
        echo_json({"id": task_id, "status": status["status"] if status else None})
    elif is_terminal():
        waiting = status and status["pending_dependencies"]
        extra = f", waiting for {waiting} dependencies" if waiting else ""
        out(f"submitted task {task_id} ({status['status'] if status else '?'}{extra})",
            "green")
        out(f"follow it with: helix task watch {str(task_id)[:8]}", "dim")
    else:
        click.echo(str(task_id))


def _progress_cell(row: dict[str, Any]) -> str:
    if row.get("progress") is None:
        return "-"
    return f"{round(float(row['progress']) * 100)}%"


@task.command(name="list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only tasks in this status (repeatable).")
@click.option("--type", "task_type", metavar="TYPE", help="Only tasks of this type.")
@click.option("--worker", metavar="WORKER", help="Only tasks assigned to this worker.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True,
              help="At most this many tasks, newest first.")
@json_option
@database_option
def list_tasks(statuses: tuple[str, ...], task_type: str | None, worker: str | None,
               limit: int, as_json: bool, database_url: str | None) -> None:
    """List tasks, newest first.

    \b
    Examples:
      helix task list
      helix task list --status running --status assigned
      helix task list --status failed --json | jq -r '.[].id'
    """
    where, params = [], []
    if statuses:
        where.append("t.status = any(%s)")
        params.append(list(statuses))
    if task_type:
        where.append("t.task_type = %s")
        params.append(task_type)
    if worker:
        where.append("w.hostname = %s")
        params.append(worker)
    query = _TASK_QUERY + (" where " + " and ".join(where) if where else "")
    query += " order by t.created_at desc, t.id limit %s"
    params.append(limit)
    with database(database_url) as conn:
        found = rows(conn, query, params)
    if as_json:
        echo_json([_task_json(r) for r in found])
        return
    now = dt.datetime.now(dt.timezone.utc)
    for r in found:
        r["short_id"] = str(r["id"])[:8] if is_terminal() else str(r["id"])
        r["progress_cell"] = _progress_cell(r)
        r["updated"] = ago(r["updated_at"], now)
        r["tries"] = f"{r['retry_count']}/{r['max_retries']}"
    print_table(
        [Column("id", "short_id", min_width=8), Column("type", "task_type"),
         Column("status", "status", colour=True), Column("crit", "criticality"),
         Column("prio", "priority"), Column("worker", "worker"),
         Column("retries", "tries"), Column("progress", "progress_cell"),
         Column("updated", "updated")],
        found, empty="no tasks",
    )


def _task_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items()
            if k not in ("short_id", "progress_cell", "updated", "tries")}


def _checkpoints(conn: psycopg.Connection, task_id: uuid.UUID) -> list[dict[str, Any]]:
    return rows(conn, """
        select c.id, c.checkpoint_name as name, c.checkpoint_data as data,
               w.hostname as worker, c.created_at
        from helix.task_checkpoints c left join helix.workers w on w.id = c.worker_id
        where c.task_id = %s order by c.created_at, c.id""", (task_id,))


@task.command()
@click.argument("task_ref", metavar="TASK")
@json_option
@database_option
def show(task_ref: str, as_json: bool, database_url: str | None) -> None:
    """Show one task: its state, data, result or error, dependencies and checkpoints.

    \b
    Examples:
      helix task show 3f2a9c1e
      helix task show 3f2a9c1e --json | jq .checkpoints
    """
    with database(database_url) as conn:
        task_id = resolve_task(conn, task_ref)
        row = one(conn, _TASK_QUERY + " where t.id = %s", (task_id,))
        assert row is not None
        deps = rows(conn, "select id, task_type, status from helix.distributed_tasks "
                          "where id = any(%s) order by created_at",
                    (list(row["dependencies"] or []),))
        dependents = rows(conn, "select id, task_type, status from helix.distributed_tasks "
                                "where %s = any(dependencies) order by created_at",
                          (task_id,))
        checkpoints = _checkpoints(conn, task_id)
    if as_json:
        echo_json({**row, "dependencies": deps, "dependents": dependents,
                   "checkpoints": checkpoints})
        return
    fields: list[tuple[str, Any]] = [
        ("id", row["id"]), ("type", row["task_type"]), ("status", row["status"]),
        ("criticality", row["criticality"]), ("priority", row["priority"]),
        ("worker", row["worker"]),
    ]
    if row["original_worker"] and row["original_worker"] != row["worker"]:
        fields.append(("original worker", row["original_worker"]))
    fields += [
        ("attempt", row["attempt"]),
        ("retries", f"{row['retry_count']} of {row['max_retries']}"),
        ("capabilities", row["required_capabilities"]),
        ("progress", f"{_progress_cell(row)} {row['progress_message'] or ''}".strip()),
        ("created", row["created_at"]), ("started", row["started_at"]),
        ("finished", row["completed_at"]),
    ]
    if row["started_at"] and row["completed_at"]:
        fields.append(("ran for", duration(row["completed_at"] - row["started_at"])))
    if row["status"] == "pending" and row["run_after"] > dt.datetime.now(dt.timezone.utc):
        fields.append(("next try", ago(row["run_after"])))
    if row["waiting_since"]:
        fields.append(("waiting since", row["waiting_since"]))
    fields += [("data", row["task_data"]), ("result", row["result_data"]),
               ("error", row["error_message"])]
    print_fields(fields)
    if deps:
        heading("depends on")
        print_table([Column("id", "id"), Column("type", "task_type"),
                     Column("status", "status", colour=True)], deps)
    if dependents:
        heading("needed by")
        print_table([Column("id", "id"), Column("type", "task_type"),
                     Column("status", "status", colour=True)], dependents)
    heading("checkpoints")
    print_table([Column("at", "created_at"), Column("name", "name"), Column("worker", "worker"),
                 Column("data", "data", wrap=True)], checkpoints, empty="none saved")


def _control(task_ref: str, database_url: str | None, call: str, done: str,
             extra: dict[str, Any] | None = None) -> None:
    with database(database_url) as conn:
        task_id = resolve_task(conn, task_ref)
        params = {"p_task_id": task_id, **(extra or {})}
        args = ", ".join(f"{k} => %({k})s" for k in params)
        rows(conn, f"select helix.{call}({args})", params)
        row = one(conn, "select status from helix.distributed_tasks where id = %s", (task_id,))
    status = row["status"] if row else "?"
    log.info("task %s: %s, now %s", task_id, call, status)
    out(f"task {task_id} {done} (status: {status})", "green")


@task.command()
@click.argument("task_ref", metavar="TASK")
@click.option("--reason", help="Why, kept as the task's error message.")
@database_option
def cancel(task_ref: str, reason: str | None, database_url: str | None) -> None:
    """Cancel a task; a running one is stopped by its runner. Its dependents are cancelled.

    \b
    Example:
      helix task cancel 3f2a9c1e --reason 'superseded by a newer commit'
    """
    _control(task_ref, database_url, "cancel_task", "cancelled",
             {"p_reason": reason} if reason is not None else None)


@task.command()
@click.argument("task_ref", metavar="TASK")
@database_option
def pause(task_ref: str, database_url: str | None) -> None:
    """Pause a task: it is not assigned (a running one is stopped) until resumed.

    \b
    Example:
      helix task pause 3f2a9c1e && helix task resume 3f2a9c1e
    """
    _control(task_ref, database_url, "pause_task", "paused")


@task.command()
@click.argument("task_ref", metavar="TASK")
@database_option
def resume(task_ref: str, database_url: str | None) -> None:
    """Resume a paused task (it is ready again, from its last checkpoint).

    \b
    Example:
      helix task resume 3f2a9c1e
    """
    _control(task_ref, database_url, "resume_task", "resumed")


@task.command()
@click.argument("task_ref", metavar="TASK")
@click.option("--with-dependents", is_flag=True,
              help="Also retry the tasks downstream that failed or were cancelled with it.")
@database_option
def retry(task_ref: str, with_dependents: bool, database_url: str | None) -> None:
    """Run a failed or cancelled task again, with fresh retries.

    It resumes from its last checkpoint. Dependents that failed or were cancelled with it
    stay so, unless --with-dependents: then they are retried too, each after the tasks it
    depends on.

    \b
    Examples:
      helix task retry 3f2a9c1e
      helix task retry 3f2a9c1e --with-dependents
    """
    if not with_dependents:
        _control(task_ref, database_url, "retry_task", "queued again")
        return
    with database(database_url) as conn:
        task_id = resolve_task(conn, task_ref)
        # Everything downstream that is failed or cancelled, in submission order: a task is
        # always submitted after its dependencies, so each is retried after them.
        downstream = rows(conn, """
            with recursive down(id) as (
                select d.task_id from helix.task_dependencies d where d.depends_on_id = %s
                union
                select d.task_id from down join helix.task_dependencies d
                    on d.depends_on_id = down.id
            )
            select t.id from helix.distributed_tasks t join down using (id)
            where t.status in ('failed', 'cancelled') order by t.created_at, t.id""",
                          (task_id,))
        with translated(), conn.transaction():
            for tid in [task_id, *(r["id"] for r in downstream)]:
                conn.execute("select helix.retry_task(p_task_id => %s)", (tid,))
    log.info("task %s retried with %d dependent(s)", task_id, len(downstream))
    out(f"task {task_id} queued again, with {len(downstream)} dependent task(s)", "green")


def _watch_line(row: dict[str, Any]) -> str:
    parts = [dt.datetime.now().strftime("%H:%M:%S"), row["status"]]
    if row["worker"]:
        parts.append(f"on {row['worker']}")
    parts.append(f"attempt {row['attempt']}")
    if row["progress"] is not None:
        parts.append(_progress_cell(row))
    if row["progress_message"]:
        parts.append(row["progress_message"])
    if row["status"] in ("failed", "pending") and row["error_message"]:
        parts.append(f"error: {row['error_message']}")
    return "  ".join(parts)


@task.command()
@click.argument("task_ref", metavar="TASK")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=0.5, show_default=True,
              help="Seconds between looks at the task.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Give up after this long (exit 1).")
@click.option("--json", "as_json", is_flag=True,
              help="Print each change as one line of JSON (status, worker, attempt, progress).")
@database_option
def watch(task_ref: str, interval: float, timeout: float | None, as_json: bool,
          database_url: str | None) -> None:
    """Follow one task live until it ends: status, worker, progress and its messages.

    Exits 0 when the task completed, 1 when it failed or was cancelled (or --timeout
    passed first). On a terminal it draws a progress bar; piped, it prints a line at each
    change (with --json, a JSON object per line).

    \b
    Examples:
      helix task watch 3f2a9c1e
      helix task watch "$(helix task submit shell --command 'make test')" && deploy
      helix task watch 3f2a9c1e --json | jq -r .status
    """
    deadline = time.monotonic() + timeout if timeout else None
    with database(database_url) as conn:
        task_id = resolve_task(conn, task_ref)
        if is_terminal() and not as_json:
            row = _watch_rich(conn, task_id, interval, deadline)
        else:
            row = _watch_plain(conn, task_id, interval, deadline, as_json)
    if as_json:
        if row["status"] != "completed":
            raise click.exceptions.Exit(1)
        return
    if row["status"] == "completed":
        out(f"task {task_id} completed", "green")
        return
    if row["status"] in FINISHED:
        detail = f": {row['error_message']}" if row["error_message"] else ""
        out(f"task {task_id} {row['status']}{detail}", "red")
    else:
        out(f"task {task_id} still {row['status']} after {text(timeout)}s; stopped watching",
            "yellow")
    raise click.exceptions.Exit(1)


def _look(conn: psycopg.Connection, task_id: uuid.UUID) -> dict[str, Any]:
    row = one(conn, _TASK_QUERY + " where t.id = %s", (task_id,))
    assert row is not None, f"task {task_id} vanished"
    return row


def _watch_plain(conn: psycopg.Connection, task_id: uuid.UUID, interval: float,
                 deadline: float | None, as_json: bool = False) -> dict[str, Any]:
    last = None
    while True:
        row = _look(conn, task_id)
        line_state = (row["status"], row["worker"], row["attempt"], row["progress"],
                      row["progress_message"])
        if line_state != last:
            if as_json:
                click.echo(to_json({"at": dt.datetime.now(dt.timezone.utc), "id": task_id,
                                    "status": row["status"], "worker": row["worker"],
                                    "attempt": row["attempt"], "progress": row["progress"],
                                    "message": row["progress_message"],
                                    "error": row["error_message"]}, indent=None))
            else:
                click.echo(_watch_line(row))
            last = line_state
        if row["status"] in FINISHED or (deadline and time.monotonic() > deadline):
            return row
        time.sleep(interval)


def _watch_rich(conn: psycopg.Connection, task_id: uuid.UUID, interval: float,
                deadline: float | None) -> dict[str, Any]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .output import console

    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  TextColumn("{task.fields[note]}"), console=console()) as bar:
        handle = bar.add_task(str(task_id)[:8], total=1.0, note="")
        while True:
            row = _look(conn, task_id)
            where = f" on {row['worker']}" if row["worker"] else ""
            done = 1.0 if row["status"] == "completed" else float(row["progress"] or 0)
            bar.update(handle, completed=done,
                       description=f"{str(task_id)[:8]} {row['task_type']} {row['status']}"
                                   f"{where}",
                       note=row["progress_message"] or "")
            if row["status"] in FINISHED or (deadline and time.monotonic() > deadline):
                return row
            time.sleep(interval)
