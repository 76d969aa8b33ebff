"""Floor: one INSERT (its own transaction) and one offset commit per message.

What a first consumer written in an afternoon does; correct (validated, idempotent,
offsets committed after the row) but with two round trips per event.

    python -m benchmarks.contenders.naive --bootstrap B --topic T --group G --dsn DSN --events N
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from benchmarks.contenders import emit
from ioc_contracts import IndicatorEvent
from ioc_messaging.clients import SAFE_CONSUMER_OPTIONS

_INSERT = """
INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,
                              numerator, denominator, reported_at, source, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT DO NOTHING
"""


async def consume(
    bootstrap: str, topic: str, group: str, dsn: str, events: int
) -> dict[str, float]:
    connection = await asyncpg.connect(dsn)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, **SAFE_CONSUMER_OPTIONS
    )
    await consumer.start()
    handled = 0
    started = 0.0
    try:
        async for record in consumer:
            started = started or time.time()
            event = IndicatorEvent.model_validate_json(record.value or b"")
            await connection.execute(
                _INSERT,
                event.event_id,
                event.observed_at,
                event.indicator,
                event.scope,
                event.agency,
                event.value,
                event.numerator,
                event.denominator,
                event.reported_at,
                event.source,
                event.note,
            )
            await consumer.commit(
                {TopicPartition(record.topic, record.partition): record.offset + 1}
            )
            handled += 1
            if handled >= events:
                break
        finished = time.time()
    finally:
        await consumer.stop()
        await connection.close()
    return {
        "events": handled,
        "started": started,
        "finished": finished,
        "seconds": finished - started,
        "events_per_second": handled / (finished - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--events", type=int, required=True)
    arguments = parser.parse_args()
    emit(
        asyncio.run(
            consume(
                arguments.bootstrap,
                arguments.topic,
                arguments.group,
                arguments.dsn,
                arguments.events,
            )
        )
    )


if __name__ == "__main__":
    main()
