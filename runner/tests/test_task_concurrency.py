"""The task engine under concurrent callers, on a real PostgreSQL.

Several connections assign, start, fail, release and complete a few thousand tasks at once
(single and batch forms mixed) against a few workers of limited capacity, while a monitor
watches capacity and a chaos caller cancels and retries held tasks under their runners.
Afterwards: every task completed exactly once, no (task, attempt) handed out twice, attempts
consecutive, every refused report one of a cancelled attempt, no worker ever over capacity,
check_invariants() empty.

Size: HELIX_STRESS_SCALE (default 1) multiplies the number of tasks; 1 is about 1,500.
Also here: the notifications the triggers send (one helix_task_ready per transaction,
helix_events, helix_task_control with the attempt).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import random
import threading
import time
import uuid
from collections import Counter, defaultdict

import psycopg
import pytest

log = logging.getLogger(__name__)

SCALE = float(os.environ.get("HELIX_STRESS_SCALE", "1"))
N_TASKS = max(100, int(1500 * SCALE))
N_THREADS = 8
WORKER_CAPACITY = {"w1": 3, "w2": 4, "w3": 5}
DEADLINE_SECONDS = 60 * max(1.0, SCALE)


@dataclasses.dataclass
class Log:
    """What the threads saw, shared under one lock."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    handed: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    completed: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    over_capacity: list[str] = dataclasses.field(default_factory=list)
    # (task, attempt) the chaos caller cancelled, and the reports the engine refused.
    cancelled: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    refused: list[tuple[str, int, str]] = dataclasses.field(default_factory=list)


def _setup(conn: psycopg.Connection) -> uuid.UUID:
    """Workers of limited capacity, a runner, immediate retries, and the tasks."""
    for name, capacity in WORKER_CAPACITY.items():
        conn.execute(
            "insert into helix.workers (hostname, ssh_config, capabilities, "
            "max_concurrent_tasks) values (%s, '{}', '{linux}', %s)", (name, capacity))
    runner_id = conn.execute(
        "insert into helix.runners (name, hostname, lease_expires_at) "
        "values ('stress', 'localhost', now() + interval '1 hour') returning id").fetchone()[0]
    conn.execute("update helix.settings set value = '\"0 seconds\"' "
                 "where key = 'retry_base_delay'")
    ids: list[str] = []
    rng = random.Random(7)
    for start in range(0, N_TASKS, 500):
        batch = []
        for i in range(start, min(start + 500, N_TASKS)):
            spec: dict[str, object] = {
                "task_type": "noop", "task_data": {"i": i}, "max_retries": 100,
                "priority": rng.randint(0, 10),
                "criticality": rng.choice(["low", "normal", "high", "critical"]),
            }
            # Some tasks wait for an earlier one, so completion resolves dependents under load.
            if ids and rng.random() < 0.15:
                spec["dependencies"] = [rng.choice(ids)]
            batch.append(spec)
        row = conn.execute("select helix.submit_tasks(%s::jsonb)", (json.dumps(batch),))
        ids.extend(str(x) for x in row.fetchone()[0])
    assert len(ids) == N_TASKS
    return runner_id


def _remaining(conn: psycopg.Connection) -> int:
    return conn.execute("select count(*) from helix.distributed_tasks "
                        "where status <> 'completed'").fetchone()[0]


def _report(conn: psycopg.Connection, shared: Log, task_id: str, attempt: int,
            query: str, *args: object) -> bool:
    """Run one report; a fencing refusal (HX003, HX004) is recorded, not raised."""
    try:
        conn.execute(query, (task_id, attempt, *args))
        return True
    except psycopg.Error as exc:
        if exc.sqlstate not in ("HX003", "HX004"):
            raise
        with shared.lock:
            shared.refused.append((task_id, attempt, exc.sqlstate))
        return False


