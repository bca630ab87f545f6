"""What the throughput work of the task engine relies on, on a real PostgreSQL.

* assign_tasks waits (at most its lock_timeout, 100ms) for a worker row another transaction
  holds, instead of returning nothing at once, and gives up after that;
* the reports find their task by primary key even under generic plans, never by scanning
  the partial index of held tasks (distributed_tasks_assigned_worker_idx);
* the seed indexes made partial by migration 0005 still serve the queries that need them
  (held tasks through the index of held tasks, which replaced the status index for them).
"""

from __future__ import annotations

import json
import threading
import time
import uuid

import psycopg

HELD_INDEX = "helix.distributed_tasks_assigned_worker_idx"
PKEY = "helix.distributed_tasks_pkey"


def _worker(conn: psycopg.Connection) -> uuid.UUID:
    """One active worker with room for many tasks."""
    row = conn.execute(
        "insert into helix.workers (hostname, ssh_config, max_concurrent_tasks, "
        "last_heartbeat) values ('w1', '{}', 1000, now()) returning id").fetchone()
    assert row is not None
    return row[0]


def _hold_worker_row(url: str, worker_id: uuid.UUID, seconds: float,
                     locked: threading.Event) -> threading.Thread:
    """A thread that holds the worker row FOR NO KEY UPDATE for `seconds`, then commits."""

    def hold() -> None:
        with psycopg.connect(url) as other:
            other.execute("select 1 from helix.workers where id = %s for no key update",
                          (worker_id,))
            locked.set()
            time.sleep(seconds)
            other.commit()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(5)
    return thread


def _assign_while_held(url: str, conn: psycopg.Connection, worker_id: uuid.UUID,
                       seconds: float) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], float]:
    """assign_tasks(5) while another transaction holds the worker row for `seconds`."""
    locked = threading.Event()
    holder = _hold_worker_row(url, worker_id, seconds, locked)
    start = time.perf_counter()
    rows = conn.execute("select task_id, worker_id from helix.assign_tasks(5)").fetchall()
    waited = time.perf_counter() - start
    holder.join()
    return rows, waited


def test_assign_waits_for_a_worker_row_held_briefly(fresh_db: str,
                                                    conn: psycopg.Connection) -> None:
    worker_id = _worker(conn)
    conn.execute("select helix.submit_task('noop')")
    rows, waited = _assign_while_held(fresh_db, conn, worker_id, 0.03)
    assert len(rows) == 1, "the task is assigned once the other transaction commits"
    assert rows[0][1] == worker_id
    assert waited >= 0.02, f"assign_tasks returned after {waited:.3f}s without waiting"
    count = conn.execute("select current_tasks_count from helix.workers where id = %s",
                         (worker_id,)).fetchone()
    assert count == (1,)


def test_assign_gives_up_at_its_lock_timeout(fresh_db: str,
                                             conn: psycopg.Connection) -> None:
    worker_id = _worker(conn)
    task = conn.execute("select helix.submit_task('noop')").fetchone()
    assert task is not None
    rows, waited = _assign_while_held(fresh_db, conn, worker_id, 1.5)
    assert rows == [], "no worker could be locked in time: nothing assigned"
    assert 0.09 <= waited < 1.0, f"assign_tasks waited {waited:.3f}s, not about 100ms"
    status = conn.execute("select status, attempt from helix.distributed_tasks where id = %s",
                          (task[0],)).fetchone()
    assert status == ("pending", 0), "the task was left as it was"
    assert conn.execute("show lock_timeout").fetchone() == ("0",), \
        "the caller's lock_timeout is untouched"
    rows = conn.execute("select task_id from helix.assign_tasks(5)").fetchall()
    assert [r[0] for r in rows] == [task[0]], "assigned once the worker row is free"


def _numscans(conn: psycopg.Connection, index: str) -> int:
    """Index scans counted so far in this transaction."""
    row = conn.execute("select pg_stat_get_xact_numscans(%s::regclass)", (index,)).fetchone()
    assert row is not None
    return int(row[0])


def test_reports_probe_the_primary_key_under_generic_plans(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as setup:
        _worker(setup)
        spec = json.dumps([{"task_type": "noop"}] * 300)
        setup.execute("select helix.submit_tasks(%s::jsonb)", (spec,))
        held = setup.execute("select task_id, attempt from helix.assign_tasks(300)").fetchall()
        setup.execute("analyze helix.distributed_tasks")
    assert len(held) == 300
    with psycopg.connect(fresh_db) as conn:
        conn.execute("set plan_cache_mode = force_generic_plan")
        calls = [
            ("select helix.start_task(%s, %s)", held[0]),
            ("select helix.report_progress(%s, %s, 0.5)", held[0]),
            ("select helix.save_checkpoint(%s, %s, 'half', '{}')", held[0]),
            ("select helix.complete_task(%s, %s)", held[0]),
            ("select helix.fail_task(%s, %s, 'boom')", held[1]),
            ("select helix.release_task(%s, %s)", held[2]),
            ("select * from helix.start_tasks(%s, %s)",
             ([h[0] for h in held[3:10]], [h[1] for h in held[3:10]])),
            ("select * from helix.complete_tasks(%s, %s)",
             ([h[0] for h in held[3:10]], [h[1] for h in held[3:10]])),
        ]
        for sql, args in calls:
            held_before, pkey_before = _numscans(conn, HELD_INDEX), _numscans(conn, PKEY)
            conn.execute(sql, args)
            assert _numscans(conn, HELD_INDEX) == held_before, \
                f"{sql} scanned the index of held tasks"
            assert _numscans(conn, PKEY) > pkey_before, f"{sql} did not probe the primary key"
        conn.rollback()


def test_partial_seed_indexes_serve_their_queries(conn: psycopg.Connection) -> None:
    worker_id = _worker(conn)
    conn.execute("select helix.submit_task('noop')")
    conn.execute("select helix.assign_tasks(1)")
    conn.execute("set enable_seqscan = off")
    plans = [
        ("distributed_tasks_assigned_worker_idx",
         "select id from helix.distributed_tasks where assigned_worker_id = '%s' "
         "and status in ('assigned', 'running')" % worker_id),
        ("distributed_tasks_assigned_worker_idx",
         "select id from helix.distributed_tasks where status = 'running'"),
        ("distributed_tasks_status_idx",
         "select id from helix.distributed_tasks where status = 'waiting_for_worker'"),
        # An operator looking for what went wrong is served by an index.
        ("distributed_tasks_status_idx",
         "select id from helix.distributed_tasks where status = 'failed'"),
        ("distributed_tasks_status_idx",
         "select id from helix.distributed_tasks where status = 'cancelled'"),
        ("distributed_tasks_dependencies_idx",
         "select id from helix.distributed_tasks where dependencies @> array['%s'::uuid] "
         "and dependencies <> '{}'" % uuid.uuid4()),
    ]
    for index, sql in plans:
        plan = "\n".join(r[0] for r in conn.execute("explain " + sql).fetchall())
        assert index in plan, f"{index} not used by: {sql}\n{plan}"
