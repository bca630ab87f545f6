"""sweep() from several connections at once does its work once.

pgTAP runs on one connection, where advisory locks are re-entrant, so the race between two
sweepers can only be shown here, with real separate sessions.
"""

from __future__ import annotations

import json
import threading
import time

import psycopg


def _silent_worker_with_tasks(conn: psycopg.Connection, tasks: int) -> str:
    worker = conn.execute(
        "select helix.register_worker('sweep-race', %s, p_max_concurrent_tasks => 50)",
        (json.dumps({"host": "127.0.0.9"}),)).fetchone()[0]
    conn.execute("select helix.heartbeat(%s, '{}'::jsonb)", (worker,))
    for _ in range(tasks):
        conn.execute("select helix.submit_task('shell', '{\"command\": \"true\"}'::jsonb)")
    assigned = conn.execute("select count(*) from helix.assign_tasks(50)").fetchone()[0]
    assert assigned == tasks
    # The worker went silent long ago: the next sweep must take it offline.
    conn.execute("update helix.workers set last_heartbeat = now() - interval '1 hour' "
                 "where id = %s", (worker,))
    return str(worker)


def test_second_sweep_returns_at_once_while_the_first_holds_the_lock(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as setup:
        worker = _silent_worker_with_tasks(setup, 3)
    with psycopg.connect(fresh_db) as first, psycopg.connect(fresh_db, autocommit=True) as second:
        did = first.execute("select helix.sweep()").fetchone()[0]  # transaction still open
        assert did > 0
        second.execute("set statement_timeout = '2s'")  # it must not wait for the first
        started = time.monotonic()
        assert second.execute("select helix.sweep()").fetchone()[0] == 0
        assert time.monotonic() - started < 1.5
        first.commit()
        assert second.execute("select helix.sweep()").fetchone()[0] == 0  # nothing left
        events = second.execute(
            "select event_type, count(*) from helix.worker_connectivity_events "
            "where worker_id = %s group by 1 order by 1", (worker,)).fetchall()
        assert dict(events)["disconnected"] == 1
        assert second.execute("select count(*) from helix.check_invariants()").fetchone()[0] == 0


def test_many_concurrent_sweeps_preserve_each_task_once(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as setup:
        worker = _silent_worker_with_tasks(setup, 10)
    barrier = threading.Barrier(6)
    results: list[int] = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            with psycopg.connect(fresh_db, autocommit=True) as conn:
                barrier.wait()
                for _ in range(5):
                    results.append(conn.execute("select helix.sweep()").fetchone()[0])
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=sweeper) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(1 for r in results if r > 0) >= 1
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        events = dict(conn.execute(
            "select event_type, count(*) from helix.worker_connectivity_events "
            "where worker_id = %s group by 1", (worker,)).fetchall())
        assert events.get("disconnected") == 1
        assert events.get("heartbeat_missed") == 1
        statuses = dict(conn.execute(
            "select status, count(*) from helix.distributed_tasks group by 1").fetchall())
        # Normal tasks have no grace by default: all ten are pending again, none lost.
        assert statuses == {"pending": 10}
        retries = conn.execute(
            "select max(retry_count) from helix.distributed_tasks").fetchone()[0]
        assert retries == 0
        assert conn.execute("select current_tasks_count from helix.workers where id = %s",
                            (worker,)).fetchone()[0] == 0
        assert conn.execute("select count(*) from helix.check_invariants()").fetchone()[0] == 0
