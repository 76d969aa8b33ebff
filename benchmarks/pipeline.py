"""End-to-end benchmark of the pipeline: Kafka → aggregator → TimescaleDB.

Runs the real aggregator process against the broker and database started by
`./dev up`, in a database and topics of its own, and writes
docs/benchmarks.md with the machine, the figures and a latency plot.

    uv run python benchmarks/pipeline.py --events 20000 --rate 500 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from ioc_contracts.topics import series_key_bytes
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_testing.infrastructure import ScratchDatabase
from ioc_testing.pipeline import ServiceProcess, migrate_with_catalog

ROOT = Path(__file__).resolve().parents[1]
SCOPES = ("province", "so-tnmt", "so-xd", "so-tttt", "so-yt", "tp-thu-dau-mot", "tp-di-an")


def progress(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def read_env() -> dict[str, str]:
    path = ROOT / ".local" / "ioc.env"
    if not path.exists():
        sys.exit("run ./dev up first: .local/ioc.env is missing")
    entries = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            entries[key] = value.strip("'")
    return entries


def make_event(n: int, sent_at: float) -> tuple[bytes, bytes, str]:
    event_id = str(uuid.uuid4())
    scope = SCOPES[n % len(SCOPES)]
    body = {
        "event_id": event_id,
        "agency": "vp-ubnd",
        "indicator": "dvc.ontime-rate",
        "scope": scope,
        "observed_at": (datetime(2023, 1, 1, tzinfo=UTC) + timedelta(seconds=n)).isoformat(),
        "value": 90 + (n % 1000) / 100,
        "source": "Hệ thống thông tin giải quyết TTHC tỉnh Bình Dương",
        "note": f"benchmark {sent_at:.6f}",
    }
    return series_key_bytes("dvc.ontime-rate", scope), json.dumps(body).encode(), event_id


async def scratch_database(env: dict[str, str]) -> ScratchDatabase:
    name = f"ioc_bench_{uuid.uuid4().hex[:10]}"
    server = await asyncpg.connect(env["IOC_DB_SUPERUSER_URL"])
    try:
        await server.execute(f'CREATE DATABASE "{name}" OWNER ioc_migrator TEMPLATE template0')
        for role in ("migrator", "writer", "reader"):
            await server.execute(f'GRANT CONNECT ON DATABASE "{name}" TO ioc_{role}')
    finally:
        await server.close()
    database = await asyncpg.connect(env["IOC_DB_SUPERUSER_URL"], database=name)
    try:
        await database.execute("CREATE EXTENSION timescaledb")
    finally:
        await database.close()
    dsns = {
        role: env[f"IOC_DATABASE_URL_{role.upper()}"].rsplit("/", 1)[0] + f"/{name}"
        for role in ("migrator", "writer", "reader")
    }
    return ScratchDatabase(name, dsns)


async def drop_database(env: dict[str, str], name: str) -> None:
    server = await asyncpg.connect(env["IOC_DB_SUPERUSER_URL"])
    try:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await server.close()


async def stored(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM ioc.observations"))
    finally:
        await connection.close()


async def throughput(
    producer: AIOKafkaProducer, topic: str, dsn: str, total: int
) -> dict[str, float]:
    """As fast as possible: time from the first send to the last row committed."""
    started = time.perf_counter()
    pending = []
    for n in range(total):
        key, value, _ = make_event(n, time.time())
        pending.append(await producer.send(topic, value, key=key))
        if len(pending) >= 5000:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
    acked = time.perf_counter()
    progress(f"{total} events acknowledged by Kafka in {acked - started:.1f} s")
    # Polling: the database has no event to wait on.
    while (count := await stored(dsn)) < total:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    done = time.perf_counter()
    progress(f"{count} rows committed {done - started:.1f} s after the first send")
    return {
        "events": total,
        "produce_seconds": acked - started,
        "end_to_end_seconds": done - started,
        "events_per_second": total / (done - started),
    }


async def latency(
    producer: AIOKafkaProducer, bootstrap: str, topics: dict[str, str], rate: int, seconds: float
) -> list[float]:
    """At a fixed rate: seconds from send to the SeriesUpdated that announces the row."""
    consumer = AIOKafkaConsumer(
        topics["updates"], bootstrap_servers=bootstrap, auto_offset_reset="latest"
    )
    await consumer.start()
    await consumer.seek_to_end()
    sent_at: dict[str, float] = {}
    seen: dict[str, float] = {}

    async def collect() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    for event_id in json.loads(record.value)["event_ids"]:
                        seen.setdefault(event_id, now)

    collector = asyncio.create_task(collect())
    interval = 1 / rate
    started = time.perf_counter()
    n = 0
    pending = []
    while time.perf_counter() - started < seconds:
        due = started + n * interval
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        key, value, event_id = make_event(10_000_000 + n, time.time())
        sent_at[event_id] = time.perf_counter()
        pending.append(await producer.send(topics["events"], value, key=key))
        n += 1
    await asyncio.gather(*pending)
    deadline = time.perf_counter() + 30
    while len(seen.keys() & sent_at.keys()) < len(sent_at) and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    collector.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await collector
    await consumer.stop()
    return sorted(seen[e] - sent_at[e] for e in sent_at if e in seen)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{cpu}, {os.cpu_count()} cores, {memory} GiB, {platform.platform()}, Python {platform.python_version()}"


def plot(latencies: dict[int, list[float]], path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4))
    axes = figure.subplots()
    for rate, values in latencies.items():
        axes.plot(
            [v * 1000 for v in values],
            [i / len(values) for i in range(len(values))],
            label=f"{rate} events/s",
        )
    axes.set_xlabel("produce → row committed and announced (ms)")
    axes.set_ylabel("share of events")
    axes.set_xscale("log")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000, help="events for the throughput run")
    parser.add_argument(
        "--rate", type=int, action="append", help="fixed rates for latency runs (events/s)"
    )
    parser.add_argument("--seconds", type=float, default=10, help="length of each latency run")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    arguments = parser.parse_args()
    rates = arguments.rate or [100, 500, 1000]
    env = read_env()
    bootstrap = env["IOC_KAFKA_BOOTSTRAP_SERVERS"]
    run = uuid.uuid4().hex[:8]
    topics = {
        "events": f"bench.{run}.events",
        "dlq": f"bench.{run}.dlq",
        "updates": f"bench.{run}.updates",
    }
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics(
        [
            NewTopic(topics["events"], 6, 1),
            NewTopic(topics["dlq"], 1, 1),
            NewTopic(topics["updates"], 6, 1),
        ]
    )
    database = await scratch_database(env)
    await migrate_with_catalog(database)
    log_path = ROOT / ".local" / "log" / f"bench-aggregator-{run}.log"
    service = ServiceProcess(
        "ioc_aggregator",
        {
            "IOC_DATABASE_URL": database.dsns["writer"],
            "IOC_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "IOC_AGGREGATOR_GROUP_ID": f"bench.{run}",
            "IOC_AGGREGATOR_SOURCE_TOPIC": topics["events"],
            "IOC_AGGREGATOR_DLQ_TOPIC": topics["dlq"],
            "IOC_AGGREGATOR_UPDATES_TOPIC": topics["updates"],
            "IOC_LOG_LEVEL": "WARNING",
        },
        log_path,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **SAFE_PRODUCER_OPTIONS)
    try:
        service.start()
        service.wait_ready()
        await producer.start()
        progress("throughput run")
        result = await throughput(
            producer, topics["events"], database.dsns["reader"], arguments.events
        )
        latencies = {}
        for rate in rates:
            progress(f"latency run at {rate} events/s for {arguments.seconds:g} s")
            latencies[rate] = await latency(producer, bootstrap, topics, rate, arguments.seconds)
    finally:
        await producer.stop()
        service.stop()
        await drop_database(env, database.name)
        await admin.delete_topics(list(topics.values()))
        await admin.close()
    plot_path = arguments.report.parent / "benchmarks" / "pipeline-latency.png"
    plot_path.parent.mkdir(parents=True, exist_ok=True)
    plot(latencies, plot_path)
    rows = "\n".join(
        f"| {rate} | {len(v)} | {percentile(v, 0.5) * 1000:.0f} | {percentile(v, 0.9) * 1000:.0f} | "
        f"{percentile(v, 0.99) * 1000:.0f} | {max(v) * 1000:.0f} |"
        for rate, v in latencies.items()
        if v
    )
    report = f"""# Benchmarks

