"""Every benchmark, side by side, in one run, then docs/benchmarks.md and its plots.

    uv run python -m benchmarks.run_all            # after ./dev up; ~10 minutes

The same events (benchmarks/events.py) go to each contender; each writes into the
same hypertable of one scratch database, emptied between contenders. Progress goes
to stderr; the figures to .local/bench/<run>/results.json and docs/benchmarks.md.
Topics, consumer groups, the database, the Connect role and every process started
here are removed at the end, whatever happened.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks import machine, report
from benchmarks.bench import Bench
from benchmarks.infrastructure import (
    ROOT,
    Topics,
    connect,
    create_database,
    drop_database,
    progress,
    read_env,
)
from benchmarks.lineup import contenders
from benchmarks.steps import all_runs
from ioc_testing.pipeline import migrate_with_catalog

# The tests read how a step's runs are summed up from here.
__all__ = ["all_runs", "arguments", "clean_up", "main"]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run_all",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--events", type=int, default=200_000, help="events for the fast contenders"
    )
    parser.add_argument("--scale-events", type=int, default=100_000, help="events per scaling run")
    parser.add_argument("--peer-events", type=int, default=100_000, help="events for Kafka Connect")
    parser.add_argument(
        "--naive-events", type=int, default=5_000, help="events for the naive consumer"
    )
    parser.add_argument(
        "--latency-seconds", type=float, default=8.0, help="length of each latency run"
    )
    parser.add_argument(
        "--latency-rates",
        help="comma-separated events/s for the latency runs, instead of 10/50/90%% of ours' "
        "maximum (to compare two checkouts at the same rates)",
    )
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of each throughput contender (all kept)"
    )
    parser.add_argument(
        "--replica-repeat",
        type=int,
        default=5,
        help="runs of the two-replica step (rebalances mid-stream; each must pass its check)",
    )
    parser.add_argument(
        "--peer-tasks", type=int, default=1, help="tasks.max of the Kafka Connect sink"
    )
    parser.add_argument(
        "--alert-indicators", type=int, default=1000, help="indicators of the alert pass (×29)"
    )
    parser.add_argument("--alert-years", type=float, default=2.0, help="years of figures")
    parser.add_argument("--http-events", type=int, default=5000, help="events per gateway mode")
    parser.add_argument("--http-clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument(
        "--stage-events", type=int, default=20_000, help="events per pass of the stages alone"
    )
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--only",
        help="comma-separated steps to run (raw_copy, drain, ours, ..., alerting, "
        "alert_pass, http_gateway, stages)",
    )
    return parser.parse_args()


async def clean_up(
    bench: Bench | None, topics: Topics, env: dict[str, str], run: str, database: str
) -> None:
    """Whatever happened: every process, the topics and groups, the database and role."""
    if bench is not None:
        bench.stop_all()
        for connection in (bench.reader, bench.superuser):
            with contextlib.suppress(Exception):
                await connection.close()
    with contextlib.suppress(Exception):
        await topics.close(run)
    try:
        await drop_database(env, database, bench.roles if bench is not None else [])
    except Exception as error:
        progress(f"could not drop {database} ({error!r}): drop it by hand")


async def main() -> None:
    options = arguments()
    env = read_env()
    run = uuid.uuid4().hex[:10]
    work = ROOT / ".local" / "bench" / run
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "run": run,
        "started": time.time(),
        "options": vars(options) | {"report": str(options.report)},
    }
    results["load_before"] = machine.load() | {"busiest": machine.busiest()}
    progress(f"run {run}; load {results['load_before']}")
    name = f"ioc_bench_{run}"
    database = await create_database(env, name)
    topics = Topics(env["IOC_KAFKA_BOOTSTRAP_SERVERS"], f"bench.{run}")
    bench: Bench | None = None
    try:
        await topics.start()
        await migrate_with_catalog(database)
        reader = await connect(database.dsns["reader"])
        superuser = await connect(env["IOC_DB_SUPERUSER_URL"])
        results["machine"] = await machine.describe(reader)
        bench = Bench(env, run, work, database, topics, reader, superuser)
        await contenders(bench, options, results)
    finally:
        await clean_up(bench, topics, env, run, name)
        results["load_after"] = machine.load()
        results["finished"] = time.time()
        (work / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        progress(f"results in {work / 'results.json'}")
    report.write(results, options.report)
    progress(f"wrote {options.report} in {results['finished'] - results['started']:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