def _work(url: str, runner_id: uuid.UUID, number: int, shared: Log,
          stop: threading.Event) -> None:
    """One caller: assign a few, then fail, release or start and complete each."""
    rng = random.Random(number)
    batch = number % 2 == 0
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            try:
                rows = conn.execute(
                    "select task_id::text, attempt from helix.assign_tasks(%s, %s)",
                    (rng.randint(1, 6), runner_id)).fetchall()
                if not rows:
                    if _remaining(conn) == 0:
                        return
                    time.sleep(0.002)
                    continue
                with shared.lock:
                    shared.handed.extend(rows)
                finishing = []
                for task_id, attempt in rows:
                    roll = rng.random()
                    if roll < 0.05:
                        _report(conn, shared, task_id, attempt,
                                "select helix.fail_task(%s, %s, 'flaky')")
                    elif roll < 0.08:
                        _report(conn, shared, task_id, attempt,
                                "select helix.release_task(%s, %s)")
                    else:
                        finishing.append((task_id, attempt))
                if not finishing:
                    continue
                done_ids: list[str] = []
                if batch:
                    tids = [t for t, _ in finishing]
                    attempts = [a for _, a in finishing]
                    started = conn.execute(
                        "select task_id::text, refused_with "
                        "from helix.start_tasks(%s::uuid[], %s)", (tids, attempts)).fetchall()
                    ok = [(t, a) for (t, a), (_, r) in zip(finishing, started) if r is None]
                    done = conn.execute(
                        "select task_id::text, refused_with from helix.complete_tasks(%s::uuid[], "
                        "%s)", ([t for t, _ in ok], [a for _, a in ok])).fetchall()
                    done_ids = [t for t, r in done if r is None]
                    by_id = dict(finishing)
                    with shared.lock:
                        shared.refused.extend((t, by_id[t], r) for t, r in started + done
                                              if r is not None)
                else:
                    for task_id, attempt in finishing:
                        if (_report(conn, shared, task_id, attempt,
                                    "select helix.start_task(%s, %s)")
                                and _report(conn, shared, task_id, attempt,
                                            "select helix.complete_task(%s, %s, '{}')")):
                            done_ids.append(task_id)
                with shared.lock:
                    shared.completed.extend(done_ids)
            except Exception as exc:  # noqa: BLE001 - every failure is reported by the test
                log.exception("caller %s failed", number)
                with shared.lock:
                    shared.errors.append(f"caller {number}: {exc!r}")
                return


def _chaos(url: str, shared: Log, stop: threading.Event) -> None:
    """Cancels a held task now and then and retries it at once: its runner's later reports
    for that attempt must be refused, and the task must still complete exactly once."""
    rng = random.Random(99)
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            time.sleep(0.01)
            # Only tasks nothing depends on: cancelling cancels dependents, and retry_task
            # brings back the task alone.
            row = conn.execute(
                "select t.id::text from helix.distributed_tasks t "
                "where t.status in ('assigned', 'running') and not exists "
                "(select from helix.task_dependencies d where d.depends_on_id = t.id) "
                "limit 1 offset %s", (rng.randint(0, 5),)).fetchone()
            if row is None:
                continue
            try:
                with conn.transaction():
                    conn.execute("select helix.cancel_task(%s, 'chaos')", (row[0],))
                    # Read under cancel's row lock: the attempt that was really cancelled.
                    attempt = conn.execute("select attempt from helix.distributed_tasks "
                                           "where id = %s", (row[0],)).fetchone()[0]
                    conn.execute("select helix.retry_task(%s)", (row[0],))
            except psycopg.Error as exc:
                if exc.sqlstate != "HX003":  # finished meanwhile: nothing to cancel
                    with shared.lock:
                        shared.errors.append(f"chaos: {exc!r}")
                    return
                continue
            with shared.lock:
                shared.cancelled.append((row[0], attempt))


