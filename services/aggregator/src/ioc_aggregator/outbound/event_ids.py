"""Registers a batch's event ids: the key of an event is (agency, event_id).

The ids go into `ioc.event_ids` by binary COPY under a savepoint; if one is known, the
COPY is undone (back to the savepoint, never released: the commit does that, and a
RELEASE would cost one more round trip per batch) and the stored content of the known ids decides, key by key: the same
content is a duplicate, other content a conflict (`domain/revisions.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from ioc_aggregator.domain.records import Accepted, Refused
from ioc_aggregator.domain.revisions import Repeats, split_repeats
from ioc_aggregator.outbound.copy_rows import ID_COLUMNS, CopyEncoder, payload
from ioc_contracts.identity import event_key
from ioc_storage.connection import Connection
from ioc_storage.identity import stored_contents


async def claim_ids(connection: Connection, items: list[Accepted], encoder: CopyEncoder) -> Repeats:
    """Registers the batch's new event ids; returns the new events, how many repeat
    content stored before, and the refusals of those that repeat an id with other content.

    Runs in the caller's transaction."""
    repeats = split_repeats(items)
    if not repeats.first:
        return repeats
    await connection.execute("SAVEPOINT event_ids")
    try:
        await _copy_ids(connection, repeats.first, encoder)
        return repeats
    except asyncpg.UniqueViolationError:
        # At least one id is known: the COPY is undone.
        await connection.execute("ROLLBACK TO SAVEPOINT event_ids")
    stored = await stored_contents(connection, [event_key(a.event) for a in repeats.first])
    repeats = split_repeats(items, stored)
    # Another writer may register one of these ids meanwhile: the unique violation then
    # fails the transaction, and the batch is stored again one event at a time.
    await _copy_ids(connection, repeats.first, encoder)
    return repeats


async def _copy_ids(
    connection: Connection, items: Sequence[Accepted], encoder: CopyEncoder
) -> None:
    if not items:
        return
    id_row = encoder.id_row
    rows = (id_row(a.event) for a in items)
    await connection.copy_to_table(
        "event_ids", schema_name="ioc", columns=ID_COLUMNS, source=payload(rows), format="binary"
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
