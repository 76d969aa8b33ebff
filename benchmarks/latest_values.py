"""The latest values' upsert: eight typed arrays (asyncpg's codecs) against one JSON
document (msgspec), side by side in one process.

    uv run python -m benchmarks.latest_values                  # after ./dev up; ~20 s
    uv run python -m benchmarks.latest_values --series 100 --rounds 60

A batch moves the latest value of every series it touches in one statement. asyncpg
encodes an array element by element and checks each element against abstract classes
(is it a nested array?), so with a few hundred series that statement was a large share
of the store step's CPU whenever a batch had few events per series (low load, small
batches). The aggregator now sends the rows as one JSON document. Both statements run
here on the same rows into a scratch database (migrated, the shipped catalog), each in a
transaction rolled back, alternated round by round; reported: this process's CPU and
the wall time of one statement (medians), and whether both left the same rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from benchmarks.infrastructure import create_database, drop_database, progress, read_env
from ioc_aggregator.outbound.figures import UPSERT_LATEST, FigureOfRecord, upsert_latest_values
from ioc_testing.pipeline import migrate_with_catalog

# The statement before, kept here as the reference: the same upsert, its rows from
# eight arrays.
_ROWS_FROM_JSON = UPSERT_LATEST[UPSERT_LATEST.index("SELECT") : UPSERT_LATEST.index("ON CONFLICT")]
ARRAYS = UPSERT_LATEST.replace(
    _ROWS_FROM_JSON,
    """SELECT *, now()
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::float8[],
            $6::float8[], $7::uuid[], $8::text[])
    AS c(indicator, scope, observed_at, value, numerator, denominator, event_id, agency)
ORDER BY indicator, scope
""",
)
_STORED = "SELECT * FROM ioc.latest_values ORDER BY indicator, scope"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.latest_values",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--series", type=int, default=552, help="series per statement (552)")
    parser.add_argument("--rounds", type=int, default=40, help="rounds, each runs both (40)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def candidates(series: int) -> list[FigureOfRecord]:
    """Figures of record as a batch hands them on: every other one a ratio."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        FigureOfRecord(
            f"bench.indicator-{n % 40}",
            f"scope-{n}",
            start + timedelta(hours=n, microseconds=n),
            n / 7 + 0.1,
            float(n) if n % 2 else None,
            1000.0 if n % 2 else None,
            uuid.uuid4(),
            "bench-agency",
        )
        for n in range(series)
    ]


async def _timed(connection: asyncpg.Connection, run: Any) -> tuple[float, float, list[Any]]:
    transaction = connection.transaction()
    await transaction.start()
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        await run()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        stored = [tuple(r.values())[:-1] for r in await connection.fetch(_STORED)]
    finally:
        await transaction.rollback()
    return cpu * 1e3, wall * 1e3, stored


async def measure(options: argparse.Namespace) -> dict[str, Any]:
    env = read_env()
    database = await create_database(env, f"ioc_bench_latest_{uuid.uuid4().hex[:8]}")
    try:
        await migrate_with_catalog(database)
        connection = await asyncpg.connect(database.dsns["writer"])
        try:
            rows = candidates(options.series)
            ways = {
                "eight arrays": lambda: connection.fetch(ARRAYS, *zip(*rows, strict=True)),
                "one JSON document": lambda: upsert_latest_values(connection, rows),
            }
            figures: dict[str, dict[str, list[float]]] = {w: {"cpu": [], "wall": []} for w in ways}
            left: dict[str, list[Any]] = {}
            for round_ in range(options.rounds):
                # Alternated, so a busy moment of the machine falls on both.
                order = list(ways) if round_ % 2 else list(reversed(ways))
                for way in order:
                    cpu, wall, left[way] = await _timed(connection, ways[way])
                    figures[way]["cpu"].append(cpu)
                    figures[way]["wall"].append(wall)
                if (round_ + 1) % 10 == 0:
                    progress(f"round {round_ + 1} of {options.rounds}")
        finally:
            await connection.close()
    finally:
        await drop_database(env, database.name, [])
    same = left["eight arrays"] == left["one JSON document"]
    return {
        "series": options.series,
        "rounds": options.rounds,
        "same_rows": same,
        "medians_ms": {
            way: {k: statistics.median(v) for k, v in f.items()} for way, f in figures.items()
        },
    }


def main(argv: list[str] | None = None) -> None:
    options = arguments(argv)
    result = asyncio.run(measure(options))
    if options.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['series']} series, {result['rounds']} rounds, medians of one statement:")
    for way, medians in result["medians_ms"].items():
        print(f"  {way:18} our CPU {medians['cpu']:.2f} ms, wall {medians['wall']:.2f} ms")
    print(f"  same rows left by both: {'yes' if result['same_rows'] else 'NO'}")


if __name__ == "__main__":
    main()
