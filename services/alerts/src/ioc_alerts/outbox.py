"""Publishes recorded alert state changes to `ioc.alerts`, in order, at least once."""

from __future__ import annotations

import asyncpg
from faststream.kafka import KafkaBroker

from ioc_alerts.metrics import AlertMetrics
from ioc_contracts import AlertStateChanged
from ioc_messaging.acknowledgements import all_acknowledged

_PENDING = """
SELECT id, payload::text AS payload FROM ioc.alert_outbox
WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
"""


async def publish_pending(
    pool: asyncpg.Pool, broker: KafkaBroker, topic: str, metrics: AlertMetrics, *, limit: int = 100
) -> int:
    async with pool.acquire() as connection, connection.transaction():
        rows = await connection.fetch(_PENDING, limit)
        if not rows:
            return 0
        pending = []
        for row in rows:
            change = AlertStateChanged.model_validate_json(row["payload"])
            pending.append(
                await broker.publish(
                    change.model_dump_json().encode(),
                    topic,
                    key=change.target_id.encode(),
                    headers={"content-type": "application/json"},
                    no_confirm=True,
                )
            )
        # Marked published only once Kafka acknowledged every one of them.
        await all_acknowledged(pending)
        await connection.execute(
            "UPDATE ioc.alert_outbox SET published_at = now() WHERE id = ANY($1)",
            [row["id"] for row in rows],
        )
    metrics.state_changes_published.inc(len(rows))
    return len(rows)
