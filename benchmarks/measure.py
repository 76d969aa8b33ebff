"""What every contender is measured with: peak memory of its processes, the end of a
topic, a consumer group's committed offsets, rows in the hypertable, percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs in the dev group
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    CoordinatorLoadInProgressError,
    GroupCoordinatorNotAvailableError,
    NotCoordinatorForGroupError,
)

from benchmarks.events import FINGERPRINT_SQL
from benchmarks.infrastructure import ROOT
from ioc_storage.connection import Connection

PidSource = Callable[[], Awaitable[list[int]]]


def with_descendants(pid: int) -> list[int]:
    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return []


def pid_file(path: Path) -> PidSource:
    """The process in a pid file and its descendants: the runner scripts record the
    shell that runs the JVM, not the JVM itself."""

    async def pids() -> list[int]:
        with contextlib.suppress(OSError, ValueError):
            return with_descendants(int(path.read_text().split()[0]))  # noqa: ASYNC240 - tiny file
        return []

    return pids


def fixed(*pids: int) -> PidSource:
    async def listed() -> list[int]:
        return list(pids)

    return listed


def _kafka_broker() -> PidSource:
    """The JVM running this checkout's broker, found by its command line: the pid file
    may name a shell that is gone (the runner script changed how it records it)."""
    config = str(ROOT / ".local" / "kafka" / "server.properties")
    known: list[int] = []

    async def pids() -> list[int]:
        if known and psutil.pid_exists(known[0]):
            return list(known)
        known.clear()
        for process in psutil.process_iter(["cmdline"]):
            command = process.info["cmdline"] or []
            if "kafka.Kafka" in command and config in command:
                known.append(process.pid)
        return list(known)

    return pids


KAFKA_BROKER = _kafka_broker()


def postgres_processes(superuser: Connection, database: str) -> PidSource:
    """The backends of the benchmark's database and the server's own helpers
    (checkpointer, WAL writer, ...), not other engineers' test databases."""

    async def pids() -> list[int]:
        rows = await superuser.fetch(
            "SELECT pid FROM pg_stat_activity WHERE (datname = $1 OR datname IS NULL) "
            "AND pid <> pg_backend_pid()",
            database,
        )
        return [row["pid"] for row in rows]

    return pids


@dataclass
class Sampler:
    """Samples every 0.5 s: each label's peak memory (summed over its pids) and the CPU
    time of each pid, so the cores a label used in any window can be read back.

    RSS for single processes; PSS (proportional set size) for PostgreSQL, whose
    backends share the buffer cache: summing their RSS would count it once per backend.
    """

    sources: dict[str, PidSource]
    proportional: frozenset[str] = frozenset({"postgresql"})
    interval: float = 0.5
    peaks: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, dict[int, list[tuple[float, float]]]] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def _measure(self, label: str, pids: list[int]) -> int:
        total = 0
        now = time.time()
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                process = psutil.Process(pid)
                if label in self.proportional:
                    total += process.memory_full_info().pss
                else:
                    total += process.memory_info().rss
                times = process.cpu_times()
                series = self.cpu.setdefault(label, {}).setdefault(pid, [])
                series.append((now, times.user + times.system))
        return total

    async def sample(self) -> None:
        for label, source in self.sources.items():
            used = self._measure(label, await source())
            self.peaks[label] = max(self.peaks.get(label, 0), used)

    def cores(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds per second each label used between `start` and `end`."""
        usage = {}
        for label, processes in self.cpu.items():
            seconds = 0.0
            sampled = False
            for series in processes.values():
                inside = [(t, c) for t, c in series if start <= t <= end]
                if len(inside) >= 2:
                    seconds += inside[-1][1] - inside[0][1]
                    sampled = True
            if sampled:  # a window shorter than two samples says nothing
                usage[label] = seconds / max(end - start, 1e-9)
        return usage

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.sample()
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> dict[str, int]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return dict(self.peaks)


async def partitions_of(bootstrap: str, topic: str, within: float = 15.0) -> list[TopicPartition]:
    """The topic's partitions, once the broker's metadata knows them (a topic created a
    moment ago may not be there yet)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + within
        while True:
            [description] = await admin.describe_topics([topic])
            partitions = description.get("partitions") or []
            if description.get("error_code") == 0 and partitions:
                return sorted(TopicPartition(topic, p["partition"]) for p in partitions)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no metadata for topic {topic} after {within:g} s")
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    partitions = await partitions_of(bootstrap, topic)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in ends.items()}


