"""Waiting for Kafka's acknowledgements of records sent together.

FastStream's `KafkaBroker.publish(..., no_confirm=True)` hands back aiokafka's delivery
future, which resolves once the broker acknowledged the record under the producer's
`acks` (all, with the project's safe producer). Sending every record first lets them
batch; then every acknowledgement is awaited here, the one way the services do it:

- with `asyncio.wait`, not `gather`: a caller's deadline (`asyncio.timeout`) must not
  cancel aiokafka's own futures, and every failure is looked at, not only the first;
- every future awaited even after a failure, so none is left with an unretrieved error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence


async def acknowledgement_failures(deliveries: Sequence[Awaitable[object]]) -> list[BaseException]:
    """Waits for every delivery; the failures, in the order sent (empty when all landed)."""
    if not deliveries:
        return []
    futures = [asyncio.ensure_future(delivery) for delivery in deliveries]
    await asyncio.wait(futures)
    failures = (_failure(future) for future in futures)
    return [failure for failure in failures if failure is not None]


async def all_acknowledged(deliveries: Sequence[Awaitable[object]]) -> None:
    """Returns once every delivery was acknowledged; raises the first failure otherwise."""
    failures = await acknowledgement_failures(deliveries)
    if failures:
        raise failures[0]


def _failure(future: asyncio.Future[object]) -> BaseException | None:
    if future.cancelled():
        return asyncio.CancelledError("the delivery was cancelled before Kafka acknowledged it")
    return future.exception()
