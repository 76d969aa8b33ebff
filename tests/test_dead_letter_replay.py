"""An operator's repair: an event refused for a missing grant is stored once the grant is
added to the catalog and the dead letter replayed, and only once however often it is."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_contracts.topics import series_key_bytes
from ioc_messaging import dlq_cli
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

pytestmark = pytest.mark.connected

# Sở Xây dựng reporting a district's paperless rate: a grant the catalog does not give it.
INDICATOR, SCOPE, AGENCY = "dvc.paperless-rate", "thu-dau-mot", "so-xd"


async def _stored(database: ScratchDatabase, event_id: str) -> int:
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM ioc.observations WHERE event_id = $1::uuid", event_id
        )
    finally:
        await connection.close()
    return int(count)


async def _grant(database: ScratchDatabase) -> None:
    connection = await asyncpg.connect(database.dsns["migrator"])
    try:
        await connection.execute(
            "INSERT INTO ioc.publish_grants (agency, indicator, scope) VALUES ($1, $2, $3)",
            AGENCY,
            INDICATOR,
            SCOPE,
        )
    finally:
        await connection.close()


async def _dead_letters(service: ServiceProcess) -> float:
    prefix = 'ioc_aggregator_dead_letters_total{error_code="not_granted"} '
    text = await asyncio.to_thread(service.metrics)
    return sum(
        float(line.removeprefix(prefix)) for line in text.splitlines() if line.startswith(prefix)
    )


def _replay(bootstrap: str, topics: PipelineTopics) -> int:
    return dlq_cli.main(
        [
            *("replay", "--topic", topics.dead_letters, "--error-code", "not_granted"),
            *("--source-topic", topics.events),
        ]
    )


async def test_a_replayed_dead_letter_is_stored_once_after_its_cause_is_fixed(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    event_id = str(uuid.uuid4())
    event = {
        "event_id": event_id,
        "agency": AGENCY,
        "indicator": INDICATOR,
        "scope": SCOPE,
        "observed_at": datetime(2023, 6, 30, tzinfo=UTC).isoformat(),
        "value": 41.5,
        "note": "Báo cáo tháng 6",
    }
    await producer.send_and_wait(
        pipeline_topics.events, json.dumps(event).encode(), key=series_key_bytes(INDICATOR, SCOPE)
    )
    await aggregator_process.wait_for_sample(
        'ioc_aggregator_dead_letters_total{error_code="not_granted"} 1.0'
    )
    assert await _stored(catalog_database, event_id) == 0

    monkeypatch.setenv("IOC_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    # Replayed before the fix: refused again, back in the DLQ with a fresh reason.
    assert await asyncio.to_thread(_replay, kafka_bootstrap, pipeline_topics) == 0
    assert "sent and acknowledged 1" in capsys.readouterr().out
    await aggregator_process.wait_for_sample(
        'ioc_aggregator_dead_letters_total{error_code="not_granted"} 2.0'
    )
    assert await _stored(catalog_database, event_id) == 0

    await _grant(catalog_database)
    # The aggregator re-reads the catalog every 2 s (the fixture's setting). Probes, each
    # a new event awaited until it is stored or refused, show when the grant is in force
    # without guessing a delay, and leave nothing in flight to blur the counts below.
    probes: list[str] = []

    async def grant_in_force() -> bool:
        probes.append(str(uuid.uuid4()))
        refused_before = await _dead_letters(aggregator_process)
        probe = {**event, "event_id": probes[-1], "note": "thăm dò"}
        await producer.send_and_wait(
            pipeline_topics.events,
            json.dumps(probe).encode(),
            key=series_key_bytes(INDICATOR, SCOPE),
        )

        async def settled() -> bool:
            return await _stored(catalog_database, probes[-1]) == 1 or (
                await _dead_letters(aggregator_process) > refused_before
            )

        await wait_for(settled, what="a probe to be stored or refused")
        return await _stored(catalog_database, probes[-1]) == 1

    await wait_for(grant_in_force, what="the new grant to be in force")
    refused = await _dead_letters(aggregator_process)

    async def all_stored_once() -> bool:
        counts = [await _stored(catalog_database, id_) for id_ in [event_id, *probes]]
        return all(count == 1 for count in counts)

    # Every letter goes back: the original, its re-refused copy and the refused probes.
    # One row each; the second copy of the original is the only duplicate.
    assert await asyncio.to_thread(_replay, kafka_bootstrap, pipeline_topics) == 0
    assert f"sent and acknowledged {refused:.0f}" in capsys.readouterr().out
    await wait_for(all_stored_once, what="the replayed events to be stored")
    await aggregator_process.wait_for_sample("ioc_aggregator_duplicates_ignored_total 1.0")
    assert await all_stored_once()
    assert await _dead_letters(aggregator_process) == refused  # nothing refused by the replay
