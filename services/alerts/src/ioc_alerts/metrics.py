"""The alert service's Prometheus metrics, built against a registry so tests get their own."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ioc_runtime.service_metrics import buckets_covering, register_standard_metrics


@dataclass(frozen=True)
class AlertMetrics:
    evaluations: Counter
    decisions: Counter
    notifications: Counter
    delivery_seconds: Histogram
    pending: Gauge
    state_changes_published: Counter
    acknowledgements: Counter

    @classmethod
    def create(
        cls, registry: CollectorRegistry, *, longest_send_seconds: float = 60.0
    ) -> AlertMetrics:
        return cls(
            evaluations=Counter(
                "ioc_alerts_evaluations_total", "Target evaluations", registry=registry
            ),
            decisions=Counter(
                "ioc_alerts_decisions_total",
                "Alert decisions that changed something, by action",
                ["action"],
                registry=registry,
            ),
            notifications=Counter(
                "ioc_alerts_notifications_total",
                "Notification delivery attempts, by channel and outcome",
                ["channel", "outcome"],
                registry=registry,
            ),
            delivery_seconds=Histogram(
                "ioc_alerts_delivery_seconds",
                "Time of one delivery attempt",
                ["channel"],
                buckets=buckets_covering(longest_send_seconds),
                registry=registry,
            ),
            pending=Gauge(
                "ioc_alerts_notifications_pending",
                "Notifications decided and not yet delivered",
                registry=registry,
            ),
            state_changes_published=Counter(
                "ioc_alerts_state_changes_published_total",
                "AlertStateChanged messages published to ioc.alerts",
                registry=registry,
            ),
            acknowledgements=Counter(
                "ioc_alerts_acknowledgements_total",
                "Alerts acknowledged, by how",
                ["via"],
                registry=registry,
            ),
        )

    @classmethod
    def for_service(
        cls, registry: CollectorRegistry, *, longest_send_seconds: float
    ) -> AlertMetrics:
        """The service's metrics with the process, GC and build-info ones beside them."""
        register_standard_metrics(registry, service="alerts")
        return cls.create(registry, longest_send_seconds=longest_send_seconds)
