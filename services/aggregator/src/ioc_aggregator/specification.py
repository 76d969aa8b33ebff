"""What the aggregator reads and publishes, as its FastStream broker declares it.

The running aggregator declares these on its broker, and tools/asyncapi.py documents
that same broker (built by the service's own factory, never connected), so the
document shows what the aggregator really reads and writes.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from ioc_aggregator.config import AggregatorSettings
from ioc_contracts import INDICATOR_EVENTS_DLQ, SERIES_UPDATED, IndicatorEvent, SeriesUpdated
from ioc_messaging.publishers import declare_publisher

READS = IndicatorEvent
"""The contract of what the subscriber reads. It takes the records as raw bytes (it
judges each one itself, dead-lettering what does not parse), so FastStream cannot see
the model from the handler; the document names it from here."""


def declare_publishers(broker: KafkaBroker, settings: AggregatorSettings) -> None:
    """The topics the aggregator writes to, with what it writes there."""
    # The refused record as it arrived, which may not even be JSON.
    dlq = settings.aggregator_dlq_topic
    declare_publisher(
        broker, dlq, service="aggregator", contract=INDICATOR_EVENTS_DLQ, schema=bytes
    )
    updates = settings.aggregator_updates_topic
    declare_publisher(
        broker, updates, service="aggregator", contract=SERIES_UPDATED, schema=SeriesUpdated
    )
