"""Ours: the real aggregator process(es), Kafka → TimescaleDB, end to end.

Throughput on pre-produced topics (1 or 2 replicas in one consumer group), a py-spy
profile under that load, and latency with the load generator at fixed rates.
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

from aiokafka import AIOKafkaConsumer

from benchmarks.bench import Bench
from benchmarks.contenders import Subprocess
from benchmarks.infrastructure import ROOT, progress
from benchmarks.loadgen import Ledger
from benchmarks.measure import fixed, partitions_of, percentile
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
        result["metrics"] = await asyncio.to_thread(scrape, services)
        if profiler is not None:
            await asyncio.to_thread(profiler.wait, profile_seconds + 30)
        if trace is not None and trace.exists():
            result["trace"] = json.loads(trace.read_text(encoding="utf-8"))
        return result
    finally:
        if profiler is not None and profiler.poll() is None:
            profiler.terminate()
        for service in services:
            service.stop()


class AnnouncementCollector:
    """Reads SeriesUpdated: its CreateTime is set by the aggregator after the database
    commit, so it bounds 'row committed' from above for every event id it lists."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.topic = topic
        self.announced: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        partitions = await partitions_of(self.bootstrap, self.topic)
        await self.consumer.start()
        self.consumer.assign(partitions)
        await self.consumer.seek_to_beginning(*partitions)
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    created = record.timestamp / 1000
                    for event_id in json.loads(record.value or b"{}").get("event_ids", ()):
                        self.announced.setdefault(event_id, created)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # aiokafka's stop() may raise CancelledError from its own routines.
        with contextlib.suppress(asyncio.CancelledError):
            await self.consumer.stop()


def distribution(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        **{f"p{q}": percentile(ordered, q / 100) * 1000 for q in (10, 50, 90, 99)},
        "max": (ordered[-1] * 1000) if ordered else float("nan"),
    }


async def latency(
    bench: Bench, dead_letters: str, *, rates: list[float], seconds: float
) -> dict[str, Any]:
    """The generator at each fixed rate for `seconds`, into a running aggregator, on
    topics of this attempt's own. Event numbers start at 10 million (observed in 2025,
    still in the past; a second attempt starts at 13 million) so no id repeats."""
    route = Route(
        await bench.topics.create(f"latency{bench.serial}", 6),
        dead_letters,
        await bench.topics.create(f"latency{bench.serial}-updates", 6),
    )
    first = 10_000_000 + (bench.attempt - 1) * 3_000_000
    service = aggregator(bench, route, bench.group("latency"), "latency")
    collector = AnnouncementCollector(bench.bootstrap, route.updates)
    runs: dict[str, Any] = {}
    try:
        service.start()
        await asyncio.to_thread(service.wait_ready)
        await collector.start()
        for number, rate in enumerate(rates):
            count = max(1, int(rate * seconds))
            ledger_path = bench.work / f"ledger-latency-{number}.json"
            progress(f"  latency at {rate:.0f} events/s for {seconds:g} s ({count} events)")
            generator = bench.track(
                Subprocess(
                    "benchmarks.loadgen",
                    [
                        "--bootstrap",
                        bench.bootstrap,
                        "--topic",
                        route.source,
                        "--events",
                        str(count),
                        "--rate",
                        str(rate),
                        "--first",
                        str(first + number * 1_000_000),
                        "--ledger",
                        str(ledger_path),
                    ],
                    bench.work / "loadgen.log",
                )
            )
            generator.start()
            await generator.result(within=seconds * 4 + 60)
            ledger = Ledger.read(ledger_path)
            ids = [r[0] for r in ledger.records]
            deadline = time.time() + 60
            while time.time() < deadline and any(i not in collector.announced for i in ids):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            started = await bench.reader.fetch(
                "SELECT event_id::text AS id, extract(epoch FROM received_at)::float8 AS at "
                "FROM ioc.observations WHERE event_id = ANY($1::uuid[])",
                ids,
            )
            write_started = {row["id"]: row["at"] for row in started}
            committed = [
                collector.announced[i] - s for i, s, _ in ledger.records if i in collector.announced
            ]
            runs[f"{rate:.0f}"] = {
                "rate": rate,
                "achieved_rate": len(ledger.records)
                / max(ledger.records[-1][1] - ledger.records[0][1], 1e-9),
                "events": len(ids),
                "committed": distribution(committed),
                "write_started": distribution(
                    [write_started[i] - s for i, s, _ in ledger.records if i in write_started]
                ),
                "acknowledged": distribution([a - s for _, s, a in ledger.records if a]),
                "samples_ms": [round(v * 1000, 2) for v in sorted(committed)],
            }
    finally:
        service.stop()
        with contextlib.suppress(Exception):
            await collector.stop()
    return runs
