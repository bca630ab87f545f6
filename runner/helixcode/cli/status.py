"""``helix status``: the queue, the fleet, the runners and what just happened, on one screen."""

from __future__ import annotations

import time
from typing import Any

import click
import psycopg
from rich.console import Group, RenderableType
from rich.text import Text

from .. import config
from ..database import redact
from .common import database, database_option, rows
from .output import (
    Column,
    ago,
    console,
    echo_json,
    is_terminal,
    json_option,
    plain_table,
    rich_table,
)

QUEUE_ORDER = ("pending", "assigned", "running", "waiting_for_worker", "paused", "completed",
               "failed", "cancelled")
RECENT_EVENTS = 10


def snapshot(conn: psycopg.Connection) -> dict[str, Any]:
    """Everything the screen shows, read in one repeatable-read transaction."""
    with conn.transaction():
        conn.execute("set transaction isolation level repeatable read, read only")
        counts = rows(conn, """
            select status, count(*) as tasks,
                   count(*) filter (where status = 'pending' and pending_dependencies = 0
                                      and run_after <= now()) as ready,
                   count(*) filter (where status = 'pending' and pending_dependencies > 0)
                       as blocked,
                   count(*) filter (where status = 'pending' and run_after > now())
                       as in_backoff
            from helix.distributed_tasks group by status""")
        fleet = rows(conn, """
            select hostname, status, health_status, tasks_held, max_concurrent_tasks,
                   tasks_waiting, cpu_usage_percent, last_heartbeat, takes_tasks, transport
            from helix.worker_fleet order by hostname""")
        runners = rows(conn, """
            select name, hostname, pid, status, started_at, lease_expires_at
            from helix.runners where status in ('running', 'stopping')
            order by started_at""")
        task_events = rows(conn, """
            select t.updated_at as at, 'task' as kind, t.id::text as subject, t.task_type,
                   t.status as event, w.hostname as worker, t.error_message
            from helix.distributed_tasks t
            left join helix.workers w on w.id = coalesce(t.assigned_worker_id,
                                                          t.original_worker_id)
            order by t.updated_at desc limit %s""", (RECENT_EVENTS,))
        worker_events = rows(conn, """
            select created_at as at, 'worker' as kind, hostname as subject,
                   event_type as event, event_data
            from helix.recent_worker_events order by created_at desc limit %s""",
                             (RECENT_EVENTS,))
        stuck = rows(conn, "select count(*) as n from helix.stuck_tasks")[0]["n"]
        now = rows(conn, "select now() as now")[0]["now"]
    by_status = {r["status"]: r for r in counts}
    queue = {s: int(by_status[s]["tasks"]) if s in by_status else 0 for s in QUEUE_ORDER}
    pending = by_status.get("pending", {})
    events = sorted(task_events + worker_events, key=lambda e: e["at"], reverse=True)
    return {
        "at": now,
        "queue": queue,
        "ready": int(pending.get("ready", 0) or 0),
        "blocked": int(pending.get("blocked", 0) or 0),
        "in_backoff": int(pending.get("in_backoff", 0) or 0),
        "stuck": int(stuck),
        "workers": fleet,
        "runners": runners,
        "events": events[:RECENT_EVENTS],
    }


def _event_text(event: dict[str, Any]) -> str:
    if event["kind"] == "task":
        where = f" on {event['worker']}" if event.get("worker") else ""
        return f"task {event['subject'][:8]} {event['task_type']} {event['event']}{where}"
    data = event.get("event_data") or {}
    detail = f" ({data['status']})" if isinstance(data, dict) and data.get("status") else ""
    return f"worker {event['subject']} {event['event']}{detail}"


def _queue_line(snap: dict[str, Any]) -> str:
    queue = snap["queue"]
    parts = [f"{queue[s]} {s}" for s in QUEUE_ORDER if queue[s]]
    line = ", ".join(parts) if parts else "no tasks"
    if queue["pending"]:
        line += (f"  (pending: {snap['ready']} ready, {snap['blocked']} blocked, "
                 f"{snap['in_backoff']} in retry backoff)")
    if snap["stuck"]:
        line += f"  {snap['stuck']} running past their estimate (helix.stuck_tasks)"
    return line


_FLEET_COLUMNS = [
    Column("worker", "hostname"), Column("status", "status", colour=True),
    Column("health", "health_status", colour=True), Column("tasks", "tasks"),
    Column("waiting", "tasks_waiting"), Column("heartbeat", "heartbeat"),
]
_RUNNER_COLUMNS = [Column("runner", "name"), Column("host", "hostname"), Column("pid", "pid"),
                   Column("status", "status", colour=True), Column("up", "up")]
