"""``helix demo``: watch a real pipeline flow through the database, a runner and workers."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from .. import config
from .. import demo as pipeline
from .. import migrate as migrations
from ..database import connect, redact
from ..embedded import default_cluster
from ..paths import state_dir
from .output import STATUS_STYLES, Column, console, duration, is_terminal, out, print_table

log = logging.getLogger(__name__)


def _database_url(flag: str | None) -> tuple[str, bool]:
    """The URL to run on, and whether it is the private cluster (started here if needed)."""
    given = config.resolve({"database_url": flag})["database_url"].value
    if given:
        return str(given), False
    return default_cluster().start(), True


def _render(states: list[pipeline.TaskState], workers: list[dict[str, Any]],
            elapsed: float) -> RenderableType:
    tasks = Table(title=f"pipeline  {elapsed:4.1f}s", title_justify="left",
                  title_style="bold", header_style="bold", expand=False)
    for header in ("step", "progress", "", "status", "worker", "try", "doing"):
        tasks.add_column(header, no_wrap=True)
    for s in states:
        done = 1.0 if s.status == "completed" else float(s.progress or 0.0)
        style = STATUS_STYLES.get(s.status, "")
        bar = ProgressBar(total=1.0, completed=done, width=18,
                          complete_style="green" if s.status == "completed" else "cyan",
                          finished_style="green")
        note = s.message or ""
        if s.status == "pending" and s.error:
            note = f"retrying: {s.error}"
        if s.checkpoints:
            note = f"{note} [{s.checkpoints} checkpoints]".strip()
        tasks.add_row(s.name, bar, f"{round(done * 100):3d}%", Text(s.status, style=style),
                      s.worker or "-", str(s.retry_count + 1) if s.attempt else "-",
                      Text(note[:48], style="dim"))
    fleet = Table(title="fleet", title_justify="left", title_style="bold",
                  header_style="bold")
    for header in ("worker", "status", "tasks", "capabilities"):
        fleet.add_column(header, no_wrap=True)
    for w in workers:
        fleet.add_row(w["hostname"], Text(w["status"], style=STATUS_STYLES.get(w["status"], "")),
                      f"{'#' * w['held']}{'.' * max(w['slots'] - w['held'], 0)}",
                      ",".join(c for c in w["capabilities"] if c != pipeline.DEMO_CAPABILITY))
    grid = Table.grid(padding=(0, 3))
    grid.add_row(tasks, fleet)
    return Group(grid)


def _line(state: pipeline.TaskState, elapsed: float) -> str:
    where = f" on {state.worker}" if state.worker else ""
    extra = ""
    if state.status == "pending" and state.error:
        extra = f" (attempt {state.attempt} failed: {state.error}; retrying)"
    return f"{elapsed:5.1f}s  {state.name:<14} {state.status}{where}{extra}"


def _follow(conn: Any, ids: dict[str, Any], runner: pipeline.RunnerProcess, timeout: float,
            started: float) -> list[pipeline.TaskState]:
    """Draw the pipeline until every step finished; return the final states."""
    deadline = started + timeout

    def check_runner() -> None:
        if not runner.alive():
            raise pipeline.DemoError(f"the demo runner stopped unexpectedly:\n"
                                     f"{runner.log_tail()}",
                                     f"its whole log is {runner.log_path}")

    seen: dict[str, tuple[Any, ...]] = {}

    def print_changes(states: list[pipeline.TaskState], _workers: Any, elapsed: float) -> None:
        for s in states:
            key = (s.status, s.worker, s.attempt)
            if seen.get(s.name) != key:
                seen[s.name] = key
                click.echo(_line(s, elapsed))

    with contextlib.ExitStack() as stack:
        draw = print_changes
        if is_terminal():
            from rich.live import Live

            live = stack.enter_context(Live(Text(""), console=console(),
                                            refresh_per_second=8))

            def redraw(states: list[pipeline.TaskState], workers: Any, elapsed: float) -> None:
                live.update(_render(states, workers, elapsed))

            draw = redraw

        while True:
            states, workers = pipeline.poll(conn, ids)
            draw(states, workers, time.monotonic() - started)
            if all(s.status in pipeline.FINISHED for s in states):
                return states
            check_runner()
            if time.monotonic() > deadline:
                break
            time.sleep(0.15)
    raise pipeline.DemoError(f"the pipeline did not finish within {timeout:.0f}s",
                             f"look at 'helix status' and the runner log {runner.log_path}")


def _helix_command() -> str:
    """How the user calls helix: ``helix`` when it is on the PATH, else its path (.venv)."""
    if shutil.which("helix"):
        return "helix"
    script = Path(sys.executable).parent / "helix"
    if not script.exists():
        return "helix"
    try:
        relative = os.path.relpath(script)
    except ValueError:
        return str(script)
    return relative if not relative.startswith("..") else str(script)


def _result_text(result: Any) -> str:
    """What the step printed as its result (the runner wraps it with exit code and output)."""
    if isinstance(result, dict) and "result" in result:
        result = result["result"]
    if result is None:
        return "-"
    if isinstance(result, dict):
        return ", ".join(f"{k}={v}" for k, v in result.items())
    return str(result)


def _summary(states: list[pipeline.TaskState]) -> None:
    data = []
    for s in states:
        ran = (s.completed_at - s.started_at).total_seconds() \
            if s.started_at and s.completed_at else None
        data.append({
            "step": s.name, "id": str(s.id)[:8], "status": s.status, "worker": s.worker,
            "attempts": s.retry_count + 1, "ran": duration(ran),
            "checkpoints": s.checkpoints or "-",
            "result": _result_text(s.result),
        })
    click.echo("")
    print_table([Column("step", "step"), Column("task", "id", min_width=8),
                 Column("status", "status", colour=True), Column("ran on", "worker"),
                 Column("attempts", "attempts"), Column("took", "ran"),
                 Column("checkpoints", "checkpoints"), Column("result", "result", wrap=True)],
                data, title="what ran where")


@click.command()
@click.option("--quick", is_flag=True, help="Short pauses (for tests): a few seconds in all.")
@click.option("--database-url", metavar="URL",
              help="Run on this database (migrated first) [default: HELIX_DATABASE_URL, the "
                   "config file, else the private cluster, started if needed].")
@click.option("--timeout", type=click.FloatRange(min=1), default=180.0, show_default=True,
              help="Give up when the pipeline has not finished after this many seconds.")
def demo(quick: bool, database_url: str | None, timeout: float) -> None:
    """Run a small build pipeline on local workers and watch it flow.

    On the private PostgreSQL (started and migrated if needed) or the database given, it
    registers three workers on this machine (demo-local-1..3, local transport), starts a
    'helix runner' in the background, and submits a pipeline of shell tasks: checkout,
    build, two test shards, a flaky integration test that fails once and is retried, a
    symbol index that saves checkpoints as it goes, and a package step that needs all of
    them. Each step shows its progress as it runs, the fleet beside it; a summary says
    what ran where and for how long. The runner is stopped at the end.

    While it runs, retry_base_delay is set to 1 second (restored afterwards), so the
    flaky step comes back quickly.

    \b
    Examples:
      helix demo
      helix demo --quick
      helix demo --database-url postgresql://me@localhost/helix_try
    """
    # SIGTERM or a closed terminal end the demo the way Ctrl-C does: through the cleanup
    # below, which stops the runner.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        _run_demo(quick, database_url, timeout)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _run_demo(quick: bool, database_url: str | None, timeout: float) -> None:
    url, private = _database_url(database_url)
    migrations.migrate(url)
    pause = 0.05 if quick else 0.6
    where = "the private PostgreSQL" if private else redact(url)
    out(f"HelixCode demo on {where}", "bold")
    demo_dir = Path(tempfile.mkdtemp(prefix="helix-demo-"))
    log_path = state_dir() / "demo-runner.log"
    conn = connect(url)
    runner = pipeline.RunnerProcess(url, log_path)
    old_delay: str | None = None
    ids: dict[str, Any] = {}
    try:
        old_delay = pipeline.prepare(conn)
        out(f"workers: {', '.join(w for w, _ in pipeline.WORKERS)} (local transport, "
            f"{pipeline.WORKER_SLOTS} slots each)", "dim")
        runner.start()
        pipeline.wait_for_runner(conn, runner)
        pipeline.wait_for_workers(conn, runner)
        out(f"runner: started (pid {runner.process.pid if runner.process else '?'}), "
            f"log {log_path}", "dim")
        started = time.monotonic()
        pipeline.submit_pipeline(conn, demo_dir, pause, ids)
        out(f"pipeline: {len(ids)} tasks submitted", "dim")
        for step in pipeline.PIPELINE:
            needs = f"after {', '.join(step.needs)}" if step.needs else "first"
            out(f"  {step.name:<14} {needs}; needs {', '.join(step.capabilities)}"
                f"{'; ' + step.note if step.note else ''}", "dim")
        states = _follow(conn, ids, runner, timeout, started)
        wall = time.monotonic() - started
    finally:
        code = runner.stop()
        # An interrupt can land in the middle of a query and leave that connection busy:
        # clean up on a connection of its own.
        conn.close()
        cleanup = connect(url)
        try:
            if pipeline.cancel_unfinished(cleanup, ids):
                out("the demo's unfinished tasks are cancelled", "yellow")
            pipeline.restore(cleanup, old_delay)
        finally:
            cleanup.close()
            shutil.rmtree(demo_dir, ignore_errors=True)
        log.info("demo runner stopped with exit code %s", code)
    _summary(states)
    failed = [s.name for s in states if s.status != "completed"]
    click.echo("")
    if failed:
        out(f"pipeline finished in {wall:.1f}s with failures: {', '.join(failed)}", "red")
    else:
        out(f"pipeline completed in {wall:.1f}s: {len(states)} tasks on "
            f"{len({s.worker for s in states})} workers; the runner has stopped", "green")
    index_id = str(ids["index-symbols"])[:8]
    click.echo("")
    out("Next, try:", "bold")
    helix = _helix_command()
    tips = [(f"{helix} task show {index_id}", "a step's whole life and its checkpoints"),
            (f"{helix} status", "the queue, the fleet and what just happened"),
            (f"{helix} runner", f"keeps running; then in another terminal: "
                                f"{helix} task submit shell --command 'uname -a'")]
    width = max(len(command) for command, _ in tips)
    for command, note in tips:
        click.echo(f"  {command:<{width}}   # {note}")
    if failed:
        raise click.exceptions.Exit(1)
