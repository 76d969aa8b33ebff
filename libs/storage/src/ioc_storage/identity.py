"""Reads what is stored under agencies' event ids (the ingest gateway and the aggregator
both ask before treating a re-sent id as a duplicate)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ioc_contracts.identity import EventKey
from ioc_storage.connection import Connection

# A security-definer function (migration 0009): the gateway may ask this and nothing else
# of the ledger.
_STORED = "SELECT * FROM ioc.stored_events($1::text[], $2::uuid[])"


async def stored_contents(
    connection: Connection, keys: Collection[EventKey]
) -> dict[EventKey, dict[str, Any]]:
    """The stored content of each of `keys` that is known; an unknown key is absent."""
    if not keys:
        return {}
    rows = await connection.fetch(_STORED, [k[0] for k in keys], [k[1] for k in keys])
    return {(row["agency"], row["event_id"]): dict(row) for row in rows}
