"""Registers a batch's event ids: the key of an event is (agency, event_id).

The ids go into `ioc.event_ids` by binary COPY under a savepoint; if one is known, the
COPY is undone and the stored content of the known ids decides, key by key: the same
content is a duplicate, other content a conflict (`domain/revisions.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from ioc_aggregator.domain.records import Accepted, Refused
from ioc_aggregator.domain.revisions import Repeats, split_repeats
from ioc_contracts.identity import event_key
from ioc_storage.connection import Connection
from ioc_storage.identity import stored_contents

_ID_COLUMNS = ("agency", "event_id", "observed_at")


async def claim_ids(connection: Connection, items: list[Accepted]) -> Repeats:
    """Registers the batch's new event ids; returns the new events, how many repeat
    content stored before, and the refusals of those that repeat an id with other content."""
    repeats = split_repeats(items)
    try:
        async with connection.transaction():
            await _copy_ids(connection, repeats.first)
        return repeats
    except asyncpg.UniqueViolationError:
        pass  # at least one id is known: the savepoint undid the COPY
    stored = await stored_contents(connection, [event_key(a.event) for a in repeats.first])
    repeats = split_repeats(items, stored)
    # Another writer may register one of these ids meanwhile: the unique violation then
    # fails the transaction, and the batch is stored again one event at a time.
    await _copy_ids(connection, repeats.first)
    return repeats


async def _copy_ids(connection: Connection, items: Sequence[Accepted]) -> None:
    if items:
        await connection.copy_records_to_table(
            "event_ids",
            schema_name="ioc",
            columns=_ID_COLUMNS,
            records=[(a.event.agency, a.event.event_id, a.event.observed_at) for a in items],
        )


async def unless_stored(
    connection: Connection, refused: list[tuple[Accepted, Refused]]
) -> tuple[list[Refused], int]:
    """A redelivered event that a check of its neighbours now refuses is still a duplicate:
    it is stored already, so it is not dead-lettered."""
    if not refused:
        return [], 0
    stored = await stored_contents(connection, [event_key(item.event) for item, _ in refused])
    kept = [letter for item, letter in refused if event_key(item.event) not in stored]
    return kept, len(refused) - len(kept)
