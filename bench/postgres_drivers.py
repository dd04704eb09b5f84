"""psycopg 3 (synchronous, what mockserver.storage.postgres uses) against asyncpg, on the store's own
write: one transaction that takes the record's advisory lock, reads it and saves it.

    .venv/bin/pip install asyncpg==0.32.0   # not a dependency: only this comparison needs it
    .venv/bin/python bench/postgres_drivers.py postgresql://user:password@127.0.0.1:5432/db

Prints the median microseconds per write and per read for each, over 5 rounds of 2,000.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

import psycopg

N, ROUNDS = 2000, 5
BODY = json.dumps({"Comment": "x" * 200, "SourceContactId": 381})
SETUP = (
    "CREATE TABLE IF NOT EXISTS bench_entity (kind text, id integer, body text, PRIMARY KEY (kind, id))",
    "DELETE FROM bench_entity",
)


def psycopg_round(url: str) -> tuple[float, float]:
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        for i in range(N):
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (1, i))
                conn.execute("SELECT body FROM bench_entity WHERE kind = %s AND id = %s", ("R", i)).fetchone()
                conn.execute(
                    "INSERT INTO bench_entity VALUES (%s, %s, %s) "
                    "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
                    ("R", i, BODY),
                )
        writes = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(N):
            conn.execute("SELECT body FROM bench_entity WHERE kind = %s AND id = %s", ("R", i)).fetchone()
        reads = time.perf_counter() - started
    return writes / N * 1e6, reads / N * 1e6


async def _asyncpg_round(url: str) -> tuple[float, float]:
    import asyncpg  # type: ignore[import-not-found]

    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        for i in range(N):
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", 1, i)
                await conn.fetchrow("SELECT body FROM bench_entity WHERE kind = $1 AND id = $2", "R", i)
                await conn.execute(
                    "INSERT INTO bench_entity VALUES ($1, $2, $3) "
                    "ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
                    "R", i, BODY,
                )  # fmt: skip
        writes = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(N):
            await conn.fetchrow("SELECT body FROM bench_entity WHERE kind = $1 AND id = $2", "R", i)
        reads = time.perf_counter() - started
    finally:
        await conn.close()
    return writes / N * 1e6, reads / N * 1e6


def main(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement)  # type: ignore[arg-type]
    for name, run in (
        ("psycopg 3 (sync)", psycopg_round),
        ("asyncpg", lambda u: asyncio.run(_asyncpg_round(u))),
    ):
        rounds = [run(url) for _ in range(ROUNDS)]
        write = statistics.median(r[0] for r in rounds)
        read = statistics.median(r[1] for r in rounds)
        print(f"{name:18} write {write:6.0f} us   read {read:5.0f} us")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1])
