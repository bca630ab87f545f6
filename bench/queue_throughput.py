"""Queue throughput: HelixCode's task cycle beside the bare limit and PgQueuer, in one run.

    .venv/bin/python bench/queue_throughput.py            # the full run (several minutes)
    .venv/bin/python bench/queue_throughput.py --quick    # a smoke run with small counts

Everything runs on one private PostgreSQL cluster started for the run (durable settings, as
a deployment would have them), and every figure is the median of several rounds in which the
scenarios take turns, so a slow moment of the machine hits all of them alike. Printed:

* our cycle (submit, assign, start, complete of no-op tasks), one task per call and in
  batches of 100, with 1, 4 and 16 connections;
* the bare cycle on a plain table with FOR UPDATE SKIP LOCKED (insert, claim, complete), one
  job per transaction and 100 per transaction: the physical limit of this machine;
* PgQueuer (from PyPI, in a virtualenv of its own under .bench/), enqueueing and draining the
  same number of no-op jobs, at its defaults and tuned (several processes, batch 100);
* assignment throughput with 10 thousand and with 1 million finished or blocked tasks in the
  table;
* wake-up latency from submit_task to a listening connection's assign_tasks returning it.

Ratios are ours divided by the baseline's, so above 1 means faster.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "runner"))

from helixcode import migrate  # noqa: E402
from helixcode.embedded import Cluster  # noqa: E402

BENCH_DIR = ROOT / ".bench"
PGQ_VENV = BENCH_DIR / "pgqueuer-venv"
PGQ_SIDE = Path(__file__).with_name("pgqueuer_side.py")
BATCH = 100


# ------------------------------------------------------------------------------------------
# Setup
# ------------------------------------------------------------------------------------------

def start_cluster() -> Cluster:
    """A private, durable cluster in a temporary directory."""
    return Cluster.temporary("helix-bench-")


def ensure_pgqueuer() -> Path:
    """PgQueuer in a virtualenv of its own; returns its python."""
    python = PGQ_VENV / "bin" / "python"
    if not python.exists():
        print("installing PgQueuer into", PGQ_VENV, file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PGQ_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pgqueuer", "asyncpg"],
                       check=True)
    return python


def pgq(python: Path, *args: str) -> dict[str, float]:
    out = subprocess.run([str(python), str(PGQ_SIDE), *args], check=True,
                         capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def pgqueuer_version(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import pgqueuer; print(pgqueuer.__version__)"],
        capture_output=True, text=True, check=False).stdout.strip() or "?"


def new_database(cluster: Cluster, name: str, helix: bool) -> str:
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    url = cluster.url(name)
    if helix:
        migrate.migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "select helix.register_worker(%s, %s, p_max_concurrent_tasks => 10000)",
                ("bench-worker", json.dumps({"transport": "local"})))
            # Backoff and heartbeats play no part here.
            conn.execute("update helix.workers set last_heartbeat = now()")
    return url


def in_threads(count: int, work: Callable[[int], None]) -> float:
    """Run work(i) in `count` threads at once; the seconds until all are done."""
    errors: list[BaseException] = []

    def wrapped(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------------
# Our cycle
# ------------------------------------------------------------------------------------------

def helix_cycle(url: str, tasks: int, connections: int, batched: bool) -> float:
    """Tasks per second through submit, assign, start and complete.

    Only tasks that went through the whole cycle inside the timed window count: with several
    connections an assign_tasks can come back short or empty (another connection holds the
    worker row), and the tasks it left are finished by drain_leftovers, outside the window.
    """
    per_conn = tasks // connections
    completed = [0] * connections

    def one_by_one(i: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            for _ in range(per_conn):
                conn.execute("select helix.submit_task('noop', '{}'::jsonb)")
                row = conn.execute(
                    "select task_id, attempt from helix.assign_tasks(1)").fetchone()
                if row is None:
                    continue
                conn.execute("select helix.start_task(%s, %s)", row)
                conn.execute("select helix.complete_task(%s, %s, '{}'::jsonb)", row)
                completed[i] += 1

    def in_batches(i: int) -> None:
        spec = json.dumps([{"task_type": "noop", "task_data": {}}] * BATCH)
        with psycopg.connect(url, autocommit=True) as conn:
            for _ in range(per_conn // BATCH):
                conn.execute("select helix.submit_tasks(%s::jsonb)", (spec,))
                rows = conn.execute(
                    "select task_id, attempt from helix.assign_tasks(%s)", (BATCH,)).fetchall()
                if not rows:
                    continue
                ids = [r[0] for r in rows]
                attempts = [r[1] for r in rows]
                conn.execute("select helix.start_tasks(%s, %s)", (ids, attempts))
                conn.execute("select helix.complete_tasks(%s, %s, %s::jsonb[])",
                             (ids, attempts, ["{}"] * len(ids)))
                completed[i] += len(ids)

    seconds = in_threads(connections, in_batches if batched else one_by_one)
    return sum(completed) / seconds


def drain_leftovers(url: str) -> None:
    """Finish whatever a round left (with many connections a claim can come back empty)."""
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            rows = conn.execute("select task_id, attempt from helix.assign_tasks(1000)"
                                ).fetchall()
            if not rows:
                break
            for row in rows:
                conn.execute("select helix.start_task(%s, %s)", row)
                conn.execute("select helix.complete_task(%s, %s, '{}'::jsonb)", row)


# ------------------------------------------------------------------------------------------
# The bare limit: a plain table and SKIP LOCKED
# ------------------------------------------------------------------------------------------

BARE_SCHEMA = """
create table if not exists bare_jobs (
    id bigint generated always as identity primary key,
    status text not null default 'queued',
    payload jsonb not null default '{}'
);
create index if not exists bare_jobs_queued on bare_jobs (id) where status = 'queued';
"""

BARE_CLAIM = """
update bare_jobs set status = 'running'
where id in (select id from bare_jobs where status = 'queued'
             order by id for update skip locked limit %s)
