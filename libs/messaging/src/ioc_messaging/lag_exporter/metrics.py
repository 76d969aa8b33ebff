"""The exporter's metrics: each watched partition's lag and stall, and its own polls."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from ioc_messaging.lag_exporter.arithmetic import Reading, StallClock, records_behind
from ioc_runtime.service_metrics import register_standard_metrics

_PARTITION_LABELS = ("service", "group", "topic", "partition")


@dataclass(frozen=True, slots=True)
class LagMetrics:
    lag: Gauge
    stalled: Gauge
    unreadable: Gauge
    polls: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> LagMetrics:
        register_standard_metrics(registry, service="lag_exporter", package="ioc-messaging")
        polls = Counter(
            "ioc_lag_exporter_polls_total",
            "Rounds of asking the broker for the groups' offsets, by outcome (ok, failed)",
            ["outcome"],
            registry=registry,
        )
        for outcome in ("ok", "failed"):
            polls.labels(outcome)  # both from the start, so a rate sees the first failure
        return cls(
            lag=Gauge(
                "ioc_consumer_group_lag",
                "Records a consumer group has yet to read on a partition: the partition's "
                "end minus the group's committed offset, measured at the broker, so a "
                "group nobody serves is measured too",
                _PARTITION_LABELS,
                registry=registry,
            ),
            stalled=Gauge(
                "ioc_consumer_group_stalled_seconds",
                "Seconds the group's committed offset has not moved while records wait on "
                "the partition (0 when it is caught up or moving)",
                _PARTITION_LABELS,
                registry=registry,
            ),
            unreadable=Gauge(
                "ioc_lag_exporter_unreadable_groups",
                "1 for each watched group the broker would not measure, with the reason "
                "(not authorized: a DESCRIBE rule is missing; no such topic)",
                ("service", "group", "topic", "reason"),
                registry=registry,
            ),
            polls=polls,
        )

    def show(self, reading: Reading, clock: StallClock, now: float) -> None:
        """Replaces every partition's figures with this poll's: a partition or group no
        longer watched, or a topic deleted, leaves no stale series behind. No await in
        between, so a scrape sees the old figures or the new, never none."""
        self.lag.clear()
        self.stalled.clear()
        self.unreadable.clear()
        for group in reading.unreadable:
            self.unreadable.labels(group.service, group.group, group.topic, group.reason).set(1)
        for offsets in reading.offsets:
            labels = (offsets.service, offsets.group, offsets.topic, str(offsets.partition))
            behind = records_behind(offsets)
            self.lag.labels(*labels).set(behind)
            self.stalled.labels(*labels).set(clock.stalled_seconds(offsets, behind=behind, now=now))
        self.polls.labels("ok").inc()

    def forget(self) -> None:
        """A failed poll: no figures rather than stale ones, which would claim a
        measurement nobody made."""
        self.lag.clear()
        self.stalled.clear()
        self.unreadable.clear()
        self.polls.labels("failed").inc()
