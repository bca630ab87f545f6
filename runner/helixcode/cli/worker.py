"""``helix worker``: register workers, trust their host keys, drain and retire them."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import click
from psycopg.types.json import Jsonb

from .. import config
from ..errors import HelixError, RefusedByDatabase
from ..transport.base import InvalidWorkerConfig, TransportError, WorkerConfig, WorkerUnreachable
from ..transport.known_hosts import fetch_host_key, host_key_name, known_keys, trust
from .common import CommandFailed, database, database_option, one, resolve_worker, rows
from .errors import EXIT_REFUSED, EXIT_UNAVAILABLE, EXIT_USAGE, HelixGroup
from .output import (
    Column,
    ago,
    echo_json,
    heading,
    json_option,
    out,
    print_fields,
    print_table,
)

log = logging.getLogger(__name__)

WORKER_STATUSES = ("active", "maintenance", "inactive", "failed", "offline")


@click.group(cls=HelixGroup)
def worker() -> None:
    """Workers: the machines tasks run on, reached over SSH or on this machine.

    \b
    Examples:
      helix worker add build-01 --host 10.0.0.5 --user helix \\
          --identity-file ~/.ssh/helix_ed25519 --capability linux --capability docker
      helix worker trust build-01
      helix worker add local-1 --local
      helix worker list
      helix worker drain build-01
    """


def _known_hosts_path(flag: str | None) -> Path:
    value = config.resolve({"known_hosts": flag})["known_hosts"].value
    return Path(str(value)).expanduser()


@worker.command()
@click.argument("hostname")
@click.option("--host", help="Address or DNS name to reach it by SSH [default: HOSTNAME].")
@click.option("--port", type=click.IntRange(1, 65535), help="SSH port [default: 22].")
@click.option("--user", help="SSH user on the worker [default: the runner's user].")
@click.option("--identity-file", metavar="PATH",
              help="Private key file on the runner's host (a path; never the key itself).")
@click.option("--capability", "capabilities", multiple=True, metavar="NAME",
              help="Something the worker has, that tasks may require (repeatable).")
@click.option("--max-tasks", type=click.IntRange(1, 10000), default=10, show_default=True,
              help="Tasks it runs at once.")
@click.option("--display-name", help="A friendlier name for tables.")
@click.option("--local", is_flag=True,
              help="Run its tasks on this machine (the coordinator) as subprocesses, no SSH.")
@click.option("--known-hosts", metavar="FILE",
              help="known_hosts to check the host key in [default: config known_hosts].")
@database_option
def add(hostname: str, host: str | None, port: int | None, user: str | None,
        identity_file: str | None, capabilities: tuple[str, ...], max_tasks: int,
        display_name: str | None, local: bool, known_hosts: str | None,
        database_url: str | None) -> None:
    """Register a worker named HOSTNAME (again: update how to reach it and what it can do).

    An SSH worker, step by step:

    \b
      1. Once, on this machine (the coordinator, where 'helix runner' runs), a key:
           ssh-keygen -t ed25519 -f ~/.ssh/helix_ed25519 -N ''
         and on the worker a user for HelixCode that accepts it:
           ssh-copy-id -i ~/.ssh/helix_ed25519.pub helix@10.0.0.5
      2. Register it:
           helix worker add build-01 --host 10.0.0.5 --user helix \\
               --identity-file ~/.ssh/helix_ed25519 --capability linux --max-tasks 4
      3. Trust its host key (compare the fingerprint with 'ssh-keygen -lf
         /etc/ssh/ssh_host_ed25519_key.pub' run on the worker):
           helix worker trust build-01
      4. A running 'helix runner' probes it within a heartbeat and starts giving it
         tasks; 'helix worker show build-01' shows its health.

    \b
    A worker on this machine (no SSH; tasks run as the runner's user):
      helix worker add local-1 --local --capability linux
    """
    if local:
        given = [name for name, value in (("--host", host), ("--port", port), ("--user", user),
                                          ("--identity-file", identity_file)) if value]
        if given:
            raise click.UsageError(f"--local runs tasks here, without SSH: drop "
                                   f"{', '.join(given)}")
        ssh_config: dict[str, Any] = {"transport": "local"}
    else:
        ssh_config = {"host": host or hostname}
        if port:
            ssh_config["port"] = port
        if user:
            ssh_config["user"] = user
        if identity_file:
            ssh_config["identity_file"] = str(Path(identity_file).expanduser())
    try:
        checked = WorkerConfig.from_ssh_config(ssh_config)
    except InvalidWorkerConfig as exc:
        raise click.UsageError(str(exc)) from None
    with database(database_url) as conn:
        existed = one(conn, "select id from helix.workers where hostname = %s", (hostname,))
        row = one(conn, """
            select helix.register_worker(p_hostname => %s, p_ssh_config => %s,
                p_capabilities => %s::text[], p_max_concurrent_tasks => %s,
                p_display_name => %s) as id""",
                  (hostname, Jsonb(ssh_config), list(capabilities), max_tasks, display_name))
    assert row is not None
    log.info("worker %s %s as %s", hostname, "updated" if existed else "registered", row["id"])
    out(f"worker {hostname} {'updated' if existed else 'registered'} ({row['id']})", "green")
    if local:
        out("its tasks run on this machine under a running 'helix runner'", "dim")
        return
    if checked.identity_file and not Path(checked.identity_file).exists():
        out(f"note: {checked.identity_file} does not exist on this machine; the runner reads "
            "the key from there", "yellow")
    assert checked.host is not None
    path = _known_hosts_path(known_hosts)
    try:
        recorded = known_keys(path, checked.host, checked.port)
    except TransportError as exc:
        recorded = {}
        out(f"note: {exc}", "yellow")
    if recorded:
        out(f"its host key is in {path}; a running 'helix runner' will use it", "dim")
    else:
        out(f"next: trust its host key with 'helix worker trust {hostname}'"
            + (f" --known-hosts {path}" if known_hosts else ""), "yellow")


def _fleet_rows(conn: Any, where: str = "", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    return rows(conn, f"""
        select f.*, w.ssh_config, w.resources, w.created_at
        from helix.worker_fleet f join helix.workers w on w.id = f.worker_id
        {where} order by f.hostname""", params)


def _reach(row: dict[str, Any]) -> str:
    ssh = row.get("ssh_config") or {}
    if ssh.get("transport") == "local":
        return "local"
    target = ssh.get("host") or "?"
    if ssh.get("user"):
        target = f"{ssh['user']}@{target}"
    if ssh.get("port") and ssh.get("port") != 22:
        target = f"{target}:{ssh['port']}"
    return target


@worker.command(name="list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(WORKER_STATUSES),
              help="Only workers in this status (repeatable).")
@json_option
@database_option
def list_workers(statuses: tuple[str, ...], as_json: bool, database_url: str | None) -> None:
    """List workers: status, health, tasks held of capacity, last heartbeat.

    \b
    Examples:
      helix worker list
      helix worker list --status offline --json
    """
    with database(database_url) as conn:
        found = _fleet_rows(conn, "where f.status = any(%s)" if statuses else "",
                            (list(statuses),) if statuses else ())
    if as_json:
        echo_json(found)
        return
    now = dt.datetime.now(dt.timezone.utc)
    for r in found:
        r["tasks"] = f"{r['tasks_held']}/{r['max_concurrent_tasks']}"
        r["heartbeat"] = ago(r["last_heartbeat"], now) if r["last_heartbeat"] else "never"
        r["reach"] = _reach(r)
    print_table(
        [Column("hostname", "hostname"), Column("status", "status", colour=True),
         Column("health", "health_status", colour=True), Column("tasks", "tasks"),
         Column("waiting", "tasks_waiting"), Column("cpu%", "cpu_usage_percent"),
         Column("heartbeat", "heartbeat"), Column("reach", "reach"),
         Column("capabilities", "capabilities", wrap=True)],
        found, empty="no workers: add one with 'helix worker add NAME --local' or --host",
    )


@worker.command()
@click.argument("worker_ref", metavar="WORKER")
@json_option
@database_option
def show(worker_ref: str, as_json: bool, database_url: str | None) -> None:
    """Show one worker (by hostname or id): how to reach it, load, tasks, recent events.

    \b
    Examples:
      helix worker show build-01
      helix worker show build-01 --json | jq .events
    """
    with database(database_url) as conn:
        worker_row = resolve_worker(conn, worker_ref)
        fleet = _fleet_rows(conn, "where f.worker_id = %s", (worker_row["id"],))[0]
        tasks = rows(conn, """
            select id, task_type, status, attempt, progress, progress_message, started_at
            from helix.distributed_tasks
            where (assigned_worker_id = %(w)s and status in ('assigned', 'running'))
               or (original_worker_id = %(w)s and status = 'waiting_for_worker')
            order by created_at""", {"w": worker_row["id"]})
        events = rows(conn, """
            select created_at, event_type, event_data from helix.worker_connectivity_events
            where worker_id = %s order by created_at desc limit 10""", (worker_row["id"],))
    if as_json:
        echo_json({**fleet, "tasks": tasks, "events": events})
        return
    print_fields([
        ("hostname", fleet["hostname"]), ("id", fleet["worker_id"]),
        ("display name", fleet["display_name"]), ("reach", _reach(fleet)),
        ("status", fleet["status"]), ("returns as", fleet["return_status"]),
        ("health", fleet["health_status"]),
        ("takes tasks", "yes" if fleet["takes_tasks"] else "no"),
        ("tasks", f"{fleet['tasks_held']} of {fleet['max_concurrent_tasks']}"),
        ("waiting for it", fleet["tasks_waiting"]),
        ("cpu / mem / disk", " / ".join(
            "-" if fleet[k] is None else f"{fleet[k]}%"
            for k in ("cpu_usage_percent", "memory_usage_percent", "disk_usage_percent"))),
        ("last heartbeat", ago(fleet["last_heartbeat"]) if fleet["last_heartbeat"]
         else "never"),
        ("capabilities", fleet["capabilities"]), ("resources", fleet["resources"] or None),
        ("registered", fleet["created_at"]),
    ])
    heading("tasks")
    print_table([Column("id", "id"), Column("type", "task_type"),
                 Column("status", "status", colour=True), Column("attempt", "attempt"),
                 Column("message", "progress_message", wrap=True)], tasks, empty="none")
    heading("recent events")
    print_table([Column("at", "created_at"), Column("event", "event_type"),
                 Column("data", "event_data", wrap=True)], events, empty="none")


def _split_target(target: str) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6addr]:port`` or a bare IPv6 address."""
    if target.startswith("["):
        host, _, rest = target[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise click.BadParameter(f"{target!r} must be [ADDRESS]:PORT")
        port_text = rest[1:] if rest else "22"
    elif target.count(":") == 1:
        host, port_text = target.split(":")
    else:
        host, port_text = target, "22"
    try:
        port = int(port_text)
    except ValueError:
        raise click.BadParameter(f"port {port_text!r} in {target!r} is not a number") from None
    if not host or not 1 <= port <= 65535:
        raise click.BadParameter(f"{target!r} must be HOST or HOST:PORT with a port in "
                                 "1..65535")
    return host, port


def _registered_address(name: str, database_url: str | None) -> tuple[str, int] | None:
    """Where the registered worker ``name`` is reached by SSH; None when there is none.

    Without a reachable database this is simply not known: trusting a host needs none.
    """
    try:
        with database(database_url, connect_timeout=3) as conn:
            row = one(conn, "select ssh_config from helix.workers where hostname = %s",
                      (name,))
    except HelixError as exc:
        log.debug("no worker lookup for %s: %s", name, exc)
        return None
    if row is None:
        return None
    ssh = row["ssh_config"] or {}
    if ssh.get("transport") == "local":
        raise CommandFailed(f"worker {name} runs on this machine (local transport): it has no "
                            "host key to trust", None, EXIT_USAGE)
    if not ssh.get("host"):
        return None
    return str(ssh["host"]), int(ssh.get("port") or 22)


@worker.command(name="trust")
@click.argument("target", metavar="WORKER|HOST[:PORT]")
@click.option("--known-hosts", metavar="FILE",
              help="The known_hosts file to add the key to [default: config known_hosts, "
                   "~/.ssh/known_hosts].")
@click.option("--fingerprint", metavar="SHA256:...",
              help="The fingerprint you expect (from the worker's owner); another is refused.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Seconds to wait for the worker's SSH server.")
@database_option
def trust_command(target: str, known_hosts: str | None, fingerprint: str | None, yes: bool,
                  timeout: float, database_url: str | None) -> None:
    """Fetch a worker's SSH host key, show its fingerprint, and add it to known_hosts.

    The runner refuses workers whose host key is not in its known_hosts file. This command
    connects to the worker (a registered worker's name, or HOST on port 22 or PORT), asks
    for the host key without logging in, shows its SHA256 fingerprint as 'ssh-keygen -l'
    prints it, and after you confirm appends it to the file. A different key already
    recorded for the host is refused, never replaced.

    \b
    Examples:
      helix worker trust build-01        # a registered worker: its host and port
      helix worker trust 10.0.0.5
      helix worker trust build-01.example.com:2222 --known-hosts /etc/helixcode/known_hosts
      helix worker trust 10.0.0.5 --fingerprint SHA256:Xr0r...q8 --yes
    """
    host, port = _split_target(target)
    if ":" not in target:
        registered = _registered_address(target, database_url)
        if registered is not None:
            host, port = registered
            out(f"worker {target} is reached at {host_key_name(host, port)}", "dim")
    path = _known_hosts_path(known_hosts)
    name = host_key_name(host, port)
    try:
        recorded = known_keys(path, host, port)
        if not recorded:
            key = fetch_host_key(host, port, timeout)
            shown = key.fingerprint
            out(f"{name} presents {key.get_name()} {shown}", "bold")
            if fingerprint and fingerprint != shown:
                raise CommandFailed(
                    f"{name} presented {shown}, not the expected {fingerprint}; nothing was "
                    f"written to {path}",
                    "ask the worker's owner; someone may be in the middle", EXIT_REFUSED)
            if not yes and not fingerprint and not click.confirm(
                    f"Trust this key and add it to {path}?", default=False, err=True):
                raise CommandFailed("not trusted; nothing written", None, EXIT_REFUSED)
            fingerprint = fingerprint or shown
        result = trust(host, port, path, expected_fingerprint=fingerprint, timeout=timeout)
    except WorkerUnreachable as exc:
        raise CommandFailed(str(exc), "is the worker's SSH server up, and the port right?",
                            EXIT_UNAVAILABLE) from None
    except TransportError as exc:
        raise CommandFailed(str(exc), None, EXIT_REFUSED) from None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if result.added:
        out(f"trusted {result.name}: {result.key_type} {result.fingerprint} added to {path}",
            "green")
    else:
        out(f"{result.name} is already trusted: {result.key_type} {result.fingerprint} "
            f"in {path}", "green")
    log.info("host %s trusted with %s %s in %s", result.name, result.key_type,
             result.fingerprint, path)


def _set_status(worker_ref: str, status: str, database_url: str | None) -> dict[str, Any]:
    with database(database_url) as conn:
        row = resolve_worker(conn, worker_ref)
        rows(conn, "select helix.set_worker_status(p_worker_id => %s, p_status => %s)",
             (row["id"], status))
        after = one(conn, "select hostname, status, return_status, current_tasks_count "
                          "from helix.workers where id = %s", (row["id"],))
    assert after is not None
    log.info("worker %s (%s): status %s requested, now %s", after["hostname"], row["id"],
             status, after["status"])
    return after


@worker.command()
@click.argument("worker_ref", metavar="WORKER")
@database_option
def drain(worker_ref: str, database_url: str | None) -> None:
    """Put a worker in maintenance: its running tasks finish, it gets no new ones.

    \b
    Examples:
      helix worker drain build-01
      helix worker show build-01      # wait until it holds no tasks, then work on it
      helix worker activate build-01
    """
    after = _set_status(worker_ref, "maintenance", database_url)
    if after["status"] != "maintenance":
        out(f"worker {after['hostname']} is {after['status']}; it takes maintenance when it "
            "returns", "yellow")
        return
    held = after["current_tasks_count"]
    out(f"worker {after['hostname']} draining: {held} task(s) still running, no new ones",
        "green")


@worker.command()
@click.argument("worker_ref", metavar="WORKER")
@database_option
def activate(worker_ref: str, database_url: str | None) -> None:
    """Make a worker active again: it takes tasks.

    An offline worker becomes active by itself at its next heartbeat; this is refused for
    it.

    \b
    Example:
      helix worker activate build-01
    """
    after = _set_status(worker_ref, "active", database_url)
    out(f"worker {after['hostname']} is active", "green")


@worker.command()
@click.argument("worker_ref", metavar="WORKER")
@click.option("--force", is_flag=True,
              help="Remove it even while it holds tasks: they are handed back (preserved as "
                   "if it had vanished), without spending a retry.")
@database_option
def remove(worker_ref: str, force: bool, database_url: str | None) -> None:
    """Remove a worker. Refused while it holds tasks, unless --force.

    A worker that never ran a task is deleted. One that did is kept for its history
    (tasks and checkpoints name it) and retired: status inactive, so it is given no work;
    'helix worker activate' brings it back.

    \b
    Examples:
      helix worker drain build-01 && helix worker remove build-01
      helix worker remove build-01 --force
    """
    with database(database_url) as conn:
        row = resolve_worker(conn, worker_ref)
        worker_id, hostname = row["id"], row["hostname"]
        try:
            result = one(conn, "select outcome, handed_back, status from helix.remove_worker("
                               "p_worker_id => %s, p_force => %s)", (worker_id, force))
        except RefusedByDatabase as exc:
            if exc.sqlstate != "HX003":
                raise
            raise RefusedByDatabase(
                exc.message,
                f"drain it ('helix worker drain {hostname}') and remove it when they finish, "
                "or give --force to hand them back now", exc.sqlstate) from exc
    assert result is not None
    deleted = result["outcome"] == "deleted"
    held = result["handed_back"]
    if held:
        log.warning("worker %s (%s) removed by force: %d task(s) handed back", hostname,
                    worker_id, held)
    if deleted:
        out(f"worker {hostname} removed", "green")
    else:
        extra = f"; {held} task(s) handed back" if held else ""
        now = result["status"]
        out(f"worker {hostname} retired (status {now}, returning inactive; kept for its task "
            f"history){extra}" if now != "inactive" else
            f"worker {hostname} retired (inactive, kept for its task history){extra}", "green")
    log.info("worker %s (%s) %s", hostname, worker_id, "deleted" if deleted else "retired")

