"""What the use case needs from the world, as protocols: it imports no adapter.

The outbound adapters (`ioc_aggregator.outbound`) implement these with TimescaleDB and
the Kafka producer; tests implement them in memory. Errors cross the edge as the two
exceptions below, so the use case never sees a driver's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from ioc_aggregator.domain.batch import Announcement, StoredBatch
from ioc_aggregator.domain.records import Accepted, Refused
from ioc_aggregator.domain.refusals import RefusalRecord
from ioc_catalog.quality import FigureRules
from ioc_catalog.screening import ScreeningRules


class StorageUnavailableError(Exception):
    """The database is away (down, restarting, overloaded): the same work succeeds later."""


class RowsRefusedError(Exception):
    """The database refused what every check passed (a constraint the checks do not
    know, an id another writer registered meanwhile): worth storing one by one."""


class EventStore(Protocol):
    async def store(
        self,
        accepted: Sequence[Accepted],
        *,
        rules: Mapping[str, FigureRules],
        updated_at: datetime,
    ) -> StoredBatch:
        """Stores a batch and its SeriesUpdated (the series updated at `updated_at`) in
        one transaction; each revision was received when its event was screened."""
        ...

    async def record_refusals(self, refusals: Sequence[RefusalRecord]) -> None: ...

    async def forget_announcements(self, ids: Sequence[int]) -> None:
        """Drops outbox rows Kafka acknowledged, at once or with a later batch's
        transaction; never raises (rows not dropped are relayed again)."""
        ...


class Publisher(Protocol):
    """Hands messages to the Kafka producer, in order; what it returns completes once
    Kafka acknowledged every one of them (and raises if one was not)."""

    async def dead_letters(
        self, refused: Sequence[Refused], failed_at: datetime
    ) -> Awaitable[None]: ...

    async def series_updated(self, announcements: Sequence[Announcement]) -> Awaitable[None]: ...


# The catalog in force (the first call may wait for the database).
RulesSource = Callable[[], Awaitable[ScreeningRules]]
