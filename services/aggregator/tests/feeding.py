"""Feeding the real aggregator events through the real Kafka, and reading back what it
stored in TimescaleDB and what it dead-lettered: shared by the connected pipeline tests."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ioc_contracts.dead_letter import parse_dead_letter_headers
from ioc_contracts.topics import series_key_bytes
from ioc_testing import ScratchDatabase

T0 = datetime(2023, 6, 1, tzinfo=UTC)
RATE = "dvc.paperless-rate"  # vp-ubnd may publish it for the province


def event(
    *,
    value: float,
    day: float = 0,
    agency: str = "vp-ubnd",
    indicator: str = "dvc.paperless-rate",
    scope: str = "province",
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "agency": agency,
        "indicator": indicator,
        "scope": scope,
        "observed_at": (T0 + timedelta(days=day)).isoformat(),
        "value": value,
        **extra,
    }


async def publish(
    producer: AIOKafkaProducer, topic: str, events: Sequence[dict[str, Any] | bytes]
) -> None:
    sends = []
    for item in events:
        if isinstance(item, bytes):
            sends.append(await producer.send(topic, item, key=b"raw"))
        else:
            key = series_key_bytes(item["indicator"], item["scope"])
            sends.append(await producer.send(topic, json.dumps(item).encode(), key=key))
    await asyncio.gather(*sends)


async def fetch(dsn: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def stored_count(database: ScratchDatabase) -> int:
    rows = await fetch(database.dsns["reader"], "SELECT count(*) AS n FROM ioc.observations")
    return int(rows[0]["n"])


async def drain(bootstrap: str, topic: str, expected: int, within: float = 60.0) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + within
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def stored_at_least(database: ScratchDatabase, rows: int) -> bool:
    return await stored_count(database) >= rows


async def dead_letters_by_code(bootstrap: str, topic: str, expected: int) -> dict[str, list[str]]:
    letters: dict[str, list[str]] = {}
    for record in await drain(bootstrap, topic, expected):
        letter = parse_dead_letter_headers(record.headers)
        letters.setdefault(letter.error_code.value, []).append(letter.reason)
    return letters
