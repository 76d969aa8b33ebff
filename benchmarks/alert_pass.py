"""The alert service's whole scheduled pass against TimescaleDB, at the IOC's scale.

    uv run python -m benchmarks.alert_pass                          # 29,000 targets; minutes
    uv run python -m benchmarks.alert_pass --indicators 10 --years 0.2   # a quick check

A scratch database gets the migrations and a synthetic catalog of `--indicators`
indicators (`ioc_catalog.generate_catalog`), each granted and given a target for all 29
scopes (the province, 19 departments, 9 districts), and `--years` of figures of record
at every indicator's cadence (daily to yearly) in `ioc.figures`. Then, in a process of
its own (so its peak memory is the pass's alone, and set up as the service's entry point
sets its process up: collector settings, uvloop), the alert service's own use case
(`benchmarks/alert_service.py`) runs the scheduled pass four times, a minute apart as the
schedule runs it — the first records every status for the first time, the median of the
other three is the steady state — and the per-update path (one SeriesUpdated → decision)
for `--updates` series, one after another. With `--profile`, the passes run once more
under py-spy in a process of their own. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import uvloop

from benchmarks.alert_profile import profile_passes
from benchmarks.alert_workload import COLUMNS, NOW, figures, workload_catalog
from benchmarks.as_served import as_the_service_runs
from benchmarks.infrastructure import create_database, drop_database, progress, read_env
from benchmarks.measure import percentile
from ioc_storage.catalog_sync import sync_catalog
from ioc_storage.migrate import apply_migrations, shipped_migrations

# Passes after the first, a minute apart: the steady state is their median.
STEADY_PASSES = 3


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.alert_pass",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--indicators", type=int, default=1000, help="catalog size (1000)")
    parser.add_argument("--years", type=float, default=2.0, help="years of figures (2)")
    parser.add_argument("--updates", type=int, default=200, help="per-update samples (200)")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="then run the passes once more under py-spy, its speedscope profile to FILE",
    )
    parser.add_argument("--pass-only", metavar="DSN", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


_WAL_SINCE = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::bigint"
_WRITTEN_AT = "SELECT count(*) FROM ioc.target_status WHERE evaluated_at = $1"


async def prepare(env: dict[str, str], name: str, options: argparse.Namespace) -> dict[str, Any]:
    database = await create_database(env, name)
    catalog = workload_catalog(options.indicators, options.seed)
    migrator = await asyncpg.connect(database.dsns["migrator"])
    try:
        await apply_migrations(migrator, shipped_migrations())
        await sync_catalog(migrator, catalog)
        progress(f"{len(catalog.targets):,} targets; writing {options.years} years of figures")
        await migrator.copy_records_to_table(
            "figures",
            schema_name="ioc",
            columns=COLUMNS,
            records=figures(catalog, options.years, options.seed),
        )
        # As autovacuum leaves a table filled long ago, not as a bulk load leaves it.
        await migrator.execute("VACUUM ANALYZE ioc.figures")
        rows = await migrator.fetchval("SELECT count(*) FROM ioc.figures")
    finally:
        await migrator.close()
    return {"targets": len(catalog.targets), "figures": rows, "dsn": database.dsns["alerts"]}


async def one_process(dsn: str, updates: int, seed: int) -> dict[str, Any]:
    """The timed part, in a process of its own."""
    from benchmarks.alert_service import AlertService  # the alert service, only here

    # The first pass records every status; the next ones come a minute apart, as the
    # schedule runs them, and write only the statuses whose judgment changed (counted,
    # with the WAL each pass wrote: the cluster's, so read it on a quiet machine). The
    # steady state is the median of `STEADY_PASSES`, each listed: one pass on a shared
    # machine swung by a second between runs an hour apart (report notes).
    clock = [NOW]
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    try:
        started = time.perf_counter()
        service = await AlertService.start(pool, clock=lambda: clock[0])
        catalog_seconds = time.perf_counter() - started
        passes, written, wal = [], [], []
        for at in (NOW + timedelta(minutes=n) for n in range(1 + STEADY_PASSES)):
            wal_before = await pool.fetchval("SELECT pg_current_wal_lsn()")
            clock[0], started = at, time.perf_counter()
            evaluated = await service.scheduled_pass()
            passes.append(time.perf_counter() - started)
            wal.append(await pool.fetchval(_WAL_SINCE, wal_before))
            # A status row written by this pass carries its instant.
            written.append(await pool.fetchval(_WRITTEN_AT, at))
        series = service.series()
        chosen = random.Random(seed).sample(series, min(updates, len(series)))  # noqa: S311
        latencies: list[float] = []
        for key in chosen:
            started = time.perf_counter()
            await service.series_updated([key])
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        await pool.close()
    latencies.sort()
    return {
        "catalog_seconds": catalog_seconds,
        "first_pass_seconds": passes[0],
        "pass_seconds": statistics.median(passes[1:]),
        "steady_passes_seconds": passes[1:],
        "statuses_written": written,
        "wal_bytes": wal,
        "evaluated": evaluated,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "update_p50_ms": percentile(latencies, 0.5),
        "update_p99_ms": percentile(latencies, 0.99),
        "updates": len(latencies),
        # The machine is shared: how busy it was over the last minute, with the figures.
        "load_average": os.getloadavg()[0],
    }


def run(options: argparse.Namespace) -> dict[str, Any]:
    env = read_env()
    name = f"ioc_bench_alerts_{uuid.uuid4().hex[:8]}"
    try:
        prepared = asyncio.run(prepare(env, name, options))
        progress(f"{prepared['figures']:,} figures stored; timing the pass in its own process")
        child = subprocess.run(  # noqa: S603 - this very module, with our own arguments
            [
                sys.executable,
                "-m",
                "benchmarks.alert_pass",
                "--pass-only",
                prepared["dsn"],
                "--updates",
                str(options.updates),
                "--seed",
                str(options.seed),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        timed = json.loads(child.stdout)
        if options.profile:
            progress("profiling the passes in a process of their own")
            timed["profile"] = profile_passes(prepared["dsn"], options.profile, seed=options.seed)
    finally:
        asyncio.run(drop_database(env, name, []))
    return {"targets": prepared["targets"], "figures": prepared["figures"], **timed}


def main(argv: list[str] | None = None) -> None:
    options = arguments(argv)
    if options.pass_only:
        # The alert service's process: its collector settings, its event loop (uvloop).
        as_the_service_runs("alerts")
        timed = uvloop.run(one_process(options.pass_only, options.updates, options.seed))
        print(json.dumps(timed))
        return
    result = run(options)
    if options.json:
        print(json.dumps(result))
        return
    print(
        f"{result['targets']:,} targets, {result['figures']:,} figures: scheduled pass "
        f"{result['pass_seconds']:.2f} s (first {result['first_pass_seconds']:.2f} s), "
        f"peak {result['peak_rss_mib']:.0f} MiB; one SeriesUpdated → decision "
        f"p50 {result['update_p50_ms']:.1f} ms, p99 {result['update_p99_ms']:.1f} ms "
        f"(load average {result['load_average']:.2f})"
    )


if __name__ == "__main__":
    main()
