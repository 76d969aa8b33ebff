"""Limit: COPY of the same rows, from memory, into the same hypertable, in one transaction.

No Kafka, no decoding, no latest values: what TimescaleDB takes at most on this
machine for these rows and indexes. Connects as the aggregator's own role.

    python -m benchmarks.contenders.raw_copy --dsn DSN --events 200000
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg

from benchmarks.contenders import emit
from benchmarks.events import COLUMNS, Workload


async def copy_rows(dsn: str, events: int, seed: int) -> dict[str, float]:
    rows = [e.row() for e in Workload(seed=seed).events(0, events)]
    connection = await asyncpg.connect(dsn)
    try:
        started = time.time()
        cpu = time.process_time()
        await connection.copy_records_to_table(
            "observations", schema_name="ioc", columns=list(COLUMNS), records=rows
        )
        finished = time.time()
        cpu = time.process_time() - cpu
    finally:
        await connection.close()
    return {
        "events": events,
        "started": started,
        "finished": finished,
        "seconds": finished - started,
        "cpu_seconds": cpu,
        "events_per_second": events / (finished - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2023)
    arguments = parser.parse_args()
    emit(asyncio.run(copy_rows(arguments.dsn, arguments.events, arguments.seed)))


if __name__ == "__main__":
    main()