## Pipeline end to end (Kafka → aggregator → TimescaleDB)

Recorded {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")} on: {machine()}.
Kafka 4.1.1 (one KRaft node, 512 MB heap) and PostgreSQL 15 + TimescaleDB 2.19 (Apache
edition) on the same machine, as started by `./dev up`; one aggregator process; the
events topic has 6 partitions; events are ~400-byte `IndicatorEvent`s over 7 series.
Rerun: `uv run python benchmarks/pipeline.py` (after `./dev up`).

### Throughput (as fast as the producer can send)

| events | produce + acks (s) | first send → last row committed (s) | events/s end to end |
|---|---|---|---|
| {result["events"]} | {result["produce_seconds"]:.2f} | {result["end_to_end_seconds"]:.2f} | {result["events_per_second"]:.0f} |

### Latency at a fixed rate

Time from the producer's send to the `SeriesUpdated` that announces the committed row
(so it includes the database commit and one more Kafka round trip), {arguments.seconds:g} s per rate.

| rate (events/s) | events | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |
|---|---|---|---|---|---|
{rows}

![latency distribution](benchmarks/pipeline-latency.png)

The side-by-side comparison with the raw limits and a Kafka Connect peer is the subject of
a later benchmark; these are the first figures.
"""
    arguments.report.write_text(report, encoding="utf-8")
    progress(f"wrote {arguments.report}")


if __name__ == "__main__":
    asyncio.run(main())
