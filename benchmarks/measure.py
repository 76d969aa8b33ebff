"""What every contender is measured with: the end of a topic, a consumer group's committed
offsets, rows in the hypertable, percentiles, the stored events' fingerprint; and, from
process_usage, the peak memory and CPU of its processes."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    CoordinatorLoadInProgressError,
    GroupCoordinatorNotAvailableError,
    NotCoordinatorForGroupError,
)

from benchmarks.events import FINGERPRINT_SQL
from benchmarks.process_usage import (
    KAFKA_BROKER,
    PidSource,
    Sampler,
    autovacuum_workers,
    fixed,
    pid_file,
    postgres_processes,
)
from ioc_storage.connection import Connection

# The contenders and the bench import the process sampling from here, with the rest.
__all__ = [
    "COORDINATOR_NOT_READY",
    "KAFKA_BROKER",
    "Completion",
    "PidSource",
    "Sampler",
    "autovacuum_workers",
    "committed",
    "end_offsets",
    "fixed",
    "partitions_of",
    "percentile",
    "pid_file",
    "postgres_processes",
    "row_count",
    "verify",
    "wait_for_completion",
]


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
    first_row_started: float  # min(received_at): the first records screened (ours)
    last_row_started: float  # max(received_at)
    rows_done: float  # first poll that saw every row (rows are counted once offsets are)
    offsets_done: float  # first poll that saw every partition's offset at the end
    timed_out: bool

    @property
    def done(self) -> float:
        return max(self.rows_done, self.offsets_done)

    def events_per_second(self, events: int) -> float:
        return events / max(self.done - self.first_row_started, 1e-9)


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
    """Polls the group's offsets every 0.1 s, then, once they are at the end, the rows
    every 0.1 s until all are there: done is the later of the two, so counting rows
    before would tell nothing more. A count(*) over hundreds of thousands of rows is
    a scan, and it would compete for the same two cores as the contender it measures
    (it once ran every 0.5 s throughout: about 6% of a core in the profile of a run).
    """
    deadline = time.time() + within
    rows_done = offsets_done = 0.0
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
        if offsets_done and not rows_done:
            count = await row_count(reader)
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


def p99_by_window(timeline: list[list[float]], seconds: float) -> list[tuple[float, float]]:
    """The p99 of each window of `seconds` of a run: `timeline` holds, in send order,
    [seconds since the run's first send, latency]; each window is placed at its middle."""
    windows: dict[int, list[float]] = {}
    for sent, latency in timeline:
        windows.setdefault(int(sent // seconds), []).append(latency)
    return [
        ((window + 0.5) * seconds, percentile(sorted(values), 0.99))
        for window, values in sorted(windows.items())
    ]


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
