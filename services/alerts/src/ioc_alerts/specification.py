"""What the alert service reads and publishes, as its FastStream broker declares it.

The running alert service declares these on its broker, and tools/asyncapi.py documents
that same broker (built by the service's own factory, never connected), so the
document shows what the alert service really reads and writes.
"""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from ioc_alerts.config import AlertsSettings
from ioc_contracts import ALERTS, AlertStateChanged, SeriesUpdated
from ioc_messaging.publishers import declare_publisher

READS = SeriesUpdated
"""The contract of what the subscriber reads. It takes the records as raw bytes (it
tolerates fields a newer aggregator adds), so FastStream cannot see the model from the
handler; the document names it from here."""


def declare_publishers(broker: KafkaBroker, settings: AlertsSettings) -> None:
    """The topic the alert service writes its state changes to (the outbox's relay)."""
    topic = settings.alerts_topic
    declare_publisher(broker, topic, service="alerts", contract=ALERTS, schema=AlertStateChanged)
