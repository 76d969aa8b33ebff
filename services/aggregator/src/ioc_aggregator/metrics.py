"""The aggregator's Prometheus metrics, built against a registry so tests get their own."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ioc_runtime.service_metrics import buckets_covering

LONGEST_WRITE_SECONDS = 60.0
"""One batch's write is bounded by IOC_AGGREGATOR_STATEMENT_TIMEOUT_MS (30 s by default)
per statement and IOC_AGGREGATOR_MAX_BLOCK_SECONDS (60 s) in all."""


@dataclass(frozen=True)
class AggregatorMetrics:
    consumed: Counter
    written: Counter
    duplicates: Counter
    dead_letters: Counter
    batch_size: Histogram
    write_seconds: Histogram
    database_retries: Counter
    database_up: Gauge
    lag: Gauge
    series_updates: Counter
    quality_flags: Counter
    updates_relayed: Counter
    quarantined: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> AggregatorMetrics:
        return cls(
            consumed=Counter(
                "ioc_aggregator_events_consumed_total",
                "Records read from the indicator-events topic",
                registry=registry,
            ),
            written=Counter(
                "ioc_aggregator_observations_written_total",
                "Observations inserted into TimescaleDB",
                registry=registry,
            ),
            duplicates=Counter(
                "ioc_aggregator_duplicates_ignored_total",
                "Valid events already stored (redelivery or a resent event_id)",
                registry=registry,
            ),
            dead_letters=Counter(
                "ioc_aggregator_dead_letters_total",
                "Records sent to the dead-letter topic, by error code",
                ["error_code"],
                registry=registry,
            ),
            batch_size=Histogram(
                "ioc_aggregator_batch_size",
                "Records per consumed batch",
                buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000),
                registry=registry,
            ),
            write_seconds=Histogram(
                "ioc_aggregator_write_seconds",
                "Time to store one batch (one transaction), successful attempts",
                # Up to the statement timeout's ceiling: a batch that crawled to the limit
                # has a bucket of its own, not +Inf.
                buckets=(0.002, *buckets_covering(LONGEST_WRITE_SECONDS)),
                registry=registry,
            ),
            database_retries=Counter(
                "ioc_aggregator_database_retries_total",
                "Batch writes retried because the database was unavailable",
                registry=registry,
            ),
            database_up=Gauge(
                "ioc_aggregator_database_up",
                "1 when the last database write succeeded, 0 while waiting for it",
                registry=registry,
            ),
            lag=Gauge(
                "ioc_aggregator_consumer_lag",
                "Records behind the end of each partition after the last batch",
                ["topic", "partition"],
                registry=registry,
            ),
            series_updates=Counter(
                "ioc_aggregator_series_updates_total",
                "SeriesUpdated messages published",
                registry=registry,
            ),
            quality_flags=Counter(
                "ioc_aggregator_quality_flags_total",
                "Figures stored with a data-quality flag, by publishing agency and check",
                ["agency", "check"],
                registry=registry,
            ),
            updates_relayed=Counter(
                "ioc_aggregator_series_updates_relayed_total",
                "SeriesUpdated published again from the outbox after their writer did not",
                registry=registry,
            ),
            quarantined=Counter(
                "ioc_aggregator_quarantined_total",
                "Records Kafka refused to take as dead letters, held in the database's "
                "quarantine (ioc-dlq quarantine), by error code",
                ["error_code"],
                registry=registry,
            ),
        )
