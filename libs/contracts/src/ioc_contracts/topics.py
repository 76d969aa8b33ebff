"""Kafka topic names, their sizing and retention, and how messages are keyed.

Partition counts are fixed here rather than per environment: adding partitions later
remaps keys to partitions and would break per-series ordering for events in flight.
"""

from dataclasses import dataclass
from typing import Literal

INDICATOR_EVENTS_TOPIC = "ioc.indicator-events"
INDICATOR_EVENTS_DLQ_TOPIC = "ioc.indicator-events.dlq"
SERIES_UPDATED_TOPIC = "ioc.series-updated"
ALERTS_TOPIC = "ioc.alerts"

SERIES_KEY_SEPARATOR = "|"

_DAY_MS = 24 * 60 * 60 * 1000
# The largest record batch the broker accepts on a topic, compressed as sent, stated
# rather than left to the broker's default: a producer's batch of events fits with room,
# an event is far smaller (MAX_EVENT_BYTES), a dead letter is a bounded copy.
DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024

CleanupPolicy = Literal["delete", "compact", "compact,delete"]
# "producer" keeps each batch as its producer compressed it. "uncompressed" makes the
# broker decode every batch it accepts and check the *decoded* size against
# max.message.bytes, so a compressed batch that would expand far beyond it (a
# decompression bomb) is refused at the door instead of reaching every consumer.
CompressionType = Literal["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicSpec:
    """What a topic should look like on the broker; the topic admin creates it from this."""

    name: str
    partitions: int
    retention_ms: int
    description: str
    # One broker in development; production overrides this when it creates topics.
    replication: int = 1
    cleanup_policy: CleanupPolicy = "delete"
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    compression_type: CompressionType = "producer"

    def __post_init__(self) -> None:
        if self.partitions < 1 or self.replication < 1:
            msg = f"{self.name}: partitions and replication must be at least 1"
            raise ValueError(msg)
        if self.retention_ms < 1:
            msg = f"{self.name}: retention_ms must be positive"
            raise ValueError(msg)
        if self.max_message_bytes < 64 * 1024:
            msg = f"{self.name}: max_message_bytes below 64 KiB would refuse a dead letter"
            raise ValueError(msg)

    @property
    def min_insync_replicas(self) -> int:
        """Copies that must have a write before acks=all succeeds.

        Two from three copies up, so one broker may be lost without losing an
        acknowledged event or stopping writes; with fewer copies there is no such margin
        and requiring both of two would stop writes whenever one broker restarts.
        """
        return 2 if self.replication >= 3 else 1

    def kafka_config(self) -> dict[str, str]:
        """Topic-level settings in the string form Kafka's admin API expects."""
        return {
            "retention.ms": str(self.retention_ms),
            "cleanup.policy": self.cleanup_policy,
            "min.insync.replicas": str(self.min_insync_replicas),
            "max.message.bytes": str(self.max_message_bytes),
            "compression.type": self.compression_type,
        }


INDICATOR_EVENTS = TopicSpec(
    name=INDICATOR_EVENTS_TOPIC,
    partitions=6,
    retention_ms=7 * _DAY_MS,
    # Agencies may publish here straight from their own clients, compressed as they like;
    # the broker decodes each batch and refuses one larger than 1 MiB decoded.
    compression_type="uncompressed",
    description=(
        "IndicatorEvent v1 published by agencies (directly or through ingest). "
        "Key: 'indicator|scope', so each series stays ordered within one partition."
    ),
)

INDICATOR_EVENTS_DLQ = TopicSpec(
    name=INDICATOR_EVENTS_DLQ_TOPIC,
    partitions=3,
    # Longer than the source topic: someone has to read, fix and replay these.
    retention_ms=30 * _DAY_MS,
    description=(
        "Events from ioc.indicator-events that could not be accepted: the original key and "
        "bytes unchanged, with the reason, error code and source topic/partition/offset "
        "in ioc-dlq-* headers."
    ),
)

SERIES_UPDATED = TopicSpec(
    name=SERIES_UPDATED_TOPIC,
    partitions=6,
    retention_ms=7 * _DAY_MS,
    description=(
        "SeriesUpdated from the aggregator after it stored new observations of a series. "
        "Key: 'indicator|scope'."
    ),
)

ALERTS = TopicSpec(
    name=ALERTS_TOPIC,
    partitions=3,
    retention_ms=30 * _DAY_MS,
    description=(
        "AlertStateChanged from the alert service, for anyone downstream. "
        "Key: target id, so the changes of one target stay ordered."
    ),
)

ALL_TOPICS: tuple[TopicSpec, ...] = (INDICATOR_EVENTS, INDICATOR_EVENTS_DLQ, SERIES_UPDATED, ALERTS)


def series_key(indicator: str, scope: str) -> str:
    """Identify one time series: 'indicator|scope'.

    Unambiguous because neither code may contain '|' (see `ioc_contracts.types`); the
    check below keeps callers with unvalidated strings from building a colliding key.
    """
    if SERIES_KEY_SEPARATOR in indicator or SERIES_KEY_SEPARATOR in scope:
        msg = f"series codes must not contain {SERIES_KEY_SEPARATOR!r}: {indicator!r}, {scope!r}"
        raise ValueError(msg)
    return f"{indicator}{SERIES_KEY_SEPARATOR}{scope}"


def series_key_bytes(indicator: str, scope: str) -> bytes:
    """The Kafka message key for a series (UTF-8 of `series_key`)."""
    return series_key(indicator, scope).encode()