def _monitor(url: str, shared: Log, stop: threading.Event) -> None:
    """Checks, in one snapshot at a time, that no worker holds more than its capacity."""
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            rows = conn.execute(
                "select w.hostname, count(t.id), w.max_concurrent_tasks "
                "from helix.workers w join helix.distributed_tasks t "
                "on t.assigned_worker_id = w.id and t.status in ('assigned', 'running') "
                "group by w.hostname, w.max_concurrent_tasks "
                "having count(t.id) > w.max_concurrent_tasks").fetchall()
            if rows:
                with shared.lock:
                    shared.over_capacity.extend(str(r) for r in rows)
            time.sleep(0.005)


def test_task_engine_concurrent_callers__each_task_runs_once(
        fresh_db: str, conn: psycopg.Connection) -> None:
    runner_id = _setup(conn)
    shared = Log()
    stop = threading.Event()
    monitor_stop = threading.Event()
    monitor = threading.Thread(target=_monitor, args=(fresh_db, shared, monitor_stop))
    callers = [threading.Thread(target=_work, args=(fresh_db, runner_id, n, shared, stop))
               for n in range(N_THREADS)]
    chaos_stop = threading.Event()
    chaos = threading.Thread(target=_chaos, args=(fresh_db, shared, chaos_stop))
    started = time.monotonic()
    monitor.start()
    chaos.start()
    for t in callers:
        t.start()
    for t in callers:
        t.join(timeout=max(0.0, DEADLINE_SECONDS - (time.monotonic() - started)))
    stop.set()
    for t in callers:
        t.join()
    monitor_stop.set()
    monitor.join()
    chaos_stop.set()
    chaos.join()
    log.info("%d tasks, %d hand-outs, %d cancelled under their runner, %d reports refused, "
             "in %.1f s", N_TASKS, len(shared.handed), len(shared.cancelled),
             len(shared.refused), time.monotonic() - started)

    assert not shared.errors, shared.errors
    # Every refused report belongs to an attempt that was cancelled under its runner.
    assert shared.cancelled, "the chaos caller cancelled nothing: the test proved little"
    cancelled = set(shared.cancelled)
    strays = [r for r in shared.refused if (r[0], r[1]) not in cancelled]
    assert not strays, strays
    assert not shared.over_capacity, shared.over_capacity
    assert _remaining(conn) == 0, "tasks were lost or left unfinished"
    # Never the same (task, attempt) to two callers; attempts 1..k without gaps.
    assert len(set(shared.handed)) == len(shared.handed)
    by_task: dict[str, list[int]] = defaultdict(list)
    for task_id, attempt in shared.handed:
        by_task[task_id].append(attempt)
    assert len(by_task) == N_TASKS
    db_attempts = dict(conn.execute(
        "select id::text, attempt from helix.distributed_tasks").fetchall())
    for task_id, attempts in by_task.items():
        assert sorted(attempts) == list(range(1, len(attempts) + 1)), (task_id, attempts)
        assert db_attempts[task_id] == len(attempts), task_id
    # Each task completed exactly once.
    counts = Counter(shared.completed)
    assert set(counts) == set(db_attempts)
    assert max(counts.values()) == 1
    assert conn.execute("select coalesce(sum(current_tasks_count), 0) "
                        "from helix.workers").fetchone()[0] == 0
    assert conn.execute("select * from helix.check_invariants()").fetchall() == []


