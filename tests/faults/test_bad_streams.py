"""Bad streams straight to Kafka: poison and hostile records among good ones, timestamps
far in the future or outside the calendar. Poison goes to the DLQ with its reason and
the partition moves on; nothing refused is stored (duplicates, out-of-order and late
figures: test_late_and_duplicate_streams.py)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ioc_contracts.dead_letter import DeadLetter, parse_dead_letter_headers
from ioc_testing.ledger import LoadGenerator, Outcome
from ioc_testing.pipeline import PipelineTopics, ServiceProcess

if TYPE_CHECKING:
    from .conftest import Conclude

pytestmark = pytest.mark.connected

Headers = list[tuple[str, bytes]]
GOOD_PER_ROUND = 170


async def dead_letters(
    bootstrap: str, topic: str, expected: int, within: float = 60.0
) -> list[tuple[bytes | None, DeadLetter]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    letters: list[tuple[bytes | None, DeadLetter]] = []
    try:
        async with asyncio.timeout(within):
            while len(letters) < expected:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    letters.extend((r.value, parse_dead_letter_headers(r.headers)) for r in records)
    except TimeoutError:
        pass  # the caller compares what arrived with what it expected
    finally:
        await consumer.stop()
    return letters


def poison(load: LoadGenerator) -> list[tuple[str, dict[str, Any]]]:
    """(expected DLQ code, event) for events that parse but must be refused; each has an id."""
    now = datetime.now(UTC)
    granted = load.series[0]
    other = load.series[1]
    return [
        ("schema_violation", load.event(colour="red")),
        ("schema_violation", load.event(value=float("nan"))),
        ("schema_violation", load.event(observed_at="2023-06-01T08:00:00")),  # no offset
        ("not_granted", load.event(granted, scope=other.scope)),  # another agency's series
        ("unknown_agency", load.event(agency="so-khong-ton-tai")),
        ("unknown_indicator", load.event(indicator="khong.ton-tai")),
        ("value_out_of_range", load.event(value=141.0)),
        ("timestamp_in_future", load.event(observed_at=(now + timedelta(days=30)).isoformat())),
        ("timestamp_in_future", load.event(observed_at="9999-12-31T23:59:59+07:00")),
    ]


RAW_POISON: list[tuple[str, bytes | None]] = [
    ("invalid_json", b"{this is not json"),
    ("invalid_json", b"\xff\xfe\xfa\x00not utf-8"),
    ("invalid_json", None),  # a tombstone
    ("schema_violation", b"[1, 2, 3]"),
    ("schema_violation", json.dumps({"value": 1}).encode()),  # no event_id, no series
]


async def test_poison_among_good_events_is_dead_lettered_and_the_rest_stored(
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    kafka_bootstrap: str,
    conclude: Conclude,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    refused = poison(load)
    rounds = max(len(refused), len(RAW_POISON))
    for number in range(rounds):  # rounds of good events, poison sprinkled between them
        await load.to_kafka(producer, pipeline_topics.events, load.events(GOOD_PER_ROUND))
        if number < len(refused):
            await load.to_kafka(
                producer,
                pipeline_topics.events,
                [refused[number][1]],
                outcome_if_acknowledged=Outcome.REJECTED,
            )
        if number < len(RAW_POISON):
            await producer.send_and_wait(pipeline_topics.events, RAW_POISON[number][1], key=b"raw")
    expected = [(code, json.dumps(event).encode()) for code, event in refused] + RAW_POISON
    await conclude(
        aggregator_process,
        fault="poison messages",
        description=f"{len(expected)} poison records (bad JSON, bad UTF-8, a tombstone, schema "
        "violations, another agency's series, unknown agency/indicator, out-of-range values, "
        f"timestamps 30 days and 8,000 years ahead) among {rounds * GOOD_PER_ROUND} good events",
    )
    letters = await dead_letters(kafka_bootstrap, pipeline_topics.dead_letters, len(expected))
    # A tombstone has no bytes to keep: its dead letter carries an empty value.
    by_value = {value or b"": letter for value, letter in letters}
    assert len(letters) == len(expected)
    for code, value in expected:
        letter = by_value[value or b""]
        assert letter.error_code.value == code, (value, letter.reason)
        assert letter.reason.strip()
        assert letter.source_topic == pipeline_topics.events


HOSTILE: list[tuple[str, bytes, Headers]] = [
    ("an integer of 5000 digits", b'{"value": ' + b"9" * 5000 + b"}", []),
    ("bad JSON declared as JSON", b"{this is not json", [("content-type", b"application/json")]),
    ("JSON nested 100,000 deep", b"[" * 100_000, []),
]


async def test_hostile_records_neither_lose_good_events_nor_vanish(
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    kafka_bootstrap: str,
    conclude: Conclude,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    series = load.series[0]
    key = f"{series.indicator}|{series.scope}".encode()
    for _, value, headers in HOSTILE:
        # One partition, one fetch: good events on both sides of the hostile record.
        before = [load.event(series) for _ in range(10)]
        after = [load.event(series) for _ in range(10)]
        sending = [load.to_kafka(producer, pipeline_topics.events, before)]
        sending.append(_send_raw(producer, pipeline_topics.events, value, key, headers))
        sending.append(load.to_kafka(producer, pipeline_topics.events, after))
        await asyncio.gather(*sending)
    await load.to_kafka(producer, pipeline_topics.events, load.events(50))
    try:
        await conclude(
            aggregator_process,
            fault="hostile records",
            description="records that make json.loads raise something else than "
            "JSONDecodeError (5,000-digit integer, 100,000-deep nesting, bad JSON with a "
            "content-type: application/json header), each between good events",
        )
    finally:
        # Once the lag is zero every dead letter is on the topic: the wait is only for a
        # new consumer to start and fetch them, which a busy machine may take a while for.
        letters = await dead_letters(kafka_bootstrap, pipeline_topics.dead_letters, len(HOSTILE))
    assert len(letters) == len(HOSTILE), "a hostile record vanished without a dead letter"


async def _send_raw(
    producer: AIOKafkaProducer, topic: str, value: bytes, key: bytes, headers: Headers
) -> None:
    await (await producer.send(topic, value, key=key, headers=headers))


async def test_a_timestamp_outside_the_calendar_does_not_block_its_partition(
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    conclude: Conclude,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    series = load.series[0]
    await load.to_kafka(producer, pipeline_topics.events, load.events_of(series, 10))
    outside = load.event(series, observed_at="0001-01-01T04:00:01+23:00")
    await load.to_kafka(
        producer, pipeline_topics.events, [outside], outcome_if_acknowledged=Outcome.REJECTED
    )
    await load.to_kafka(producer, pipeline_topics.events, load.events_of(series, 10))
    await conclude(
        aggregator_process,
        fault="timestamp outside the calendar",
        description="one event whose observed_at lies before year 1 once converted to UTC, "
        "between good events of the same series",
        bound=15.0,
    )
