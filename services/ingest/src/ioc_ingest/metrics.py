"""Prometheus metrics of the ingest gateway, built against a registry the caller owns.

Tests give every app a fresh `CollectorRegistry`; the process registers on the default one.
The `agency` label only ever carries codes from credentials (never from a request body),
so its cardinality is bounded by the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

from ioc_runtime.service_metrics import (
    buckets_covering,
    http_latency_histogram,
)

UNKNOWN_AGENCY = "unknown"

# Kafka acknowledgements with acks=all take milliseconds on a healthy cluster; the upper
# buckets show requests running into the publish timeout, up to the longest one allowed
# (IOC_INGEST_PUBLISH_TIMEOUT_SECONDS ≤ 120).
LONGEST_TIMEOUT_SECONDS = 120.0
_PUBLISH_BUCKETS = buckets_covering(LONGEST_TIMEOUT_SECONDS)


@dataclass(frozen=True, slots=True)
class IngestMetrics:
    registry: CollectorRegistry
    requests: Counter
    events: Counter
    publish_seconds: Histogram
    publish_failures: Counter
    catalog_refresh_failures: Counter
    http_seconds: Histogram

    @classmethod
    def build(cls, registry: CollectorRegistry) -> IngestMetrics:
        return cls(
            registry=registry,
            requests=Counter(
                "ioc_ingest_requests",
                "API requests (/v1/...) answered, by HTTP status and authenticated agency.",
                ["status", "agency"],
                registry=registry,
            ),
            events=Counter(
                "ioc_ingest_events",
                "Events (JSON events or CSV rows) accepted onto Kafka or rejected, by agency.",
                ["outcome", "agency"],
                registry=registry,
            ),
            publish_seconds=Histogram(
                "ioc_ingest_kafka_publish_seconds",
                "Time from sending a request's events to Kafka until all were acknowledged.",
                buckets=_PUBLISH_BUCKETS,
                registry=registry,
            ),
            publish_failures=Counter(
                "ioc_ingest_kafka_publish_failures",
                "Requests whose events Kafka did not acknowledge in time (answered 503).",
                registry=registry,
            ),
            catalog_refresh_failures=Counter(
                "ioc_ingest_catalog_refresh_failures",
                "Failed re-reads of the catalog rules; the last rules read stay in force.",
                registry=registry,
            ),
            http_seconds=http_latency_histogram(
                registry, service="ingest", longest_timeout_seconds=LONGEST_TIMEOUT_SECONDS
            ),
        )

    def count_request(self, *, status: int, agency: str | None) -> None:
        self.requests.labels(status=str(status), agency=agency or UNKNOWN_AGENCY).inc()

    def count_events(self, *, accepted: int, rejected: int, agency: str | None) -> None:
        label = agency or UNKNOWN_AGENCY
        if accepted:
            self.events.labels(outcome="accepted", agency=label).inc(accepted)
        if rejected:
            self.events.labels(outcome="rejected", agency=label).inc(rejected)
