"""Records of one series spread over every partition: a producer that does not key by
series (kcat's random partitioner, a client sending without a key).

The aggregator stores lanes of partitions side by side and, with a second replica,
partitions in two processes: the same figure may then be revised in two transactions at
once, each holding rows the other wants. Every revision must be stored once, the figure
of record must be the newest and the latest value its figure's, whatever the order.
"""

from __future__ import annotations

import asyncio
import json
import random
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from ioc_testing.ledger import LoadGenerator, Outcome
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, wait_for

from .test_foreign_producers import kcat_produce

if TYPE_CHECKING:
    from .conftest import Conclude

pytestmark = pytest.mark.connected

REVISIONS = 50


def _shuffled_revisions(load: LoadGenerator, revisions: int) -> list[str]:
    """`revisions` of one figure of each of the generator's series (and the first, with
    no reported_at), shuffled, recorded in the ledger as acknowledged; the JSON of each."""
    events = []
    for series in load.series:
        first = load.event(series)
        for n in range(revisions):
            reported = load.start + timedelta(days=90, seconds=n)
            events.append(
                load.event(
                    series,
                    observed_at=first["observed_at"],
                    value=n / 8,  # in every range; sums of eighths are exact in any order
                    reported_at=reported.isoformat(),
                )
            )
        events.append(first)
    random.Random(20231231).shuffle(events)
    for event in events:
        load.ledger.record(event, Outcome.ACKNOWLEDGED)
    return [json.dumps(event, ensure_ascii=False) for event in events]


async def _stable_with(bootstrap: str, group: str, *, members: int) -> bool:
    """The group has settled with `members` members (each then holds its partitions)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    [described] = response.groups
    _, _, state, _, _, listed = described[:6]
    return bool(state == "Stable" and len(listed) == members)


def _unkeyed(bootstrap: str, topic: str, values: list[str], folder: Path) -> None:
    kcat_produce(
        bootstrap,
        topic,
        [("", value) for value in values],
        codec="lz4",
        folder=folder,
        extra=["-X", "partitioner=random"],
    )


async def test_revisions_of_one_figure_in_every_partition_keep_the_newest_of_record(
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    load: LoadGenerator,
    conclude: Conclude,
    tmp_path: Path,
) -> None:
    values = _shuffled_revisions(load, REVISIONS)
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    # Sent whole before the aggregator reads: its batches then hold every revision.
    await asyncio.to_thread(_unkeyed, kafka_bootstrap, pipeline_topics.events, values, tmp_path)
    await conclude(
        aggregator_process,
        fault="revisions of one figure in every partition",
        description=f"kcat with the random partitioner: {len(load.series)} figures, {REVISIONS} "
        "revisions each, shuffled over every partition of the events topic",
        note="every revision stored once; each figure of record the newest",
    )


async def test_two_replicas_revising_the_same_figures_at_once_keep_the_newest_of_record(
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    load: LoadGenerator,
    conclude: Conclude,
    tmp_path: Path,
) -> None:
    """Two processes, each with two lanes, each revising every figure: up to four
    transactions want the same rows at once."""
    env = {k: v for k, v in aggregator_process.env.items() if k != "IOC_HTTP_PORT"}
    env.pop("IOC_AGGREGATOR_GROUP_INSTANCE_ID", None)
    second = ServiceProcess(aggregator_process.module, env, tmp_path / "aggregator-2.log")
    values = _shuffled_revisions(load, 10 * REVISIONS)
    aggregator_process.start()
    second.start()
    try:
        await asyncio.to_thread(aggregator_process.wait_ready)
        await asyncio.to_thread(second.wait_ready)
        group = env["IOC_AGGREGATOR_GROUP_ID"]
        await wait_for(
            lambda: _stable_with(kafka_bootstrap, group, members=2),
            within=60,
            what="both replicas in the group, partitions assigned",
        )
        await asyncio.to_thread(_unkeyed, kafka_bootstrap, pipeline_topics.events, values, tmp_path)
        await conclude(
            aggregator_process,
            fault="two replicas revising the same figures at once",
            description=f"kcat with the random partitioner: {len(load.series)} figures, "
            f"{10 * REVISIONS} revisions each, over every partition, two replicas",
            note="every revision stored once; each figure of record the newest",
        )
    finally:
        second.stop()