returning id
"""


def bare_cycle(url: str, jobs: int, per_transaction: int) -> float:
    """Jobs per second through insert, claim, complete on a plain table, one connection."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BARE_SCHEMA)
        conn.execute("truncate bare_jobs")
        start = time.perf_counter()
        for _ in range(jobs // per_transaction):
            with conn.transaction():
                conn.execute("insert into bare_jobs (payload) select '{}' "
                             "from generate_series(1, %s)", (per_transaction,))
            with conn.transaction():
                ids = [r[0] for r in conn.execute(BARE_CLAIM, (per_transaction,)).fetchall()]
            with conn.transaction():
                conn.execute("update bare_jobs set status = 'done' where id = any(%s)", (ids,))
        return jobs / (time.perf_counter() - start)


# ------------------------------------------------------------------------------------------
# PgQueuer
# ------------------------------------------------------------------------------------------

def pgqueuer_cycle(python: Path, url: str, jobs: int, processes: int, batch: int,
                   enqueue_chunk: int) -> float:
    """Jobs per second: enqueue, then drain with `processes` workers."""
    enqueue = pgq(python, "enqueue", url, str(jobs), str(enqueue_chunk))["seconds"]
    procs = [subprocess.Popen([str(python), str(PGQ_SIDE), "drain", url, str(batch)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(processes)]
    for proc in procs:  # every drainer connected and set up: start them together
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    drained = 0
    for proc in procs:
        out, _ = proc.communicate()
        drained += int(json.loads(out.strip().splitlines()[-1])["jobs"])
    drain = time.perf_counter() - start
    if drained != jobs:
        raise RuntimeError(f"PgQueuer drained {drained} of {jobs} jobs")
    return jobs / (enqueue + drain)


# ------------------------------------------------------------------------------------------
# Assignment with a large table, and wake-up latency
# ------------------------------------------------------------------------------------------

def load_history(url: str, rows: int) -> None:
    """Fill the table with finished and blocked tasks (half each), then ANALYZE."""
    with psycopg.connect(url, autocommit=True) as conn:
        blocker = conn.execute("select helix.submit_task('blocker', '{}'::jsonb)").fetchone()
        assert blocker is not None
        conn.execute("""
            insert into helix.distributed_tasks (task_type, task_data, status, completed_at)
            select 'history', '{}', 'completed', now() from generate_series(1, %s)
        """, (rows // 2,))
        conn.execute("""
            insert into helix.distributed_tasks
                (task_type, task_data, dependencies, pending_dependencies)
            select 'blocked', '{}', array[%s::uuid], 1 from generate_series(1, %s)
        """, (blocker[0], rows - rows // 2))
        conn.execute("analyze helix.distributed_tasks")


def assign_rate(url: str, tasks: int) -> float:
    """Ready tasks assigned per second, in batches of 100, ready tasks submitted first."""
    spec = json.dumps([{"task_type": "noop", "task_data": {}}] * BATCH)
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(tasks // BATCH):
            conn.execute("select helix.submit_tasks(%s::jsonb)", (spec,))
        start = time.perf_counter()
        assigned = 0
        while assigned < tasks:
            rows = conn.execute("select task_id, attempt from helix.assign_tasks(%s)",
                                (BATCH,)).fetchall()
            if not rows:
                break
            assigned += len(rows)
        seconds = time.perf_counter() - start
        conn.execute("update helix.distributed_tasks set status = 'completed', "
                     "completed_at = now() where status = 'assigned'")
        return assigned / seconds


def wakeup_latencies(url: str, samples: int) -> list[float]:
    """Milliseconds from submit_task to a listener's assign_tasks returning the task."""
    ready = threading.Event()
    results: dict[str, float] = {}
    stop = threading.Event()

    def listener() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("listen helix_task_ready")
            ready.set()
            while not stop.is_set():
                # The connection is busy while the generator runs: leave it, then assign.
                if not list(conn.notifies(timeout=0.5, stop_after=1)):
                    continue
                for row in conn.execute(
                        "select task_id, attempt from helix.assign_tasks(10)").fetchall():
                    results[str(row[0])] = time.perf_counter()
                    conn.execute("select helix.start_task(%s, %s)", row)
                    conn.execute("select helix.complete_task(%s, %s, '{}'::jsonb)", row)

    thread = threading.Thread(target=listener, daemon=True)
    thread.start()
    ready.wait()
    latencies = []
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(samples):
            time.sleep(0.02)  # an idle system: one task at a time
            start = time.perf_counter()
            row = conn.execute("select helix.submit_task('noop', '{}'::jsonb)").fetchone()
            assert row is not None
            deadline = time.perf_counter() + 5
            while str(row[0]) not in results and time.perf_counter() < deadline:
                time.sleep(0.0002)
            if str(row[0]) in results:
                latencies.append((results[str(row[0])] - start) * 1000)
    stop.set()
    thread.join(timeout=2)
    return latencies


# ------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------

def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.platform()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small counts, one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big", type=int, default=1_000_000,
                        help="finished/blocked rows for the large-table figure")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    tasks = 400 if args.quick else 4000
    big = 20_000 if args.quick else args.big

    python = ensure_pgqueuer()
    cluster = start_cluster()
    try:
        run(cluster, python, rounds, tasks, big)
    finally:
        cluster.destroy()


def run(cluster: Cluster, python: Path, rounds: int, tasks: int, big: int) -> None:
    server = psycopg.connect(cluster.url("postgres")).info.server_version
    print(f"machine: {machine()}")
    print(f"PostgreSQL {server // 10000}.{server % 10000}, PgQueuer {pgqueuer_version(python)}, "
          f"{tasks} tasks per figure, median of {rounds} interleaved rounds\n")

    helix_url = new_database(cluster, "bench_helix", helix=True)
    bare_url = new_database(cluster, "bench_bare", helix=False)
    pgq_url = new_database(cluster, "bench_pgq", helix=False)
    pgq(python, "install", pgq_url)

    scenarios: dict[str, Callable[[], float]] = {}
    for connections in (1, 4, 16):
        scenarios[f"helix one-by-one, {connections} conn"] = (
            lambda c=connections: helix_cycle(helix_url, tasks, c, batched=False))
        scenarios[f"helix batch {BATCH}, {connections} conn"] = (
            lambda c=connections: helix_cycle(helix_url, tasks, c, batched=True))
    scenarios["bare, 1 job per txn"] = lambda: bare_cycle(bare_url, tasks, 1)
    scenarios[f"bare, {BATCH} jobs per txn"] = lambda: bare_cycle(bare_url, tasks, BATCH)
    scenarios["PgQueuer defaults"] = lambda: pgqueuer_cycle(python, pgq_url, tasks, 1, 10, 1)
    scenarios["PgQueuer tuned (4 proc, batch 100)"] = (
        lambda: pgqueuer_cycle(python, pgq_url, tasks, 4, BATCH, BATCH))

    figures: dict[str, list[float]] = {name: [] for name in scenarios}
    for r in range(rounds):
        for name, scenario in scenarios.items():
            figures[name].append(scenario())
            drain_leftovers(helix_url)
            print(f"  round {r + 1}: {name}: {figures[name][-1]:,.0f}/s", file=sys.stderr)
    med = {name: statistics.median(values) for name, values in figures.items()}

    small_url = new_database(cluster, "bench_small", helix=True)
    load_history(small_url, 10_000)
    large_url = new_database(cluster, "bench_large", helix=True)
    load_history(large_url, big)
    assign_small, assign_large = [], []
    for _ in range(rounds):
        assign_small.append(assign_rate(small_url, tasks))
        assign_large.append(assign_rate(large_url, tasks))

    latencies = wakeup_latencies(new_database(cluster, "bench_wake", helix=True),
                                 50 if tasks < 1000 else 300)

    best_pgq = med["PgQueuer tuned (4 proc, batch 100)"]
    best_batched = max(v for k, v in med.items() if k.startswith("helix batch"))
    best_single = max(v for k, v in med.items() if k.startswith("helix one-by-one"))
    print(f"| {'figure':42} | {'per second':>11} |")
    print(f"| {'-' * 42} | {'-' * 11}:|")
    for name, value in med.items():
        print(f"| {name:42} | {value:11,.0f} |")
    small_label = "assign, 10 thousand rows in table"
    print(f"| {small_label:42} | {statistics.median(assign_small):11,.0f} |")
    print(f"| {f'assign, {big:,} rows in table':42} | {statistics.median(assign_large):11,.0f} |")
    print()
    print("| ratio | value | target |")
    print("| --- | ---: | ---: |")
    print(f"| best helix batched / PgQueuer tuned | {best_batched / best_pgq:.2f} | >= 1.5 |")
    print(f"| best helix batched / bare batched | "
          f"{best_batched / med[f'bare, {BATCH} jobs per txn']:.2f} | >= 0.5 |")
    print(f"| best helix one-by-one / bare one-job | "
          f"{best_single / med['bare, 1 job per txn']:.2f} | >= 0.6 |")
    print(f"| assign at {big:,} / assign at 10 thousand | "
          f"{statistics.median(assign_large) / statistics.median(assign_small):.2f} | >= 0.9 |")
    if latencies:
        print(f"| wake-up latency median (ms) | {statistics.median(latencies):.2f} | < 3 |")
        print(f"| wake-up latency p99 (ms) | {p99(latencies):.2f} | |")
    else:
        print("| wake-up latency | no sample arrived | < 3 |")


if __name__ == "__main__":
    main()
