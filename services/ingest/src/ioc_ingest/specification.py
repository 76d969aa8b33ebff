"""What the ingest gateway publishes, as its FastStream broker declares it.

The running gateway declares these on its broker, and tools/asyncapi.py documents
that same broker (built by the service's own factory, never connected), so the
document shows what the gateway really reads and writes.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from ioc_contracts import INDICATOR_EVENTS, IndicatorEvent
from ioc_messaging.publishers import declare_publisher


def declare_publishers(broker: KafkaBroker, topic: str) -> None:
    """The topic accepted events go to."""
    declare_publisher(
        broker, topic, service="ingest", contract=INDICATOR_EVENTS, schema=IndicatorEvent
    )
