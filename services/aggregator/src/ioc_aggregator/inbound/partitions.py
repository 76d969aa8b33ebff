"""The consumer's partitions: taking what it fetched, committing, seeking a batch back,
and finishing the batches in flight before a rebalance moves their partitions."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from ioc_aggregator.domain.batch import TopicPartitionKey, earliest_offsets
from ioc_aggregator.domain.records import SourceRecord
from ioc_aggregator.metrics import AggregatorMetrics

log = logging.getLogger(__name__)


async def fetched_meanwhile(consumer: AIOKafkaConsumer, at_most: int) -> list[SourceRecord]:
    """The records the consumer has fetched already, without waiting for more."""
    fetched = await consumer.getmany(timeout_ms=0, max_records=at_most)
    return [r for records in fetched.values() for r in records]


def rewind(consumer: AIOKafkaConsumer, records: Iterable[SourceRecord]) -> None:
    """Seeks each partition back to the first of `records`, so they are read again.

    A partition taken away by a rebalance is left alone: its new owner starts from the
    committed offset, which is not past any of these records.
    """
    assigned = consumer.assignment()
    for (topic, partition), offset in earliest_offsets(records).items():
        tp = TopicPartition(topic, partition)
        if tp in assigned:
            try:
                consumer.seek(tp, offset)
            except IllegalStateError:
                continue  # revoked meanwhile: its next owner starts from the commit


class DrainOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """aiokafka awaits this before the member rejoins; commits are still accepted."""

    def __init__(self, drain: Callable[[Iterable[TopicPartition]], Awaitable[None]]) -> None:
        self._drain = drain

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._drain(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        return None


async def commit(
    consumer: AIOKafkaConsumer,
    offsets: dict[TopicPartitionKey, int],
    committed: dict[TopicPartition, int],
    metrics: AggregatorMetrics,
) -> bool:
    """Commits `offsets` beyond `committed` (updated); False if the batch must be read
    again to commit them."""
    moving = {
        TopicPartition(t, p): offset
        for (t, p), offset in offsets.items()
        # A partition read again after a rebalance never moves back what we committed.
        if offset > committed.get(TopicPartition(t, p), -1)
    }
    if not moving:
        return True
    try:
        await consumer.commit(moving)
    except (CommitFailedError, IllegalStateError) as error:
        # A rebalance took the partition away; its next owner re-reads the batch
        # and the idempotency key absorbs what was already stored.
        log.warning("offset commit refused", extra={"error": str(error)})
        return True
    except KafkaError as error:
        # Reading the batch again commits its offsets once Kafka is back; its rows
        # are duplicates by then, and its SeriesUpdated were acknowledged already.
        log.warning("offset commit failed", extra={"error": repr(error)})
        return False
    committed.update(moving)
    # Only partitions still assigned: one revoked since the commit has no high water
    # here (aiokafka asserts), and its lag is its new owner's to report.
    assigned = consumer.assignment()
    for partition, offset in moving.items():
        highwater = consumer.highwater(partition) if partition in assigned else None
        if highwater is not None:
            metrics.lag.labels(partition.topic, str(partition.partition)).set(
                max(0, highwater - offset)
            )
    return True
