"""The consumer's partitions: seeking a batch back, and finishing the batches in flight
before a rebalance moves their partitions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import IllegalStateError

from ioc_aggregator.domain.batch import earliest_offsets
from ioc_aggregator.domain.records import SourceRecord


def rewind(consumer: AIOKafkaConsumer, records: Iterable[SourceRecord]) -> None:
    """Seeks each partition back to the first of `records`, so they are read again.

    A partition taken away by a rebalance is left alone: its new owner starts from the
    committed offset, which is not past any of these records.
    """
    assigned = consumer.assignment()
    for (topic, partition), offset in earliest_offsets(r.position for r in records).items():
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
