"""The alert service's consumer of ioc.series-updated, against a consumer that records
what it is asked to do (no Kafka, no database)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from aiokafka import TopicPartition

from ioc_alerts.adapters.series_updates import Series, SeriesUpdatesHandler, changed_series
from ioc_contracts import SeriesUpdated
from ioc_runtime.backoff import Backoff

TOPIC = "ioc.series-updated"


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    value: bytes | None


def update(indicator: str, scope: str, **added: object) -> bytes:
    document = SeriesUpdated(
        indicator=indicator,
        scope=scope,
        latest_observed_at=datetime(2023, 7, 1, tzinfo=UTC),
        latest_value=40.0,
        new_observations=1,
        event_ids=[uuid4()],
        updated_at=datetime(2023, 7, 1, 1, tzinfo=UTC),
    ).model_dump(mode="json")
    return json.dumps({**document, **added}).encode()


class RecordingConsumer:
    def __init__(self, partitions: Sequence[int]) -> None:
        self.assigned = {TopicPartition(TOPIC, p) for p in partitions}
        self.seeks: dict[int, int] = {}
        self.commits: list[dict[int, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks[partition.partition] = offset

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append({tp.partition: o for tp, o in offsets.items()})


class Evaluator:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.evaluated: list[set[Series]] = []

    async def __call__(self, series: set[Series]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("database down")
        self.evaluated.append(series)


BATCH = [
    Record(TOPIC, 0, 10, update("dvc.paperless-rate", "province")),
    Record(TOPIC, 0, 11, update("dvc.paperless-rate", "province")),
    Record(TOPIC, 2, 40, update("cds.dataset-completion-rate", "so-tnmt", revision=2)),
    Record(TOPIC, 1, 7, b"{not json"),
]


async def test_a_batch_is_evaluated_once_and_committed_on_every_partition() -> None:
    consumer, evaluate = RecordingConsumer([0, 1, 2]), Evaluator()
    await SeriesUpdatesHandler(evaluate).handle(BATCH, consumer)
    assert evaluate.evaluated == [
        {("dvc.paperless-rate", "province"), ("cds.dataset-completion-rate", "so-tnmt")}
    ]
    assert consumer.commits == [{0: 12, 1: 8, 2: 41}]


async def test_a_failed_batch_is_read_again_from_every_partition_after_a_growing_wait() -> None:
    consumer, evaluate = RecordingConsumer([0, 1, 2]), Evaluator(failures=3)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    handler = SeriesUpdatesHandler(evaluate, Backoff(initial=1.0, ceiling=8.0), sleep)
    for _ in range(3):
        await handler.handle(BATCH, consumer)
    assert consumer.seeks == {0: 10, 1: 7, 2: 40}
    assert consumer.commits == []
    assert len(waits) == 3
    assert waits[0] <= 1.0
    assert waits[2] >= 2.0  # the third wait is from [2, 4]: it grows, no hot loop
    await handler.handle(BATCH, consumer)
    assert consumer.commits == [{0: 12, 1: 8, 2: 41}]
    assert handler.backoff.failures == 0


async def test_a_partition_revoked_meanwhile_is_neither_sought_nor_committed() -> None:
    consumer = RecordingConsumer([0])
    await SeriesUpdatesHandler(Evaluator(failures=1), sleep=_no_wait).handle(BATCH, consumer)
    assert consumer.seeks == {0: 10}
    await SeriesUpdatesHandler(Evaluator()).handle(BATCH, consumer)
    assert consumer.commits == [{0: 12}]


def test_fields_added_by_a_newer_aggregator_are_ignored_and_garbage_is_skipped() -> None:
    assert changed_series(BATCH[2:]) == {("cds.dataset-completion-rate", "so-tnmt")}
    assert changed_series([Record(TOPIC, 0, 1, None)]) == set()


async def _no_wait(seconds: float) -> None:
    return None
