"""Ours: the real aggregator process(es), Kafka → TimescaleDB, end to end.

Throughput on pre-produced topics (1 or 2 replicas in one consumer group) and a py-spy
profile under that load; latency at fixed rates is `ours_latency.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs in the dev group
from aiokafka.admin import AIOKafkaAdminClient

from benchmarks.bench import Bench
from benchmarks.infrastructure import ROOT
from benchmarks.measure import fixed
from ioc_testing.pipeline import ServiceProcess

_SAMPLE = re.compile(
    r"^(ioc_aggregator_[a-z_]+(?:_total|_sum|_count))(?:\{[^}]*\})? ([0-9.e+-]+)$", re.MULTILINE
)


@dataclass(frozen=True)
class Route:
    source: str
    dead_letters: str
    updates: str


def aggregator(
    bench: Bench, route: Route, group: str, name: str, *, trace_to: Path | None = None
) -> ServiceProcess:
    """The real aggregator; with `trace_to`, the same with stage timers
    (benchmarks/traced_aggregator.py) writing their totals there."""
    traced = {"IOC_BENCH_TRACE_FILE": str(trace_to), "PYTHONPATH": str(ROOT)} if trace_to else {}
    service = ServiceProcess(
        "benchmarks.traced_aggregator" if trace_to else "ioc_aggregator",
        {
            **traced,
            "IOC_DATABASE_URL": bench.database.dsns["writer"],
            "IOC_KAFKA_BOOTSTRAP_SERVERS": bench.bootstrap,
            "IOC_AGGREGATOR_GROUP_ID": group,
            "IOC_AGGREGATOR_SOURCE_TOPIC": route.source,
            "IOC_AGGREGATOR_DLQ_TOPIC": route.dead_letters,
            "IOC_AGGREGATOR_UPDATES_TOPIC": route.updates,
            "IOC_LOG_LEVEL": "WARNING",
        },
        bench.work / f"aggregator-{name}.log",
    )
    return bench.track(service)


def scrape(services: list[ServiceProcess]) -> dict[str, float]:
    """The aggregators' own counters, summed: batch sizes, time in database writes."""
    totals: dict[str, float] = {}
    for service in services:
        with contextlib.suppress(OSError):
            for name, value in _SAMPLE.findall(service.metrics()):
                totals[name] = totals.get(name, 0.0) + float(value)
    return totals


def usage(service: ServiceProcess) -> dict[str, float]:
    """The aggregator's counters and its CPU seconds so far: two readings, one before a
    run and one after, say what the run cost it (see `spent`)."""
    process = service.process
    counters = scrape([service])
    if process is not None:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(process.pid).cpu_times()
            counters["cpu_seconds"] = times.user + times.system
    return counters


def spent(before: dict[str, float], after: dict[str, float], events: int) -> dict[str, float]:
    """Per run: the aggregator's CPU per event, and how many transactions, screenings
    and SeriesUpdated carried its events (fixed costs are paid per each)."""

    def delta(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    transactions = delta("ioc_aggregator_write_seconds_count")
    return {
        "cpu_us_per_event": delta("cpu_seconds") / events * 1e6 if events else float("nan"),
        "transactions": transactions,
        "screenings": delta("ioc_aggregator_batch_size_count"),
        "series_updates": delta("ioc_aggregator_series_updates_total"),
        "events_per_transaction": events / transactions if transactions else float("nan"),
    }


async def all_members_in(admin: AIOKafkaAdminClient, group: str, members: int) -> float:
    """When the group first had a settled generation of `members` consumers: the moment
    the last replica to join got its partitions. Replicas started together do not join
    together (the broker forms a group as soon as its first member asks), so the others
    wait for the first one's next heartbeat and the rebalance it leads to."""
    while True:
        with contextlib.suppress(Exception):
            [response] = await admin.describe_consumer_groups([group])
            [description] = response.to_object()["groups"]
            if description["state"] == "Stable" and len(description["members"]) >= members:
                return time.time()
        await asyncio.sleep(0.05)


def py_spy() -> str:
    return str(Path(sys.executable).with_name("py-spy"))


async def throughput(
    bench: Bench,
    route: Route,
    *,
    label: str,
    events: int,
    replicas: int = 1,
    within: float = 240,
    profile_to: Path | None = None,
    profile_seconds: int = 15,
) -> dict[str, Any]:
    group = bench.group(label)
    trace = bench.work / f"trace-{label}.json" if profile_to else None
    services = [
        aggregator(bench, route, group, f"{label}-{i}", trace_to=trace) for i in range(replicas)
    ]
    profiler: subprocess.Popen[bytes] | None = None
    joined = asyncio.create_task(all_members_in(bench.topics.admin, group, replicas))
    try:
        for service in services:
            service.start()
        pids = [s.process.pid for s in services if s.process is not None]
        if profile_to is not None:
            await asyncio.to_thread(services[0].wait_ready)
            profiler = subprocess.Popen(  # noqa: S603, ASYNC220 - the workspace's own py-spy, left running
                [
                    py_spy(),
                    "record",
                    "--pid",
                    str(pids[0]),
                    "--rate",
                    "200",
                    "--duration",
                    str(profile_seconds),
                    "--nonblocking",
                    "--format",
                    "speedscope",
                    "--output",
                    str(profile_to),
                ],
                stdout=subprocess.DEVNULL,
                stderr=(bench.work / "py-spy.log").open("ab"),
            )
        result = await bench.consumed(
            group=group,
            topic=route.source,
            events=events,
            within=within,
            processes={f"aggregator ×{replicas}" if replicas > 1 else "aggregator": fixed(*pids)},
            alive=lambda: all(s.process is not None and s.process.poll() is None for s in services),
        )
        result["replicas"] = replicas
        if joined.done():
            # Seconds of the run in which fewer than all replicas had partitions.
            result["all_members_after"] = max(0.0, joined.result() - result["started"])
        result["metrics"] = await asyncio.to_thread(scrape, services)
        if profiler is not None:
            await asyncio.to_thread(profiler.wait, profile_seconds + 30)
        if trace is not None and trace.exists():
            result["trace"] = json.loads(trace.read_text(encoding="utf-8"))
        return result
    finally:
        joined.cancel()
        if profiler is not None and profiler.poll() is None:
            profiler.terminate()
        for service in services:
            service.stop()
