"""What the ingest gateway publishes, as its FastStream broker declares it.

The running gateway declares these on its broker, and tools/asyncapi.py documents
that same broker (built by the service's own factory, never connected), so the
document shows what the gateway really reads and writes.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from ioc_contracts import INDICATOR_EVENTS, IndicatorEvent


def declare_publishers(broker: KafkaBroker, topic: str) -> None:
    """The topic accepted events go to."""
    broker.publisher(
        topic,
        title=f"{topic}:ingest",
        description=INDICATOR_EVENTS.description,
        schema=IndicatorEvent,
    )
