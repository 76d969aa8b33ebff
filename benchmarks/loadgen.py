"""Load generator: N indicator events onto a topic, at a fixed rate or as fast as possible.

Events are keyed `indicator|scope` as in production and come from the catalog's
real series (see benchmarks/events.py); the producer has the project's safe
settings (acks=all, idempotence, 5 ms linger). The JSON ledger records, for every
event, its id and the wall-clock times of the send and of Kafka's acknowledgement.

    uv run python -m benchmarks.loadgen --topic T --events 20000 --rate 2000 --ledger l.json
    uv run python -m benchmarks.loadgen --topic T --events 200000 --max
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from benchmarks.events import Workload, connect_value_bytes
from benchmarks.infrastructure import progress, read_env
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS

Message = tuple[bytes, bytes, str]  # key, value, event_id


@dataclass
class Ledger:
    topic: str
    rate: float | None
    started: float = 0.0
    finished: float = 0.0
    # event_id, send time, acknowledgement time (Unix seconds); ack is 0 if refused.
    records: list[list[Any]] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return sum(1 for r in self.records if r[2])

    def summary(self) -> dict[str, float]:
        seconds = max(self.finished - self.started, 1e-9)
        return {
            "events": len(self.records),
            "acknowledged": self.acknowledged,
            "seconds": seconds,
            "events_per_second": self.acknowledged / seconds,
        }

    def write(self, path: Path) -> None:
        path.write_text(
            json.dumps(
                {
                    "topic": self.topic,
                    "rate": self.rate,
                    "started": self.started,
                    "finished": self.finished,
                    "records": self.records,
                }
            ),
            encoding="utf-8",
        )

    @classmethod
    def read(cls, path: Path) -> Ledger:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["topic"], data["rate"], data["started"], data["finished"], data["records"])


def messages(workload: Workload, first: int, count: int, envelope: str) -> list[Message]:
    """Encoded before the clock starts, so the generator measures Kafka, not json.dumps."""
    encode = connect_value_bytes if envelope == "connect" else (lambda e: e.value_bytes())
    return [(e.key, encode(e), str(e.event_id)) for e in workload.events(first, count)]


async def produce(
    producer: AIOKafkaProducer,
    topic: str,
    batch: Iterable[Message],
    *,
    rate: float | None = None,
    keep_ledger: bool = True,
) -> Ledger:
    """Sends every message, at `rate` per second or as fast as Kafka takes them."""
    ledger = Ledger(topic, rate)
    pending: list[asyncio.Future[Any]] = []
    records = ledger.records

    def acknowledged(record: list[Any], future: asyncio.Future[Any]) -> None:
        if not future.cancelled() and future.exception() is None:
            record[2] = time.time()

    ledger.started = time.time()
    origin = time.perf_counter()
    for n, (key, value, event_id) in enumerate(batch):
        if rate:
            # Late events go out at once (no sleep), so the mean rate holds even
            # when one send took longer than the interval.
            delay = origin + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        record = [event_id, time.time(), 0.0]
        future = await producer.send(topic, value, key=key)
        if keep_ledger:
            records.append(record)
            future.add_done_callback(lambda f, r=record: acknowledged(r, f))
        pending.append(future)
        if len(pending) >= 20_000:
            await asyncio.gather(*pending, return_exceptions=True)
            pending.clear()
    await asyncio.gather(*pending, return_exceptions=True)
    ledger.finished = time.time()
    return ledger


def new_producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap, **SAFE_PRODUCER_OPTIONS)


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
