"""PgQueuer's half of bench/queue_throughput.py.

Runs inside its own virtualenv (the bench creates it and installs PgQueuer from PyPI there),
so PgQueuer's dependencies never mix with ours. It only enqueues or drains no-op jobs and
prints one JSON line with what it measured; the bench does the rest.

    python pgqueuer_side.py install URL
    python pgqueuer_side.py enqueue URL COUNT CHUNK     # CHUNK 1: one job per call
    python pgqueuer_side.py drain URL BATCH              # until the queue is empty

``drain`` connects and sets up, prints ``ready``, and starts only when a line arrives on its
standard input, so that several drainers start together and their start-up is not timed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import asyncpg
from pgqueuer import AsyncpgDriver, Queries, QueueManager
from pgqueuer.models import Job
from pgqueuer.types import QueueExecutionMode

ENTRYPOINT = "noop"


async def install(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        queries = Queries(AsyncpgDriver(conn))
        if not await queries.schema_is_installed():
            await queries.install()
    finally:
        await conn.close()


async def enqueue(url: str, count: int, chunk: int) -> float:
    conn = await asyncpg.connect(url)
    try:
        queries = Queries(AsyncpgDriver(conn))
        start = time.perf_counter()
        if chunk <= 1:
            for _ in range(count):
                await queries.enqueue(ENTRYPOINT, None)
        else:
            for offset in range(0, count, chunk):
                size = min(chunk, count - offset)
                await queries.enqueue([ENTRYPOINT] * size, [None] * size, [0] * size)
        return time.perf_counter() - start
    finally:
        await conn.close()


async def drain(url: str, batch: int) -> tuple[float, int]:
    conn = await asyncpg.connect(url)
    done = 0
    try:
        manager = QueueManager(Queries(AsyncpgDriver(conn)))

        @manager.entrypoint(ENTRYPOINT)
        async def noop(job: Job) -> None:
            nonlocal done
            done += 1

        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        start = time.perf_counter()
        await manager.run(batch_size=batch, mode=QueueExecutionMode.drain)
        return time.perf_counter() - start, done
    finally:
        await conn.close()


def main(argv: list[str]) -> None:
    command, url = argv[1], argv[2]
    if command == "install":
        asyncio.run(install(url))
        print(json.dumps({"installed": True}))
    elif command == "enqueue":
        seconds = asyncio.run(enqueue(url, int(argv[3]), int(argv[4])))
        print(json.dumps({"seconds": seconds}))
    elif command == "drain":
        seconds, done = asyncio.run(drain(url, int(argv[3])))
        print(json.dumps({"seconds": seconds, "jobs": done}))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv)
