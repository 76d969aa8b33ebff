"""Calls made by tasks at the same moment, served by one call for all of them.

The ingest gateway answers many small requests at once, and each paid a database round
trip of its own for its audit row and for its check of re-sent event ids: a pool
acquire, a system call each way, the protocol, per request (about a quarter of the
gateway's CPU for single events, benchmarks/http_gateway.py). Here each caller hands
over its item and waits for its own result; the items that arrive while a call runs go
into the next call together. An idle service adds no wait (the first item goes out on
the event loop's next turn), a busy one at most the call already running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

Run = Callable[[Sequence[Item]], Awaitable[Sequence[Result | BaseException]]]
"""Serves items together: one result per item, in order, or the exception for that item
alone; an exception raised by the call is every item's."""


def _one(_: object) -> int:
    return 1


class Coalescer(Generic[Item, Result]):
    """`most` bounds what one call takes, counted by `weight` (one an item unless said
    otherwise): a flood of large requests makes several calls, not one huge statement.
    An item heavier than `most` goes alone."""

    def __init__(
        self, run: Run[Item, Result], *, most: int = 256, weight: Callable[[Item], int] = _one
    ) -> None:
        self._run = run
        self._most = most
        self._weight = weight
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._serving: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._serving is None or self._serving.done():
            self._serving = asyncio.create_task(self._serve(), name="coalesced-calls")
        # A caller that gives up (its own deadline, a client gone) leaves the others'
        # call alone: only its own future is cancelled.
        return await future

    async def _serve(self) -> None:
        while self._waiting:
            taken = self._taken()
            batch, self._waiting = self._waiting[:taken], self._waiting[taken:]
            try:
                results = await self._run([item for item, _ in batch])
                if len(results) != len(batch):
                    msg = f"{len(results)} results for {len(batch)} items"
                    raise RuntimeError(msg)
            except asyncio.CancelledError:
                # Shutting down: nobody is left waiting for an answer that cannot come.
                for _, future in (*batch, *self._waiting):
                    future.cancel()
                self._waiting = []
                raise
            except Exception as error:
                results = [error] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _taken(self) -> int:
        """How many of the waiting items the next call takes (one at least)."""
        taken = total = 0
        for item, _ in self._waiting:
            total += self._weight(item)
            if taken and total > self._most:
                break
            taken += 1
        return taken
