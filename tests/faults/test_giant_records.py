"""Records that pass the broker but are far too large decoded, and dead letters Kafka
will not take: the partition moves on either way, and operators can see what happened.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import MessageSizeTooLargeError

from ioc_contracts.dead_letter import MAX_DEAD_LETTER_VALUE_BYTES, DeadLetterErrorCode
from ioc_contracts.topics import INDICATOR_EVENTS
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_messaging.dead_letters import read_dead_letters
from ioc_messaging.settings import KafkaSettings
from ioc_messaging.topics_admin import ensure_topics
from ioc_testing import ScratchDatabase
from ioc_testing.ledger import LoadGenerator, Outcome
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .test_foreign_producers import event_lines, kcat_produce

if TYPE_CHECKING:
    from .conftest import Conclude, ReadMetric

pytestmark = pytest.mark.connected

GIANT_BYTES = 3_000_000  # three times the topic's max.message.bytes, before compression


async def test_a_giant_compressed_record_is_dead_lettered_as_a_bounded_copy(
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    load: LoadGenerator,
    conclude: Conclude,
    tmp_path: Path,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    series = load.series[0]
    before, after = load.events_of(series, 20), load.events_of(series, 20)
    giant = load.event(series, note="x" * GIANT_BYTES)  # same key: the same partition
    await asyncio.to_thread(
        kcat_produce,
        kafka_bootstrap,
        pipeline_topics.events,
        event_lines([*before, giant, *after]),
        codec="zstd",
        folder=tmp_path,
        # librdkafka checks the uncompressed size against its own limit; the broker
        # checks the compressed batch, which is a few kilobytes.
        extra=("-X", "message.max.bytes=10000000"),
    )
    for event in (*before, *after):
        load.ledger.record(event, Outcome.ACKNOWLEDGED)
    load.ledger.record(giant, Outcome.REJECTED)

    await conclude(
        aggregator_process,
        fault="giant compressed record",
        description=f"a {GIANT_BYTES / 1e6:.0f} MB event compressed with zstd under the "
        "topic's 1 MiB limit, between good events of its series",
        note="refused as too_large on its decoded size; its dead letter is the first "
        f"{MAX_DEAD_LETTER_VALUE_BYTES // 1024} KiB with the original size",
    )
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    letters = [r async for r in read_dead_letters(settings, pipeline_topics.dead_letters)]
    assert len(letters) == 1
    (letter,) = letters
    assert letter.letter is not None
    assert letter.letter.error_code is DeadLetterErrorCode.TOO_LARGE
    assert letter.letter.truncated
    assert letter.letter.original_size is not None
    assert letter.letter.original_size > GIANT_BYTES
    assert len(letter.value or b"") == MAX_DEAD_LETTER_VALUE_BYTES


async def limit_topic(bootstrap: str, topic: str, max_message_bytes: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC,
                    topic,
                    configs={"max.message.bytes": str(max_message_bytes)},
                )
            ]
        )
    finally:
        await admin.close()


async def test_a_dead_letter_kafka_refuses_is_quarantined_and_the_partition_moves_on(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    load: LoadGenerator,
    conclude: Conclude,
    read_metric: ReadMetric,
    tmp_path: Path,
) -> None:
    # A DLQ topic misconfigured far below the contract: no dead letter of a few KB fits.
    await limit_topic(kafka_bootstrap, pipeline_topics.dead_letters, 1024)
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    series = load.series[0]
    before, after = load.events_of(series, 20), load.events_of(series, 20)
    poison = load.event(series, value=1000.0, note="Ghi chú dài " * 80)  # out of range
    await asyncio.to_thread(
        kcat_produce,
        kafka_bootstrap,
        pipeline_topics.events,
        event_lines([*before, poison, *after]),
        codec="lz4",
        folder=tmp_path,
    )
    for event in (*before, *after):
        load.ledger.record(event, Outcome.ACKNOWLEDGED)
    load.ledger.record(poison, Outcome.REJECTED)

    await conclude(
        aggregator_process,
        fault="dead letter refused by Kafka",
        description="the DLQ topic's max.message.bytes set to 1 KiB, below the dead letter "
        "of an out-of-range event with a long note",
        note="sent three times, then held in ioc.quarantined_records; the partition moved on",
    )
    await aggregator_process.wait_for_sample(
        'ioc_aggregator_quarantined_total{error_code="value_out_of_range"} 1.0', within=30
    )
    listed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "ioc_messaging.dlq_cli", "quarantine", "--json"],
        env={**os.environ, "IOC_DATABASE_URL": catalog_database.dsns["reader"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()
    held = json.loads(line)
    assert held["error_code"] == "value_out_of_range"
    assert held["source"].startswith(f"{pipeline_topics.events}/")
    assert poison["event_id"] in held["value_head"]
    assert "RecordTooLarge" in held["dead_letter_error"] or "TooLarge" in held["dead_letter_error"]

    async def nothing_in_the_dlq() -> bool:
        settings = KafkaSettings(bootstrap_servers=kafka_bootstrap)
        return not [r async for r in read_dead_letters(settings, pipeline_topics.dead_letters)]

    await wait_for(nothing_in_the_dlq, within=10, what="an empty DLQ")
    assert read_metric(aggregator_process, "ioc_aggregator_quarantined_total") == 1


async def test_the_events_topic_as_created_refuses_a_decompression_bomb(
    kafka_bootstrap: str, unique_name: str
) -> None:
    """The broker decodes each batch for the events topic (compression.type=uncompressed)
    and checks the decoded size against max.message.bytes: a few kilobytes of zstd that
    expand to 20 MB never reach a consumer. Without that setting the broker keeps the
    batch as compressed and every consumer would have to expand it."""
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    bounded = dataclasses.replace(INDICATOR_EVENTS, name=f"{unique_name}.events")
    as_sent = dataclasses.replace(
        INDICATOR_EVENTS, name=f"{unique_name}.as-sent", compression_type="producer"
    )
    await ensure_topics(settings, [bounded, as_sent])
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap,
        **{**SAFE_PRODUCER_OPTIONS, "compression_type": "zstd", "max_request_size": 50_000_000},
    )
    await producer.start()
    try:
        bomb = b"0" * 20_000_000
        await producer.send_and_wait(as_sent.name, bomb)  # the broker takes it as sent
        with pytest.raises(MessageSizeTooLargeError):
            await producer.send_and_wait(bounded.name, bomb)
        await producer.send_and_wait(bounded.name, b"0" * 500_000)  # decoded under 1 MiB
    finally:
        await producer.stop()
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([bounded.name, as_sent.name])
        finally:
            await admin.close()
