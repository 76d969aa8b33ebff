"""The aggregator's two hot stages alone: screening and the store step, µs per event.

    uv run python -m benchmarks.stages --events 20000        # after ./dev up; ~1 minute

No Kafka: the benchmark's events (benchmarks/events.py) are screened from their bytes
by the aggregator's own screening, then stored in batches by its own store step into a
scratch database (migrated, catalog loaded), as the writer role. Three figures come out,
each the median of `--repeat` passes over fresh batches: the CPU of screening, the wall
time of the store transaction (the database's work included), and the CPU this process
spent in it (building the rows, encoding them, the protocol). Run it on two
checkouts back to back to compare them on a busy machine; the absolute figures are of
this machine at this moment.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import uvloop

from benchmarks.as_served import as_the_service_runs
from benchmarks.events import Workload
from benchmarks.infrastructure import connect, create_database, drop_database, progress, read_env
from ioc_aggregator.domain.records import Accepted, Consumed, SourceRecord
from ioc_aggregator.domain.screening import screen_or_refuse
from ioc_storage.catalog_read import CatalogRules, read_catalog_rules
from ioc_testing.pipeline import migrate_with_catalog

MAX_FUTURE = timedelta(days=1)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.stages",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", type=int, default=20_000, help="events per pass")
    parser.add_argument("--batch", type=int, default=2_000, help="events per store transaction")
    parser.add_argument(
        "--lanes", type=int, default=2, help="store transactions at once per batch (if supported)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="passes (the median is shown)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args()


def _store_step() -> Any:
    """The store step, wherever this checkout keeps it (the outbound adapters since the
    ports-and-adapters layout, `adapters/` before), so two checkouts compare."""
    try:
        return importlib.import_module("ioc_aggregator.outbound.observations").store_events
    except ImportError:
        return importlib.import_module("ioc_aggregator.adapters.observations").store_events


def records(workload: Workload, first: int, count: int) -> list[SourceRecord]:
    return [
        Consumed("bench", 0, e.n, e.key, e.value_bytes()) for e in workload.events(first, count)
    ]


def screening_rules(rules: CatalogRules) -> Any:
    """What this checkout's screening takes: the shared ScreeningRules since they exist,
    the catalog's rules and the clock skew apart before."""
    try:
        from ioc_catalog.screening import ScreeningRules
    except ImportError:
        return rules
    return ScreeningRules(rules.policy, rules.figures, MAX_FUTURE)


def screen_all(batch: list[SourceRecord], rules: CatalogRules) -> tuple[list[Accepted], float]:
    now = datetime.now(UTC)
    screening = screening_rules(rules)
    skew: dict[str, Any] = {} if screening is not rules else {"max_future": MAX_FUTURE}
    screen: Any = screen_or_refuse
    # CPU time, not wall time: on a shared machine the wall clock counts other
    # processes' turns on the cores too.
    started = time.process_time()
    verdicts = [screen(r, screening, now=now, **skew) for r in batch]
    seconds = time.process_time() - started
    accepted = [v for v in verdicts if isinstance(v, Accepted)]
    if len(accepted) != len(batch):
        refused = next(v for v in verdicts if not isinstance(v, Accepted))
        raise SystemExit(f"screening refused a benchmark event: {refused}")
    return accepted, seconds


def _split(batch: list[Accepted], lanes: int) -> list[list[Accepted]]:
    """The batch in the lanes the use case would store it in (one before lanes existed)."""
    try:
        split = importlib.import_module("ioc_aggregator.application.lanes").lanes
    except ImportError:
        return [batch]
    return list(split(batch, lanes))


async def store_all(
    writer: asyncpg.Pool, accepted: list[Accepted], rules: Any, batch: int, lanes: int
) -> tuple[float, float]:
    """Wall seconds of the store step and this process's CPU seconds in it (the
    aggregator's share: building the rows and speaking the protocol)."""
    store_events = _store_step()

    # Since 2026-12-06 each event carries when it was received (screened), and the store
    # step takes only the series' update moment.
    moment = (
        "updated_at"
        if "updated_at" in inspect.signature(store_events).parameters
        else "received_at"
    )

    async def lane(items: list[Accepted]) -> None:
        moments = {moment: datetime.now(UTC)}
        async with writer.acquire() as connection:
            await store_events(connection, items, rules=rules.figures, **moments)

    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(accepted), batch):
        await asyncio.gather(
            *(lane(part) for part in _split(accepted[start : start + batch], lanes))
        )
    return time.perf_counter() - started, time.process_time() - cpu


async def measure(options: argparse.Namespace) -> dict[str, Any]:
    env = read_env()
    name = f"ioc_bench_stages_{uuid.uuid4().hex[:8]}"
    database = await create_database(env, name)
    try:
        await migrate_with_catalog(database)
        reader = await connect(database.dsns["reader"])
        try:
            rules = await read_catalog_rules(reader)
        finally:
            await reader.close()
        writer = await asyncpg.create_pool(
            database.dsns["writer"], min_size=1, max_size=max(2, options.lanes)
        )
        workload = Workload()
        screening: list[float] = []
        storing: list[float] = []
        store_cpu: list[float] = []
        try:
            for attempt in range(options.repeat):
                batch = records(workload, attempt * options.events, options.events)
                accepted, seconds = screen_all(batch, rules)
                screening.append(seconds / len(batch) * 1e6)
                seconds, cpu = await store_all(
                    writer, accepted, rules, options.batch, options.lanes
                )
                storing.append(seconds / len(batch) * 1e6)
                store_cpu.append(cpu / len(batch) * 1e6)
                progress(
                    f"pass {attempt + 1}: screen {screening[-1]:.1f} µs/event, "
                    f"store {storing[-1]:.1f} µs/event ({store_cpu[-1]:.1f} of our CPU)"
                )
        finally:
            await writer.close()
    finally:
        await drop_database(env, name, [])
    return {
        "events": options.events,
        "batch": options.batch,
        "lanes": options.lanes,
        "screen_us_per_event": statistics.median(screening),
        "store_us_per_event": statistics.median(storing),
        "store_cpu_us_per_event": statistics.median(store_cpu),
        "every_pass": {"screen": screening, "store": storing, "store_cpu": store_cpu},
    }


def main() -> None:
    options = arguments()
    # With uvloop below, the stages run as in the service.
    as_the_service_runs("aggregator")
    figures = uvloop.run(measure(options))
    if options.json:
        print(json.dumps(figures))
    else:
        print(
            f"screen {figures['screen_us_per_event']:.1f} µs/event, "
            f"store {figures['store_us_per_event']:.1f} µs/event "
            f"({figures['store_cpu_us_per_event']:.1f} µs of our CPU) "
            f"(median of {options.repeat} passes of {options.events} events)",
            file=sys.stdout,
        )


if __name__ == "__main__":
    main()
