"""What the derived-indicator service reads and publishes, as its FastStream broker
declares it.

The running service declares these on its broker, and tools/asyncapi.py documents
that same broker (built by the service's own factory, never connected), so the
document shows what the service really reads and writes.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from ioc_contracts import INDICATOR_EVENTS, IndicatorEvent
from ioc_derived.config import DerivedSettings
from ioc_messaging.publishers import declare_publisher


def declare_publishers(broker: KafkaBroker, settings: DerivedSettings) -> None:
    """The topic derived figures go to, as IndicatorEvents of the province."""
    topic = settings.derived_events_topic
    declare_publisher(
        broker, topic, service="derived", contract=INDICATOR_EVENTS, schema=IndicatorEvent
    )
