"""Load generator: N indicator events onto a topic, at a fixed rate or as fast as possible.

Events are keyed `indicator|scope` as in production and come from the catalog's
real series (see benchmarks/events.py); the producer has the project's safe
settings (acks=all, idempotence, 5 ms linger) and sends whole record batches per
partition, so the generator takes little of the CPU it shares with what it measures.
The JSON ledger records, for every event, its id, when it was due to be sent and when
Kafka acknowledged it (wall-clock times).

    uv run python -m benchmarks.loadgen --topic T --events 20000 --rate 2000 --ledger l.json
    uv run python -m benchmarks.loadgen --topic T --events 200000 --max
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from benchmarks.events import Workload, connect_value_bytes
from benchmarks.infrastructure import progress, read_env
from benchmarks.ledger import Ledger
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS

Message = tuple[bytes, bytes, str]  # key, value, event_id

# How often a paced generator wakes to send what has fallen due: the services' producers
# linger 5 ms to fill a batch, so a batch per partition every 5 ms is what they send.
_TICK_SECONDS = 0.005
# Messages handed over at once when producing as fast as possible.
_BURST = 5_000
# Messages sent but not yet acknowledged before the generator waits for Kafka.
_MOST_IN_FLIGHT = 50_000


def messages(workload: Workload, first: int, count: int, envelope: str) -> list[Message]:
    """Encoded before the clock starts, so the generator measures Kafka, not json.dumps."""
    encode = connect_value_bytes if envelope == "connect" else (lambda e: e.value_bytes())
    return [(e.key, encode(e), str(e.event_id)) for e in workload.events(first, count)]


class _Partitions:
    """The partition of each key, as the services' producers choose it (murmur2 of the
    key), computed once per key before the clock starts."""

    def __init__(self, partitions: Sequence[int]) -> None:
        self._partitions = sorted(partitions)
        self._choose = DefaultPartitioner()
        self._known: dict[bytes, int] = {}

    def of(self, key: bytes) -> int:
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._choose(key, self._partitions, self._partitions)
        return known


async def produce(
    producer: AIOKafkaProducer,
    topic: str,
    batch: Sequence[Message],
    *,
    rate: float | None = None,
    keep_ledger: bool = True,
) -> Ledger:
    """Sends every message, at `rate` per second or as fast as Kafka takes them.

    Messages go out as record batches, one per partition per tick, each built by the
    producer's own batch builder and sent with `send_batch`: aiokafka's `send()` costs
    tens of µs of Python per message, and on a shared machine that CPU would be taken
    from the system measured. At a fixed rate, each message is due at `n / rate` from
    the start, and the ledger's send time is when it was due (never later than when it
    went out), so a generator falling behind counts against the system, not for it.
    """
    ledger = Ledger(topic, rate)
    partitions = _Partitions(await producer.partitions_for(topic))
    chosen = [partitions.of(key) for key, _, _ in batch]
    # The generator is the measuring instrument and its ledger's times are when messages
    # were due: a pause of its own counts against the system measured. With the default
    # collector, walking a ledger of 150,000 records paused it up to 0.1 s at a time
    # (four times in 10 s at 15,000 events/s); nothing it allocates while it sends needs
    # the cyclic collector, so it waits until the sending is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _produce(producer, topic, batch, chosen, ledger, rate, keep_ledger)
    finally:
        if collecting:
            gc.enable()


async def _produce(
    producer: AIOKafkaProducer,
    topic: str,
    batch: Sequence[Message],
    chosen: list[int],
    ledger: Ledger,
    rate: float | None,
    keep_ledger: bool,
) -> Ledger:
    records = ledger.records
    pending: list[asyncio.Future[Any]] = []
    in_flight = 0

    def acknowledged(sent: list[list[Any]], future: asyncio.Future[Any]) -> None:
        if not future.cancelled() and future.exception() is None:
            now = time.time()
            for record in sent:
                record[2] = now

    ledger.started = wall_origin = time.time()
    origin = time.perf_counter()
    sent = 0
    while sent < len(batch):
        if rate:
            due = min(len(batch), int((time.perf_counter() - origin) * rate) + 1)
            if due <= sent:
                await asyncio.sleep(_TICK_SECONDS)
                continue
        else:
            due = min(len(batch), sent + _BURST)
        by_partition: dict[int, list[int]] = {}
        for n in range(sent, due):
            by_partition.setdefault(chosen[n], []).append(n)
        for partition, numbers in by_partition.items():
            now = time.time()
            builder = producer.create_batch()
            group: list[list[Any]] = []
            for n in numbers:
                key, value, event_id = batch[n]
                if builder.append(key=key, value=value, timestamp=None) is None:
                    pending.append(
                        await _send(producer, builder, topic, partition, group, acknowledged)
                    )
                    builder, group = producer.create_batch(), []
                    if builder.append(key=key, value=value, timestamp=None) is None:
                        raise ValueError(f"event {event_id} does not fit in a record batch")
                record = [event_id, min(now, wall_origin + n / rate) if rate else now, 0.0]
                if keep_ledger:
                    records.append(record)
                group.append(record)
            pending.append(await _send(producer, builder, topic, partition, group, acknowledged))
        in_flight += due - sent
        sent = due
        if in_flight >= _MOST_IN_FLIGHT:
            await asyncio.gather(*pending, return_exceptions=True)
            pending.clear()
            in_flight = 0
    ledger.last_sent = time.time()
    await asyncio.gather(*pending, return_exceptions=True)
    ledger.finished = time.time()
    return ledger


async def _send(
    producer: AIOKafkaProducer,
    builder: Any,
    topic: str,
    partition: int,
    group: list[list[Any]],
    acknowledged: Any,
) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = await producer.send_batch(builder, topic, partition=partition)
    future.add_done_callback(lambda f: acknowledged(group, f))
    return future


def new_producer(bootstrap: str) -> AIOKafkaProducer:
    # Record batches of up to 1 MiB (the broker's default message.max.bytes) instead of
    # aiokafka's 16 KiB: the generator builds whole batches per partition itself, a
    # tick's worth each. The 5 ms linger stays: it lets the sender put a tick's batches
    # for every partition into one request, where each request costs the generator
    # more CPU than the messages in it.
    options = SAFE_PRODUCER_OPTIONS | {"max_batch_size": 1_000_000}
    return AIOKafkaProducer(bootstrap_servers=bootstrap, **options)


async def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.loadgen",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--topic", required=True, help="topic to produce to (must exist)")
    parser.add_argument("--events", type=int, default=10_000, help="how many events (N)")
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--rate", type=float, help="fixed rate in events per second")
    pace.add_argument("--max", action="store_true", help="as fast as possible (the default)")
    parser.add_argument(
        "--series", type=int, default=0, help="how many series (default: all the catalog's)"
    )
    parser.add_argument("--first", type=int, default=0, help="number of the first event")
    parser.add_argument("--seed", type=int, default=2023, help="seed of the workload")
    parser.add_argument(
        "--envelope",
        choices=("ioc", "connect"),
        default="ioc",
        help="ioc: IndicatorEvent JSON; connect: the same in Kafka Connect's schema'd JSON",
    )
    parser.add_argument("--ledger", type=Path, help="write the JSON ledger here")
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default: .local/ioc.env)")
    arguments = parser.parse_args()
    bootstrap = arguments.bootstrap or read_env()["IOC_KAFKA_BOOTSTRAP_SERVERS"]
    workload = Workload(seed=arguments.seed, series_count=arguments.series)
    batch = messages(workload, arguments.first, arguments.events, arguments.envelope)
    producer = new_producer(bootstrap)
    await producer.start()
    try:
        ledger = await produce(
            producer,
            arguments.topic,
            batch,
            rate=None if arguments.max else arguments.rate,
            keep_ledger=arguments.ledger is not None,
        )
    finally:
        await producer.stop()
    if arguments.ledger:
        ledger.write(arguments.ledger)
    summary = (
        ledger.summary() if arguments.ledger else {"seconds": ledger.finished - ledger.started}
    )
    progress(f"loadgen: {arguments.events} events to {arguments.topic}: {summary}")
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
