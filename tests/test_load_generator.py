"""The load generator sends whole record batches per partition: each event still goes
exactly once to the partition the services' producers would choose for its key, and
its ledger says when it was due and when Kafka acknowledged it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from ioc_testing.pipeline import PipelineTopics

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.connected


async def _everything_on(
    bootstrap: str, topic: str, partitions: int
) -> list[tuple[int, bytes, bytes]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        seen: list[tuple[int, bytes, bytes]] = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                seen.extend((tp.partition, r.key, r.value) for r in records)
        return seen
    finally:
        await consumer.stop()


@pytest.mark.parametrize("pace", [["--rate", "3000"], ["--max"]])
async def test_every_event_goes_once_to_its_keys_partition(
    kafka_bootstrap: str, pipeline_topics: PipelineTopics, tmp_path: Path, pace: list[str]
) -> None:
    ledger_path = tmp_path / "ledger.json"
    answer = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "benchmarks.loadgen",
            "--bootstrap",
            kafka_bootstrap,
            "--topic",
            pipeline_topics.events,
            "--events",
            "900",
            *pace,
            "--ledger",
            str(ledger_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    ledger = json.loads(ledger_path.read_text(encoding="utf-8"))
    seen = await _everything_on(kafka_bootstrap, pipeline_topics.events, 3)
    ids = [json.loads(value)["event_id"] for _, _, value in seen]
    assert sorted(ids) == sorted(r[0] for r in ledger["records"])
    assert len(set(ids)) == 900
    choose = DefaultPartitioner()
    assert all(partition == choose(key, [0, 1, 2], [0, 1, 2]) for partition, key, _ in seen)
    assert len({partition for partition, _, _ in seen}) == 3
    # Due (or sent) before acknowledged, every one acknowledged.
    assert all(0 < sent <= acknowledged for _, sent, acknowledged in ledger["records"])
    assert ledger["started"] <= ledger["last_sent"] <= ledger["finished"]
