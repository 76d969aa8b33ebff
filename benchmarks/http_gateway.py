"""The HTTP ingest gateway against its limit, a direct Kafka producer, on one machine.

    uv run python -m benchmarks.http_gateway                        # ~2 minutes
    uv run python -m benchmarks.http_gateway --events 300 --clients 2   # a quick check

The real gateway (`python -m ioc_ingest`) runs against a scratch database (migrated,
the shipped catalog, an API key per agency) and a topic of this run, with everything a
request goes through on: the key checked against its hash, the shared screening, the
conflict pre-check of known ids, the audit row, Kafka's acknowledgement (acks=all)
before the 202. Only the per-agency rate limit is raised, or it would be what is
measured. The benchmark's events (benchmarks/events.py) are sent by `--clients`
concurrent clients, one event per request, then 100 per request, then 100 per request
gzipped (as an agency on a slow line would send them, compressed by the client), each
request with its agency's key; the same events go straight to Kafka with the producer settings of
the services, one message at a time per client and then 100 at a time. Events/s and the
p50/p99 of a request (or of a message's acknowledgement) are reported side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # no stubs in the dev group
from aiokafka import AIOKafkaProducer

from benchmarks.events import Event, Workload
from benchmarks.http_client import KeepAliveClient
from benchmarks.infrastructure import (
    ROOT,
    Topics,
    create_database,
    drop_database,
    progress,
    read_env,
)
from benchmarks.measure import percentile
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_testing.database import issue_api_key
from ioc_testing.pipeline import ServiceProcess, migrate_with_catalog

Send = Callable[[list[Event]], Awaitable[None]]
# In the order they run; each sends events of its own.
MODES = ("http_single", "http_batch", "http_batch_gzip", "kafka_single", "kafka_batch")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.http_gateway",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", type=int, default=5000, help="events per mode (5000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument("--batch", type=int, default=100, help="events per batch request")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def timed(
    chunks: Sequence[list[Event]], clients: int, send: Send, gateway: psutil.Process | None = None
) -> dict[str, Any]:
    """Sends every chunk, `clients` at a time; each chunk's latency, the rate, and the
    cores this process (the clients) and the gateway used meanwhile: a client near a
    whole core measures itself, not the gateway."""
    queue: asyncio.Queue[list[Event]] = asyncio.Queue()
    for chunk in chunks:
        queue.put_nowait(chunk)
    latencies: list[float] = []

    async def client() -> None:
        while not queue.empty():
            chunk = queue.get_nowait()
            started = time.perf_counter()
            await send(chunk)
            latencies.append((time.perf_counter() - started) * 1000)

    ours = psutil.Process()
    cpu_before = _cpu_seconds(ours), _cpu_seconds(gateway) if gateway is not None else 0.0
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    latencies.sort()
    events = sum(len(chunk) for chunk in chunks)
    return {
        "events": events,
        "events_per_second": events / seconds,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "client_cores": (_cpu_seconds(ours) - cpu_before[0]) / seconds,
        "gateway_cores": (
            (_cpu_seconds(gateway) - cpu_before[1]) / seconds if gateway is not None else None
        ),
    }


def by_agency(events: list[Event], size: int) -> list[list[Event]]:
    """Requests of `size` events, each of one agency (a key speaks for one agency)."""
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event.series.agency, []).append(event)
    return [g[i : i + size] for g in groups.values() for i in range(0, len(g), size)]


def over_http(client: KeepAliveClient, keys: dict[str, str], *, gzipped: bool = False) -> Send:
    """Requests as an agency's script sends them; `gzipped` compresses each body as
    `gzip.compress` does, in the client (its CPU counted as the client's)."""

    async def send(chunk: list[Event]) -> None:
        documents = [event.document() for event in chunk]
        body = documents[0] if len(documents) == 1 else {"events": documents}
        content = json.dumps(body, ensure_ascii=False).encode()
        headers = {
            "Authorization": f"Bearer {keys[chunk[0].series.agency]}",
            "Content-Type": "application/json",
        }
        if gzipped:
            content = gzip.compress(content, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        status, answer = await client.post("/v1/events", content, headers)
        if status != 202:
            raise RuntimeError(f"{status}: {answer[:300].decode(errors='replace')}")

    return send


def to_kafka(producer: AIOKafkaProducer, topic: str) -> Send:
    async def send(chunk: list[Event]) -> None:
        sent = [await producer.send(topic, e.value_bytes(), key=e.key) for e in chunk]
        await asyncio.gather(*sent)

    return send


async def measure(options: argparse.Namespace) -> dict[str, Any]:
    env = read_env()
    run = uuid.uuid4().hex[:8]
    name = f"ioc_bench_http_{run}"
    database = await create_database(env, name)
    topics = Topics(env["IOC_KAFKA_BOOTSTRAP_SERVERS"], f"bench.http.{run}")
    gateway: ServiceProcess | None = None
    producer = AIOKafkaProducer(
        bootstrap_servers=env["IOC_KAFKA_BOOTSTRAP_SERVERS"], **SAFE_PRODUCER_OPTIONS
    )
    results: dict[str, Any] = {}
    try:
        await topics.start()
        topic = await topics.create("events", 6)
        await migrate_with_catalog(database)
        workload = Workload()
        every = list(workload.events(0, len(MODES) * options.events))
        agencies = sorted({e.series.agency for e in every})
        keys = {a: await issue_api_key(database, a, comment="benchmark") for a in agencies}
        log = ROOT / ".local" / "bench" / f"http-{run}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        gateway = ServiceProcess(
            "ioc_ingest",
            {
                "IOC_DATABASE_URL": database.dsns["ingest"],
                "IOC_KAFKA_BOOTSTRAP_SERVERS": env["IOC_KAFKA_BOOTSTRAP_SERVERS"],
                "IOC_INGEST_TOPIC": topic,
                "IOC_LOG_LEVEL": "WARNING",
                "IOC_INGEST_RATE_PER_SECOND": "1000000",
                "IOC_INGEST_RATE_BURST": "1000000",
            },
            Path(log),
        )
        gateway.start()
        await asyncio.to_thread(gateway.wait_ready)
        await producer.start()
        n = options.events
        modes: list[tuple[str, list[list[Event]], Send]] = []
        assert gateway.process is not None
        served = psutil.Process(gateway.process.pid)
        async with KeepAliveClient(gateway.url, options.clients) as client:
            http, kafka = over_http(client, keys), to_kafka(producer, topic)
            gzipped = over_http(client, keys, gzipped=True)
            modes = [
                ("http_single", by_agency(every[0:n], 1), http),
                ("http_batch", by_agency(every[n : 2 * n], options.batch), http),
                ("http_batch_gzip", by_agency(every[4 * n : 5 * n], options.batch), gzipped),
                ("kafka_single", by_agency(every[2 * n : 3 * n], 1), kafka),
                ("kafka_batch", by_agency(every[3 * n : 4 * n], options.batch), kafka),
            ]
            assert [mode for mode, _, _ in modes] == list(MODES)
            for mode, chunks, send in modes:
                progress(f"{mode}: {n} events, {options.clients} clients")
                results[mode] = await timed(chunks, options.clients, send, served)
    finally:
        await producer.stop()
        if gateway is not None:
            gateway.stop()
        await topics.close(f"http.{run}")
        await drop_database(env, name, [])
    return results | {"clients": options.clients, "batch": options.batch}


def main(argv: list[str] | None = None) -> None:
    options = arguments(argv)
    results = asyncio.run(measure(options))
    if options.json:
        print(json.dumps(results))
        return
    for mode in MODES:
        figures = results[mode]
        print(
            f"{mode:13} {figures['events_per_second']:>9,.0f} events/s  "
            f"p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
        )


if __name__ == "__main__":
    main()