_EVENT_COLUMNS = [Column("when", "when"), Column("what", "what", wrap=True)]


def _prepare(snap: dict[str, Any]) -> None:
    now = snap["at"]
    for w in snap["workers"]:
        w["tasks"] = f"{w['tasks_held']}/{w['max_concurrent_tasks']}"
        w["heartbeat"] = ago(w["last_heartbeat"], now) if w["last_heartbeat"] else "never"
    for r in snap["runners"]:
        r["up"] = ago(r["started_at"], now).replace(" ago", "")
    for e in snap["events"]:
        e["when"] = ago(e["at"], now)
        e["what"] = _event_text(e)


def render_rich(snap: dict[str, Any], url: str, height: int | None = None) -> RenderableType:
    """The screen as a rich renderable (for printing once or inside a live display).

    With ``height`` (a live display), the recent events are cut to fit the terminal.
    """
    _prepare(snap)
    if height is not None:
        used = 2 + len(snap["workers"]) + 5 + (len(snap["runners"]) + 5 if snap["runners"]
                                                 else 1) + 6
        snap["events"] = snap["events"][:max(3, height - used)]
    parts: list[RenderableType] = [
        Text(f"HelixCode  {redact(url)}  {snap['at']:%Y-%m-%d %H:%M:%S %Z}", style="bold"),
        Text(f"queue: {_queue_line(snap)}"),
    ]
    parts.append(rich_table(_FLEET_COLUMNS, snap["workers"], "fleet") if snap["workers"]
                 else Text("fleet: no workers ('helix worker add NAME --local')"))
    parts.append(rich_table(_RUNNER_COLUMNS, snap["runners"], "runners") if snap["runners"]
                 else Text("runners: none running ('helix runner' starts one)",
                           style="yellow"))
    parts.append(rich_table(_EVENT_COLUMNS, snap["events"], "recent") if snap["events"]
                 else Text("recent: nothing yet"))
    return Group(*parts)


def render_plain(snap: dict[str, Any], url: str) -> list[str]:
    """The screen as plain lines, for a pipe or a log."""
    _prepare(snap)
    lines = [f"helix status at {snap['at']:%Y-%m-%d %H:%M:%S %Z} ({redact(url)})",
             f"queue: {_queue_line(snap)}", ""]
    for title, columns, data, empty in (
            ("fleet", _FLEET_COLUMNS, snap["workers"], "no workers"),
            ("runners", _RUNNER_COLUMNS, snap["runners"], "none running"),
            ("recent", _EVENT_COLUMNS, snap["events"], "nothing yet")):
        if data:
            lines += [f"{title}:", *plain_table(columns, data), ""]
        else:
            lines += [f"{title}: {empty}", ""]
    return lines[:-1]


@click.command()
@click.option("--follow", "-f", is_flag=True, help="Keep the screen up to date (Ctrl-C ends).")
@click.option("--interval", type=click.FloatRange(0.2, 3600), default=2.0, show_default=True,
              help="Seconds between refreshes with --follow.")
@json_option
@database_option
def status(follow: bool, interval: float, as_json: bool, database_url: str | None) -> None:
    """One screen: the task queue, the fleet, running runners, and the latest events.

    \b
    Examples:
      helix status
      helix status --follow --interval 1
      helix status --json | jq .queue
    """
    url = config.database_url(database_url)
    with database(url) as conn:
        if as_json:
            if follow:
                raise click.UsageError("--json prints one snapshot; drop --follow")
            echo_json(snapshot(conn))
            return
        if not follow:
            _print(snapshot(conn), url)
            return
        try:
            if is_terminal():
                from rich.live import Live

                screen = console()
                with Live(render_rich(snapshot(conn), url, screen.height), console=screen,
                          refresh_per_second=4, screen=False) as live:
                    while True:
                        time.sleep(interval)
                        live.update(render_rich(snapshot(conn), url, screen.height))
            else:
                while True:
                    _print(snapshot(conn), url)
                    click.echo("")
                    time.sleep(interval)
        except KeyboardInterrupt:
            return


def _print(snap: dict[str, Any], url: str) -> None:
    if is_terminal():
        console().print(render_rich(snap, url))
    else:
        for line in render_plain(snap, url):
            click.echo(line)

