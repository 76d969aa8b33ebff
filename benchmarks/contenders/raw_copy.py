"""Limit: COPY of the same rows, from memory, into the same hypertable, in one transaction.

No Kafka, no decoding, no latest values: what TimescaleDB takes at most on this
machine for these rows and indexes. Connects as the aggregator's own role.

With `--every-table`, the same transaction also COPYs what the aggregator writes beside
the ledger for each new event: its id into `ioc.event_ids` and its figure of record into
`ioc.figures` (each event of the benchmark is a figure of its own). That is the limit of
the aggregator's writes, as raw COPY alone is the limit of the ledger's.

    python -m benchmarks.contenders.raw_copy --dsn DSN --events 200000 [--every-table]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

import asyncpg

from benchmarks.contenders import emit
from benchmarks.events import COLUMNS, Workload

_IDS = ("agency", "event_id", "observed_at")
_FIGURES = ("indicator", "scope", "observed_at", "value", "numerator", "denominator", "agency")
_FIGURE_FROM_ROW = (2, 3, 1, 5, 6, 7, 4)  # positions in `COLUMNS`


async def copy_rows(dsn: str, events: int, seed: int, every_table: bool) -> dict[str, float]:
    rows = [e.row() for e in Workload(seed=seed).events(0, events)]
    ids = [(r[4], r[0], r[1]) for r in rows]
    now = datetime.now(UTC)
    figures = [(*(r[i] for i in _FIGURE_FROM_ROW), r[0], r[8], now, r[8] or now) for r in rows]
    connection = await asyncpg.connect(dsn)
    try:
        started = time.time()
        cpu = time.process_time()
        async with connection.transaction():
            if every_table:
                await connection.copy_records_to_table(
                    "event_ids", schema_name="ioc", columns=list(_IDS), records=ids
                )
            await connection.copy_records_to_table(
                "observations", schema_name="ioc", columns=list(COLUMNS), records=rows
            )
            if every_table:
                await connection.copy_records_to_table(
                    "figures",
                    schema_name="ioc",
                    columns=[*_FIGURES, "event_id", "reported_at", "received_at", "revised_at"],
                    records=figures,
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
    parser.add_argument(
        "--every-table",
        action="store_true",
        help="also the event ids and figures of record, as the aggregator writes them",
    )
    arguments = parser.parse_args()
    emit(
        asyncio.run(
            copy_rows(arguments.dsn, arguments.events, arguments.seed, arguments.every_table)
        )
    )


if __name__ == "__main__":
    main()
