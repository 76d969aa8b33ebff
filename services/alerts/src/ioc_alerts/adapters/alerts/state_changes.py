"""The outbox of alert state changes: written with each decision, published later."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ioc_contracts import AlertStateChanged
from ioc_storage.connection import Connection

_PENDING = """
SELECT id, payload::text AS payload FROM ioc.alert_outbox
WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
"""


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A recorded state change not yet acknowledged by Kafka."""

    id: int
    change: AlertStateChanged


async def record_change(connection: Connection, change: AlertStateChanged) -> None:
    """Part of the transaction that made the change, so it is published if and only if
    the change itself was committed."""
    await connection.execute(
        "INSERT INTO ioc.alert_outbox (alert_id, payload) VALUES ($1, $2::jsonb)",
        change.alert_id,
        change.model_dump_json(),
    )


async def record_changes(connection: Connection, changes: Sequence[AlertStateChanged]) -> None:
    """`record_change` for many, in order: published in the order given."""
    if changes:
        await connection.executemany(
            "INSERT INTO ioc.alert_outbox (alert_id, payload) VALUES ($1, $2::jsonb)",
            [(change.alert_id, change.model_dump_json()) for change in changes],
        )


async def pending_changes(connection: Connection, *, limit: int) -> list[PendingChange]:
    """The oldest unpublished changes, locked until the caller's transaction ends (another
    replica skips them rather than publishing them twice)."""
    rows = await connection.fetch(_PENDING, limit)
    return [
        PendingChange(row["id"], AlertStateChanged.model_validate_json(row["payload"]))
        for row in rows
    ]


async def mark_published(connection: Connection, ids: Sequence[int]) -> None:
    await connection.execute(
        "UPDATE ioc.alert_outbox SET published_at = now() WHERE id = ANY($1)", list(ids)
    )
