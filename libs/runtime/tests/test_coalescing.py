"""Calls of tasks at the same moment served together (`ioc_runtime.coalescing`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from ioc_runtime.coalescing import Coalescer


class Doubling:
    """Doubles every item, one call at a time, recording the items of each call."""

    def __init__(self, *, pause: float = 0.01) -> None:
        self.calls: list[list[int]] = []
        self.pause = pause

    async def __call__(self, items: Sequence[int]) -> list[int | BaseException]:
        self.calls.append(list(items))
        await asyncio.sleep(self.pause)
        return [ValueError(f"odd one: {i}") if i == 13 else 2 * i for i in items]


async def test_calls_at_the_same_moment_are_served_by_one_call_each_its_own_result() -> None:
    run = Doubling()
    coalesced = Coalescer(run)
    results = await asyncio.gather(*(coalesced(n) for n in range(10)))
    assert results == [2 * n for n in range(10)]
    assert run.calls == [list(range(10))]


async def test_what_arrives_during_a_call_goes_into_the_next_one_together() -> None:
    run = Doubling(pause=0.05)
    coalesced = Coalescer(run)
    first = asyncio.create_task(coalesced(1))
    await asyncio.sleep(0.01)  # the first call is running
    later = await asyncio.gather(*(coalesced(n) for n in (2, 3, 4)))
    assert (await first, later) == (2, [4, 6, 8])
    assert run.calls == [[1], [2, 3, 4]]


async def test_one_after_another_each_goes_at_once() -> None:
    run = Doubling(pause=0)
    coalesced = Coalescer(run)
    assert [await coalesced(n) for n in (1, 2, 3)] == [2, 4, 6]
    assert run.calls == [[1], [2], [3]]


async def test_a_call_takes_at_most_so_many_items() -> None:
    run = Doubling()
    coalesced = Coalescer(run, most=4)
    assert await asyncio.gather(*(coalesced(n) for n in range(10))) == [2 * n for n in range(10)]
    assert run.calls == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_a_call_takes_at_most_so_much_weight_and_a_heavy_item_goes_alone() -> None:
    run = Doubling()
    coalesced: Coalescer[int, int] = Coalescer(run, most=10, weight=lambda n: n)
    items = (3, 4, 3, 12, 1, 9, 2)
    assert await asyncio.gather(*(coalesced(n) for n in items)) == [2 * n for n in items]
    assert run.calls == [[3, 4, 3], [12], [1, 9], [2]]


async def test_an_item_s_own_failure_is_its_caller_s_alone() -> None:
    coalesced = Coalescer(Doubling())
    results = await asyncio.gather(*(coalesced(n) for n in (12, 13, 14)), return_exceptions=True)
    assert results[0] == 24
    assert results[2] == 28
    assert isinstance(results[1], ValueError)
    assert "13" in str(results[1])


async def test_a_failed_call_fails_its_callers_and_the_next_call_is_made() -> None:
    calls = 0

    async def flaky(items: Sequence[int]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database away")
        return list(items)

    coalesced = Coalescer(flaky)
    failed = await asyncio.gather(coalesced(1), coalesced(2), return_exceptions=True)
    assert [type(f) for f in failed] == [ConnectionError, ConnectionError]
    assert await coalesced(3) == 3


async def test_a_call_answering_the_wrong_count_fails_its_callers_rather_than_hanging() -> None:
    async def short(items: Sequence[int]) -> Sequence[int | BaseException]:
        return list(items)[:-1]

    coalesced = Coalescer(short)
    with pytest.raises(RuntimeError, match="1 results for 2 items"):
        await asyncio.wait_for(asyncio.gather(coalesced(1), coalesced(2)), 1)


async def test_a_caller_that_gives_up_leaves_the_others_served() -> None:
    run = Doubling(pause=0.05)
    coalesced = Coalescer(run)
    impatient = asyncio.create_task(coalesced(1))
    patient = asyncio.create_task(coalesced(2))
    await asyncio.sleep(0.01)
    impatient.cancel()
    assert await patient == 4
    with pytest.raises(asyncio.CancelledError):
        await impatient
    # The next caller is served as usual.
    assert await coalesced(3) == 6
