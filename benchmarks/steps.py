"""One step of the run: a contender run `repeat` times on an empty hypertable, each run
checked, every run kept, the median passing run shown; a step disturbed by a restart of
the shared PostgreSQL or Kafka run once more."""

from __future__ import annotations

import asyncio
import contextlib
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks import machine
from benchmarks.bench import Bench
from benchmarks.contenders import kafka_connect
from benchmarks.events import Workload
from benchmarks.infrastructure import progress, truncate
from benchmarks.measure import verify


async def step(
    results: dict[str, Any],
    name: str,
    bench: Bench,
    run: Callable[[], Awaitable[Any]],
    *,
    expect: int | None = None,
    repeat: int = 1,
    rated: bool = True,
) -> Any:
    """Runs one contender `repeat` times, each on an empty hypertable, and keeps every
    run (`all_runs`): a run that failed its check marks the whole step as failed.

    A failure is recorded, not fatal. With `expect`, the hypertable is then checked to
    hold events 0..expect-1 exactly once and unchanged (benchmarks/events.py
    `fingerprint`). A step during which PostgreSQL or Kafka was restarted (other
    engineers' fault tests share them) runs once more, once both have been up for 10 s.
    A step that measures no rate (`rated=False`: the latency runs, the notifications)
    fails only by an error or a failed check, not for lacking a figure it never has.
    """
    only = results["options"].get("only")
    if only and name not in only.split(","):
        results[name] = {"skipped": True}
        return results[name]
    for attempt in (1, 2):
        bench.attempt = attempt
        before = await bench.identity()
        runs = []
        for _ in range(repeat):
            bench.serial += 1
            runs.append(await attempt_step(name, bench, run, expect))
        results[name] = all_runs(runs, rated=rated)
        with contextlib.suppress(Exception):
            if await bench.identity() != before:
                results[name]["disturbed"] = "PostgreSQL or Kafka was restarted during this step"
        if "disturbed" not in results[name] or attempt == 2:
            break
        progress(f"  {name} was disturbed (PostgreSQL or Kafka restarted): once more")
        await bench.wait_until_steady(seconds=10, within=300)
    figure = results[name].get("events_per_second")
    if figure:
        progress(f"  {name}: {figure:.0f} events/s")
    return results[name]


def run_failure(run: dict[str, Any], *, rated: bool = True) -> str | None:
    """Why a run failed its check, or None when it passed."""
    for key in ("failed", "blocked"):
        if key in run:
            return f"{key}: {run[key]}"
    if run.get("timed_out"):
        return "timed out before every event was committed"
    verified = run.get("verified")
    if verified is not None and not verified.get("ok"):
        return f"stored rows differ: {verified.get('differences')}"
    if rated and not run.get("events_per_second"):
        return "no rate measured"
    return None


def all_runs(runs: list[dict[str, Any]], *, rated: bool = True) -> dict[str, Any]:
    """Every run recorded; the figures shown are those of the median run among the ones
    that passed their check (not the best: a lucky run is no measure); one run that
    failed marks the step as failed, whatever the others did."""
    outcomes = [
        {
            "events_per_second": r.get("events_per_second"),
            "failure": run_failure(r, rated=rated),
            # Replicas: when the last one got its partitions (a late join is a rebalance).
            **{k: r[k] for k in ("all_members_after",) if k in r},
        }
        for r in runs
    ]
    passed = sorted(
        (r for r in runs if run_failure(r, rated=rated) is None),
        key=lambda r: float(r.get("events_per_second") or 0.0),
    )
    chosen = dict(passed[(len(passed) - 1) // 2] if passed else runs[-1])
    chosen["runs"] = outcomes
    chosen["repeats"] = [o["events_per_second"] for o in outcomes if o["failure"] is None]
    failures = [o["failure"] for o in outcomes if o["failure"]]
    if failures:
        chosen["failed_runs"] = len(failures)
        chosen.setdefault("failed", f"{len(failures)} of {len(runs)} runs failed: {failures[0]}")
    return chosen


async def attempt_step(
    name: str, bench: Bench, run: Callable[[], Awaitable[Any]], expect: int | None
) -> dict[str, Any]:
    started = time.time()
    progress(f"{name} (load {machine.load()['load1']:.2f})")
    result: dict[str, Any]
    try:
        # PostgreSQL may have been restarted by someone else since the last run.
        await bench.reconnect()
        await truncate(bench.env, bench.database.name)
        await bench.settle()
        result = await run()
    except kafka_connect.Blocked as error:
        result = {"blocked": str(error)}
        progress(f"  blocked: {error}")
    except (Exception, asyncio.CancelledError) as error:
        # A broken contender must not hide the others' results; aiokafka may raise
        # CancelledError from stop() after a failure, which is no cancellation of ours.
        task = asyncio.current_task()
        if isinstance(error, asyncio.CancelledError) and task is not None and task.cancelling():
            raise
        result = {"failed": f"{type(error).__name__}: {error}"}
        progress(f"  failed: {error!r}\n{traceback.format_exc()}")
    result["wall_seconds"] = time.time() - started
    if expect and "events_per_second" in result:
        with contextlib.suppress(Exception):
            result["verified"] = await verify(bench.reader, Workload().fingerprint(expect))
            if not result["verified"]["ok"]:
                progress(f"  {name}: stored rows differ: {result['verified']['differences']}")
    return result
