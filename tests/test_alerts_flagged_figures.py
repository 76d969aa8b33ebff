"""A flagged figure alone never raises a target alert: the alert service judges targets on
the figures of record that passed every data-quality check. Real aggregator, real alert
service, real Kafka and TimescaleDB."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_contracts.topics import series_key_bytes
from ioc_testing import ScratchDatabase
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

pytestmark = pytest.mark.connected

TARGET = "dvc.ontime-95"  # the province's on-time dossier rate at least 95 %


def _ontime(at: str, value: float, numerator: int) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "agency": "vp-ubnd",
        "indicator": "dvc.ontime-rate",
        "scope": "province",
        "observed_at": f"2023-07-{at}:00+07:00",
        "value": value,
        "numerator": numerator,
        "denominator": 1000,
    }


async def _send_together(producer: AIOKafkaProducer, topic: str, *events: dict[str, Any]) -> None:
    key = series_key_bytes("dvc.ontime-rate", "province")
    await asyncio.gather(
        *[await producer.send(topic, json.dumps(e).encode(), key=key) for e in events]
    )


async def _status(database: ScratchDatabase) -> asyncpg.Record | None:
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        return await connection.fetchrow(
            "SELECT s.status, s.current_value, (SELECT count(*) FROM ioc.alerts a"
            " WHERE a.target = s.target AND a.state <> 'resolved') AS open_alerts"
            " FROM ioc.target_status s WHERE s.target = $1",
            TARGET,
        )
    finally:
        await connection.close()


async def test_a_flagged_figure_alone_opens_no_alert_but_a_trusted_one_does(
    aggregator_process: ServiceProcess,
    alerts_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    alerts_process.start()
    alerts_process.wait_ready()
    # Daily figures, fresh on the alert service's clock (15/7/2023 09:00). 50 % typed
    # where 961 of 1,000 dossiers were on time: flagged (ratio_mismatch).
    await _send_together(
        producer,
        pipeline_topics.events,
        _ontime("14T17:00", 98.0, 980),
        _ontime("15T08:00", 50.0, 961),
    )

    async def judged_on_the_trusted_figure() -> bool:
        row = await _status(catalog_database)
        return row is not None and row["current_value"] == 98.0

    await wait_for(judged_on_the_trusted_figure, what="the target judged")
    row = await _status(catalog_database)
    assert row is not None
    assert row["open_alerts"] == 0
    assert row["status"] == "on_track"

    # The same low figure, consistent with its counts: a real breach, and an alert.
    await _send_together(producer, pipeline_topics.events, _ontime("15T08:30", 50.0, 500))

    async def alerted() -> bool:
        found = await _status(catalog_database)
        return found is not None and found["open_alerts"] == 1

    await wait_for(alerted, what="the alert on a trusted breach")
