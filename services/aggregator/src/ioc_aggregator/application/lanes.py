"""A batch split into lanes of whole partitions, stored by transactions side by side.

A series is keyed to one partition, so lanes of disjoint partitions touch disjoint
series, figures and latest values: their transactions neither wait for nor overtake
each other on the same rows, and each partition's records stay in Kafka order.
"""

from __future__ import annotations

from collections.abc import Sequence

from ioc_aggregator.domain.records import Accepted

# Below this, one transaction does it sooner than two (each costs its round trips).
MIN_EVENTS_PER_LANE = 250


def lanes(accepted: Sequence[Accepted], most: int) -> list[list[Accepted]]:
    """At most `most` lanes, as even as whole partitions allow, each in batch order."""
    count = min(most, len(accepted) // MIN_EVENTS_PER_LANE)
    by_partition: dict[tuple[str, int], list[Accepted]] = {}
    for item in accepted:
        record = item.record
        by_partition.setdefault((record.topic, record.partition), []).append(item)
    if count <= 1 or len(by_partition) == 1:
        return [list(accepted)]
    filled: list[list[Accepted]] = [[] for _ in range(count)]
    # The largest partitions first, each to the lane with the fewest events so far.
    for _, items in sorted(by_partition.items(), key=lambda entry: -len(entry[1])):
        min(filled, key=len).extend(items)
    return [lane for lane in filled if lane]