# The group's coordinator is not known yet: right after the broker (re)started it is
# still loading the offsets topic. Nothing is committed as far as we can tell; ask again.
COORDINATOR_NOT_READY = (
    GroupCoordinatorNotAvailableError,
    CoordinatorLoadInProgressError,
    NotCoordinatorForGroupError,
)


async def committed(admin: AIOKafkaAdminClient, group: str, topic: str) -> dict[int, int]:
    """The group's committed offsets on `topic`; none while its coordinator is loading
    (a run two minutes after the broker was recreated failed on that, not on us)."""
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    except COORDINATOR_NOT_READY:
        return {}
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


async def row_count(connection: Connection) -> int:
    return int(await connection.fetchval("SELECT count(*) FROM ioc.observations"))


@dataclass
class Completion:
    """When a consuming contender had every row committed and its offsets at the end."""

    rows: int
    first_row_started: float  # min(received_at): the first write transaction's start
    last_row_started: float  # max(received_at)
    rows_done: float  # first poll that saw every row
    offsets_done: float  # first poll that saw every partition's offset at the end
    timed_out: bool

    @property
    def done(self) -> float:
        return max(self.rows_done, self.offsets_done)

    def events_per_second(self, events: int) -> float:
        return events / max(self.done - self.first_row_started, 1e-9)

    def rows_per_second(self, events: int) -> float:
        return events / max(self.rows_done - self.first_row_started, 1e-9)


async def wait_for_completion(
    *,
    reader: Connection,
    admin: AIOKafkaAdminClient,
    group: str,
    topic: str,
    ends: dict[int, int],
    events: int,
    within: float,
    alive: Callable[[], bool] = lambda: True,
) -> Completion:
    """Polls the group's offsets every 0.1 s, and the rows every 0.5 s (every 0.1 s
    once the offsets are at the end): a count(*) over 200k rows ten times a second
    would compete for the same two cores as the contender it measures.
    """
    deadline = time.time() + within
    rows_done = offsets_done = 0.0
    last_count = 0.0
    count = 0
    timed_out = False
    while not (rows_done and offsets_done):
        now = time.time()
        if now > deadline or not alive():
            timed_out = True
            break
        if not offsets_done:
            offsets = await committed(admin, group, topic)
            if all(offsets.get(p, -1) >= end for p, end in ends.items()):
                offsets_done = time.time()
        if not rows_done and (offsets_done or now - last_count >= 0.5):
            count = await row_count(reader)
            last_count = now
            if count >= events:
                rows_done = time.time()
        await asyncio.sleep(0.1)
    span = await reader.fetchrow(
        "SELECT count(*) AS rows, extract(epoch FROM min(received_at))::float8 AS first, "
        "extract(epoch FROM max(received_at))::float8 AS last FROM ioc.observations"
    )
    assert span is not None
    now = time.time()
    return Completion(
        rows=span["rows"],
        first_row_started=span["first"] or now,
        last_row_started=span["last"] or now,
        rows_done=rows_done or now,
        offsets_done=offsets_done or now,
        timed_out=timed_out,
    )


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


async def verify(connection: Connection, expected: dict[str, Any]) -> dict[str, Any]:
    """Every event stored exactly once and unchanged (values, ratios, times)?"""
    row = await connection.fetchrow(FINGERPRINT_SQL)
    assert row is not None
    found = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in dict(row).items()
    }
    differences = {
        key: {"expected": want, "found": found.get(key)}
        for key, want in expected.items()
        if not (
            math.isclose(found[key], want, rel_tol=1e-9)
            if key == "total" and found.get(key) is not None
            else found.get(key) == want
        )
    }
    return {"ok": not differences, "differences": differences}
