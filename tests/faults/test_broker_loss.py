"""Broker loss as production runs Kafka: three KRaft nodes, three copies of every
partition, min.insync.replicas=2. The node leading the events topic's partitions is
SIGKILLed mid-stream (events arriving over HTTP and straight to Kafka) and brought back
later; every acknowledged event is stored exactly once.

The cluster is `deploy/local/kafka-cluster.sh` (`./dev cluster`), started for this module
on ports and in a folder of its own; the fixtures below point the shared fault-suite
fixtures (topics, producer, aggregator, ingest, lag) at it.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from ioc_testing.ledger import HttpPost
from ioc_testing.pipeline import PipelineTopics, ServiceProcess

if TYPE_CHECKING:
    from .conftest import Conclude
    from .streaming import StreamStarter

pytestmark = pytest.mark.connected

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = ROOT / "deploy" / "local" / "kafka-cluster.sh"
ROWS_PER_STEP = 300
EVENTS = 40_000  # at most: the load stops once the node is back and rows moved on


def _ports_free(base: int) -> bool:
    for node in range(3):
        for port in (base + 10 * node, base + 10 * node + 1):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    return False
    return True


class KafkaCluster:
    def __init__(self, home: Path) -> None:
        base = random.randrange(40_000, 60_000, 100)
        while not _ports_free(base):
            base = random.randrange(40_000, 60_000, 100)
        self.env = {
            **os.environ,
            "IOC_KAFKA_CLUSTER_HOME": str(home),
            "IOC_KAFKA_CLUSTER_PORT": str(base),
        }
        self.bootstrap = ",".join(f"127.0.0.1:{base + 10 * n}" for n in range(3))

    def run(self, *arguments: str) -> None:
        done = subprocess.run(
            [str(CLUSTER), *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, f"kafka-cluster.sh {' '.join(arguments)}: {done.stderr}"


@pytest.fixture(scope="module")
def kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    cluster = KafkaCluster(tmp_path_factory.mktemp("kafka-cluster"))
    try:
        cluster.run("start")
        yield cluster
    finally:
        cluster.run("stop")


@pytest.fixture(scope="module")
def kafka_bootstrap(kafka_cluster: KafkaCluster) -> str:
    return kafka_cluster.bootstrap


@pytest.fixture
async def pipeline_topics(kafka_bootstrap: str, unique_name: str) -> AsyncIterator[PipelineTopics]:
    """The test's topics with three copies and min.insync.replicas=2, as in production."""
    topics = PipelineTopics(
        events=f"{unique_name}.events",
        dead_letters=f"{unique_name}.dlq",
        updates=f"{unique_name}.updates",
        alerts=f"{unique_name}.alerts",
    )
    config = {"min.insync.replicas": "2"}
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(topics.events, 3, 3, topic_configs=config),
                NewTopic(topics.dead_letters, 1, 3, topic_configs=config),
                NewTopic(topics.updates, 3, 3, topic_configs=config),
                NewTopic(topics.alerts, 1, 3, topic_configs=config),
            ]
        )
        yield topics
    finally:
        await admin.close()


async def leaders(bootstrap: str, topic: str) -> Counter[int]:
    """How many of the topic's partitions each node leads."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return Counter(int(p["leader"]) for p in described["partitions"])


async def test_sigkill_of_the_leaders_broker_mid_stream_loses_and_duplicates_nothing(
    kafka_cluster: KafkaCluster,
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    start_stream: StreamStarter,
    http_post: HttpPost,
    conclude: Conclude,
) -> None:
    stream = await start_stream(EVENTS, pause=0.1, post=http_post, http_every=5)
    try:
        await stream.stored_more(ROWS_PER_STEP)
        led = await leaders(kafka_cluster.bootstrap, pipeline_topics.events)
        victim, partitions = led.most_common(1)[0]
        await asyncio.to_thread(kafka_cluster.run, "kill-node", str(victim))
        # Writes go on with two of three copies: the partitions are led elsewhere.
        await stream.stored_more(ROWS_PER_STEP)
        await asyncio.to_thread(kafka_cluster.run, "start-node", str(victim))
        await stream.stored_more(ROWS_PER_STEP)
    finally:
        await stream.finish()
    await conclude(
        aggregator_process,
        fault="leaders' broker kill -9 (3 nodes)",
        description="three KRaft nodes, topics with three copies and min.insync.replicas=2; "
        f"the node leading the most partitions of the events topic ({partitions} of 3) "
        "is SIGKILLed mid-stream and started again once the stream moved on without it; "
        "a fifth of the load comes through ingest's HTTP API",
        note=f"node {victim} killed; {ROWS_PER_STEP} more rows stored while it was down",
    )
