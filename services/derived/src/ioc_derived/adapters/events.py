"""Derived figures onto the indicator-events topic, keyed like any agency's event."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from ioc_contracts import IndicatorEvent, series_key_bytes


class EventPublisher:
    def __init__(self, broker: KafkaBroker, *, topic: str) -> None:
        self._broker = broker
        self._topic = topic

    async def publish(self, event: IndicatorEvent) -> None:
        """Returns once Kafka acknowledged it (acks=all, idempotent producer)."""
        await self._broker.publish(
            event.model_dump_json().encode(),
            self._topic,
            key=series_key_bytes(event.indicator, event.scope),
            headers={"content-type": "application/json"},
        )
