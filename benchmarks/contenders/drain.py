"""Limit: a consumer that only reads the topic to its end (no decoding, no database).

Fetch limits are raised so each round trip brings megabytes: what aiokafka can pull
from this broker at most, the ceiling of any Python consumer of this topic.

    python -m benchmarks.contenders.drain --bootstrap 127.0.0.1:9092 --topic T
"""

from __future__ import annotations

import argparse
import asyncio
import time

from aiokafka import AIOKafkaConsumer

from benchmarks.contenders import emit
from benchmarks.measure import partitions_of


async def drain(bootstrap: str, topic: str) -> dict[str, float]:
    partitions = await partitions_of(bootstrap, topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp, end in ends.items() if end > 0}
        read = 0
        payload = 0
        started = time.time()
        cpu = time.process_time()
        while remaining:
            batches = await consumer.getmany(timeout_ms=1000, max_records=50_000)
            for tp, records in batches.items():
                read += len(records)
                payload += sum(len(r.value or b"") for r in records)
                if records and records[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
        finished = time.time()
        cpu = time.process_time() - cpu
    finally:
        await consumer.stop()
    return {
        "events": read,
        "bytes": payload,
        "started": started,
        "finished": finished,
        "seconds": finished - started,
        "cpu_seconds": cpu,
        "events_per_second": read / (finished - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    arguments = parser.parse_args()
    emit(asyncio.run(drain(arguments.bootstrap, arguments.topic)))


if __name__ == "__main__":
    main()
