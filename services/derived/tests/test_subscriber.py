"""The derived service's handler: a failed batch is read again after a pause that grows
while failures last and starts over after a success."""

from __future__ import annotations

import random
from collections.abc import Sequence

import asyncpg
import pytest

from ioc_contracts import SeriesUpdated
from ioc_derived.subscriber import SeriesUpdatesHandler
from ioc_runtime.backoff import Backoff


class FlakyDeriver:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.batches = 0

    async def derive(self, updates: Sequence[SeriesUpdated]) -> None:
        self.batches += 1
        if self.failures:
            self.failures -= 1
            raise asyncpg.CannotConnectNowError("the database is starting")


class Pauses:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)


async def test_pauses_grow_while_the_batch_fails_and_start_over_after_a_success() -> None:
    deriver, pauses = FlakyDeriver(failures=3), Pauses()
    backoff = Backoff(initial=1.0, ceiling=4.0, rng=random.Random(7))
    handler = SeriesUpdatesHandler(deriver.derive, backoff, sleep=pauses.sleep)

    for _ in range(3):
        with pytest.raises(asyncpg.CannotConnectNowError):
            await handler.handle([])
    await handler.handle([])

    assert deriver.batches == 4
    ceilings = (1.0, 2.0, 4.0)
    assert [c / 2 <= s <= c for s, c in zip(pauses.seconds, ceilings, strict=True)] == [True] * 3
    assert backoff.failures == 0


async def test_an_error_that_is_not_an_outage_is_not_paused_for() -> None:
    async def broken(updates: Sequence[SeriesUpdated]) -> None:
        raise ValueError("a bug, not an outage")

    pauses = Pauses()
    handler = SeriesUpdatesHandler(broken, Backoff(), sleep=pauses.sleep)

    with pytest.raises(ValueError, match="a bug"):
        await handler.handle([])
    assert pauses.seconds == []
