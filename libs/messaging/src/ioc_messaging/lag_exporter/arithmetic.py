"""The lag of one partition, and how long a group has made no progress on it. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionOffsets:
    """What the broker says about one group on one partition."""

    service: str
    group: str
    topic: str
    partition: int
    committed: int | None
    """The group's committed offset: the next record it will read; None if it never
    committed on this partition (a new group, or one that never got the partition)."""
    log_start: int
    """The oldest record still kept (retention deletes the ones before it)."""
    log_end: int
    """One past the last record readers may see (read_committed: the last stable offset)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnreadableGroup:
    """A watched group the broker would not measure, and why ("not authorized", "no
    such topic"): shown as such rather than as no lag."""

    service: str
    group: str
    topic: str
    reason: str


@dataclass(frozen=True, slots=True)
class Reading:
    """One poll: the partitions of every group measured, and the groups that were not."""

    offsets: list[PartitionOffsets]
    unreadable: list[UnreadableGroup]


def records_behind(offsets: PartitionOffsets) -> int:
    """Records the group has yet to read on the partition.

    A group that never committed starts at the oldest kept record (the consumers'
    auto_offset_reset is earliest), so everything kept is ahead of it. A committed offset
    that retention has overtaken counts from the oldest kept record too: what was deleted
    can no longer be read, and the consumer resumes from there. An offset past the end (a
    topic recreated under the same name) is no records behind rather than a negative number.
    """
    start = offsets.log_start if offsets.committed is None else offsets.committed
    return max(0, offsets.log_end - max(start, offsets.log_start))


@dataclass(frozen=True, slots=True)
class _Progress:
    committed: int | None
    since: float


class StallClock:
    """Seconds each group has made no progress on a partition while records wait there.

    The clock of a partition starts when it is first seen with records waiting and
    restarts whenever the committed offset moves or nothing waits: a consumer that reads
    slowly keeps it near zero, one that stopped lets it grow, whatever the group's
    membership says. Its first sighting counts from zero, since nothing tells how long
    the group had been stuck before this process started.
    """

    def __init__(self) -> None:
        self._progress: dict[tuple[str, str, int], _Progress] = {}

    def stalled_seconds(self, offsets: PartitionOffsets, *, behind: int, now: float) -> float:
        key = (offsets.group, offsets.topic, offsets.partition)
        last = self._progress.get(key)
        if behind == 0 or last is None or last.committed != offsets.committed:
            self._progress[key] = _Progress(offsets.committed, now)
            return 0.0
        return max(0.0, now - last.since)