def _drain(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return [(n.channel, n.payload) for n in conn.notifies(timeout=0.2)]


def test_notifications__one_ready_per_transaction_and_control_with_attempt(
        fresh_db: str, conn: psycopg.Connection) -> None:
    conn.execute("insert into helix.workers (hostname, ssh_config, max_concurrent_tasks) "
                 "values ('w1', '{}', 5)")
    with psycopg.connect(fresh_db, autocommit=True) as listener:
        for channel in ("helix_task_ready", "helix_events", "helix_task_control"):
            listener.execute(f"listen {channel}")

        conn.execute("select helix.submit_tasks(%s::jsonb)",
                     (json.dumps([{"task_type": "noop"}] * 50),))
        got = _drain(listener)
        assert [c for c, _ in got].count("helix_task_ready") == 1
        events = [json.loads(p) for c, p in got if c == "helix_events"]
        assert events == [{"kind": "task", "event": "submitted", "tasks": 50}]

        # A blocked task sends no ready notification.
        first = conn.execute("select id from helix.distributed_tasks limit 1").fetchone()[0]
        conn.execute("select helix.submit_task('noop', p_dependencies => array[%s::uuid])",
                     (first,))
        assert [c for c, _ in _drain(listener)] == ["helix_events"]

        rows = conn.execute("select task_id, attempt from helix.assign_tasks(2)").fetchall()
        got = _drain(listener)
        assert [c for c, _ in got] == ["helix_events"]
        assert json.loads(got[0][1])["tasks"] == 2

        task_id, attempt = rows[0]
        conn.execute("select helix.start_task(%s, %s)", (task_id, attempt))
        event = json.loads(_drain(listener)[0][1])
        assert event == {"kind": "task", "task_id": str(task_id), "status": "running",
                         "old_status": "assigned", "attempt": attempt}

        # Cancelling a running task: control with the attempt, a freed slot, an event.
        conn.execute("select helix.cancel_task(%s, 'stop')", (task_id,))
        got = _drain(listener)
        control = [json.loads(p) for c, p in got if c == "helix_task_control"]
        assert control == [{"task_id": str(task_id), "attempt": attempt, "action": "cancel"}]
        assert "helix_task_ready" in [c for c, _ in got]

        # Pausing an assigned task tells its runner too; pausing a pending one does not.
        other_id, other_attempt = rows[1]
        conn.execute("select helix.pause_task(%s)", (other_id,))
        control = [json.loads(p) for c, p in _drain(listener) if c == "helix_task_control"]
        assert control == [{"task_id": str(other_id), "attempt": other_attempt,
                            "action": "pause"}]
        pending = conn.execute("select id from helix.distributed_tasks "
                               "where status = 'pending' limit 1").fetchone()[0]
        conn.execute("select helix.pause_task(%s)", (pending,))
        assert [c for c, _ in _drain(listener)] == ["helix_events"]

        # Several statements in one transaction: one helix_task_ready.
        with conn.transaction():
            conn.execute("select helix.submit_task('noop')")
            conn.execute("select helix.submit_task('noop')")
        assert [c for c, _ in _drain(listener)].count("helix_task_ready") == 1


@pytest.mark.parametrize("rows", [0, 20000])
def test_assign_uses_ready_index__whatever_the_table_held_when_planned(
        conn: psycopg.Connection, rows: int) -> None:
    """The plan of the ready query, under the settings assign_tasks runs with, is an ordered
    scan of the partial index, on a table that looked empty or full of finished tasks."""
    conn.execute("insert into helix.distributed_tasks (task_type, task_data, status) "
                 "select 'noop', '{}', 'completed' from generate_series(1, %s)", (rows,))
    conn.execute("analyze helix.distributed_tasks")
    with conn.transaction():
        conn.execute("set local enable_seqscan = off")
        conn.execute("set local enable_bitmapscan = off")
        conn.execute("set local enable_sort = off")
        plan = "\n".join(r[0] for r in conn.execute(
            "explain select t.id from helix.distributed_tasks t "
            "where t.status = 'pending' and t.pending_dependencies = 0 and t.run_after <= now() "
            "order by t.criticality_rank, t.priority desc, t.created_at, t.id "
            "limit 10 for update skip locked").fetchall())
    assert "distributed_tasks_ready_idx" in plan, plan
    assert "Sort" not in plan, plan
    config = conn.execute("select proconfig from pg_proc "
                          "where oid = 'helix.assign_tasks(integer, uuid, uuid[])'::regprocedure"
                          ).fetchone()[0]
    assert {"enable_seqscan=off", "enable_bitmapscan=off", "enable_sort=off"} <= set(config)
