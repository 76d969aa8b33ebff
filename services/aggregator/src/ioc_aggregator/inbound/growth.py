"""Batches sized by what is waiting.

While the batch ahead is still in the database, whatever the consumer has fetched
meanwhile is screened and joins the batch behind it, up to `grow_to` records and
`MOST_GROWN_BYTES`. A loaded pipeline thus stores fewer, larger transactions (their
fixed costs shared by more events) instead of queueing small ones; a quiet one never
waits for company longer than the batch ahead takes to store.

Nor does a batch start sooner than `not_before` (the batch ahead's start plus the
aggregator's batch interval): a steady trickle of records would otherwise be stored as
fast as transactions finish, each batch a few events that pay a whole transaction's
round trips. A batch with nothing ahead of it in the interval starts at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol

from aiokafka import AIOKafkaConsumer

from ioc_aggregator.application.usecase import Screened
from ioc_aggregator.domain.records import SourceRecord
from ioc_aggregator.inbound.partitions import fetched_meanwhile

# How often a batch waiting for the one ahead looks for records that arrived meanwhile
# when the consumer had none: short against a transaction, long against a fetch.
_LOOK_AGAIN_SECONDS = 0.005
# Nor does a batch grow once its records hold this many bytes: a stream of records near
# the broker's size limit would otherwise keep thousands of megabytes in memory.
MOST_GROWN_BYTES = 64 * 2**20


class Screening(Protocol):
    async def screen(self, records: Sequence[SourceRecord]) -> Screened: ...


async def grown(
    screened: Screened,
    taken: list[SourceRecord],
    consumer: AIOKafkaConsumer,
    ahead_stored: asyncio.Future[bool],
    screening: Screening,
    *,
    not_before: float = 0.0,
    grow_to: int,
    stop: Callable[[], bool],
) -> Screened:
    """`screened` with the records the consumer fetched until `ahead_stored` is done and
    the event loop's clock reached `not_before`, each screened as it comes; `taken` lists
    every record taken, so a failure hands them all back."""
    loop = asyncio.get_running_loop()
    size = sum(len(r.value or b"") for r in taken)
    parts = [screened]
    while (
        (not ahead_stored.done() or loop.time() < not_before)
        and not stop()
        and len(taken) < grow_to
        and size < MOST_GROWN_BYTES
    ):
        more = await fetched_meanwhile(consumer, grow_to - len(taken))
        if not more:
            if ahead_stored.done():
                await asyncio.sleep(min(_LOOK_AGAIN_SECONDS, max(0.0, not_before - loop.time())))
            else:
                await asyncio.wait((ahead_stored,), timeout=_LOOK_AGAIN_SECONDS)
            continue
        taken.extend(more)
        size += sum(len(r.value or b"") for r in more)
        parts.append(await screening.screen(more))
    if len(parts) == 1:
        return screened
    # Joined once at the end, not at every arrival (that would copy the batch again and
    # again). The newest rules decide at the store: a catalog reload between two
    # arrivals only adds or lifts checks against figures before.
    return Screened(
        [r for part in parts for r in part.records],
        [a for part in parts for a in part.accepted],
        [r for part in parts for r in part.refused],
        parts[-1].rules,
    )
