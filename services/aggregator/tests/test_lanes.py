"""A large batch is split into lanes of whole partitions, in Kafka order within each."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from ioc_aggregator.application.lanes import MIN_EVENTS_PER_LANE, lanes
from ioc_aggregator.domain.records import Accepted, Consumed
from ioc_contracts.fast_decoding import DecodedEvent

_AT = datetime(2023, 6, 30, tzinfo=UTC)


def accepted(partition: int, offset: int) -> Accepted:
    record = Consumed("ioc.indicator-events", partition, offset, None, None)
    event = DecodedEvent(
        uuid4(), "vp-ubnd", "dvc.paperless-rate", "province", _AT, 1.0, None, None, None, None, None
    )
    return Accepted(record, event, _AT)


def batch(sizes: dict[int, int]) -> list[Accepted]:
    # Interleaved, as a fetch from several partitions arrives.
    items = [accepted(p, o) for p, n in sizes.items() for o in range(n)]
    return sorted(items, key=lambda a: (a.record.offset, a.record.partition))


def test_a_small_batch_is_one_lane() -> None:
    items = batch({0: MIN_EVENTS_PER_LANE, 1: MIN_EVENTS_PER_LANE - 1})
    assert lanes(items, 2) == [items]


def test_lanes_hold_whole_partitions_in_kafka_order_and_are_balanced() -> None:
    items = batch({0: 600, 1: 300, 2: 300, 3: 100})
    split = lanes(items, 2)
    assert len(split) == 2
    partitions = [{a.record.partition for a in lane} for lane in split]
    assert partitions[0].isdisjoint(partitions[1])
    assert sorted(len(lane) for lane in split) == [600, 700]
    for lane in split:
        for partition in {a.record.partition for a in lane}:
            offsets = [a.record.offset for a in lane if a.record.partition == partition]
            assert offsets == sorted(offsets)
    assert sorted(map(id, items)) == sorted(id(a) for lane in split for a in lane)


def test_one_partition_is_never_split() -> None:
    items = batch({4: 2000})
    assert lanes(items, 2) == [items]
