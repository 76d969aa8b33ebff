"""Duplicates, out-of-order and late figures straight to Kafka and over HTTP: late data
never overwrites newer data, and a duplicate is stored once and counted."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.ledger import HttpPost, LoadGenerator
from ioc_testing.pipeline import PipelineTopics, ServiceProcess

if TYPE_CHECKING:
    from .conftest import Conclude, ReadMetric

pytestmark = pytest.mark.connected


def shuffled_within_series(events: Sequence[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    shuffled = list(events)
    random.Random(seed).shuffle(shuffled)
    return shuffled


async def latest_values(database: ScratchDatabase) -> dict[str, float]:
    connection = await asyncpg.connect(database.dsns["reader"])
    try:
        rows = await connection.fetch("SELECT scope, value FROM ioc.latest_values")
    finally:
        await connection.close()
    return {row["scope"]: row["value"] for row in rows}


async def test_duplicates_out_of_order_and_late_events(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    http_post: HttpPost,
    conclude: Conclude,
    read_metric: ReadMetric,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    figures = load.events(2000)
    # Out of order: each series' figures arrive shuffled, not by observed_at.
    await load.to_kafka(producer, pipeline_topics.events, shuffled_within_series(figures, 7))
    # Duplicates: a fifth sent again straight to Kafka, a tenth again through HTTP.
    rng = random.Random(11)
    await load.to_kafka(producer, pipeline_topics.events, rng.sample(figures, 400))
    for series in load.series:
        again = [f for f in rng.sample(figures, 400) if f["agency"] == series.agency][:25]
        assert await load.over_http(http_post, series.agency, again) == 202
    # Late: figures for the spring, after the summer's are stored.
    late = [
        load.event(series, observed_at=(load.start - timedelta(days=60)).isoformat(), value=1.0)
        for series in load.series
        for _ in range(5)
    ]
    await load.to_kafka(producer, pipeline_topics.events, late)
    await conclude(
        aggregator_process,
        fault="duplicates, out-of-order, late",
        description="2,000 figures sent shuffled within each series; 400 sent again over "
        "Kafka and up to 200 again over HTTP; then 40 figures 60 days older than the rest",
    )
    # The newest figure of each series, at its newest revision (the generator revises some).
    newest: dict[str, dict[str, Any]] = {}
    for figure in figures:
        current = newest.get(figure["scope"])
        order = (figure["observed_at"], figure["reported_at"])
        if current is None or order > (current["observed_at"], current["reported_at"]):
            newest[figure["scope"]] = figure
    assert await latest_values(catalog_database) == {
        scope: figure["value"] for scope, figure in newest.items()
    }, "a late or out-of-order figure replaced a newer one"
    copies = load.ledger.sends - len(load.ledger.entries)
    assert read_metric(aggregator_process, "ioc_aggregator_duplicates_ignored_total") == copies
