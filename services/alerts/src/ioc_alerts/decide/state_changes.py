"""Publishes recorded alert state changes to `ioc.alerts`, in order, at least once."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from faststream.kafka import KafkaBroker

from ioc_alerts.adapters import alerts
from ioc_alerts.metrics import AlertMetrics
from ioc_messaging.acknowledgements import all_acknowledged


@dataclass(frozen=True)
class StateChangePublisher:
    pool: asyncpg.Pool
    broker: KafkaBroker
    topic: str
    metrics: AlertMetrics
    limit: int = 100

    async def publish_pending(self) -> int:
        async with self.pool.acquire() as connection, connection.transaction():
            pending = await alerts.pending_changes(connection, limit=self.limit)
            if not pending:
                return 0
            acknowledgements = [
                await self.broker.publish(
                    item.change.model_dump_json().encode(),
                    self.topic,
                    key=item.change.target_id.encode(),
                    headers={"content-type": "application/json"},
                    no_confirm=True,
                )
                for item in pending
            ]
            # Marked published only once Kafka acknowledged every one of them.
            await all_acknowledged(acknowledgements)
            await alerts.mark_published(connection, [item.id for item in pending])
        self.metrics.state_changes_published.inc(len(pending))
        return len(pending)
