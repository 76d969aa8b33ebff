"""The lag exporter's settings, read once at start-up from IOC_* variables."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ioc_messaging.acls import Topology
from ioc_runtime import ServiceSettings

_PIPELINE = Topology()


class WatchedGroup(BaseModel):
    """One consumer group on one topic, named after the service that runs it."""

    service: str = Field(
        min_length=1,
        description="The service whose consumers form the group: its scrape job name, so "
        "Alertmanager can put the group's lag beside that service's own alerts.",
        examples=["aggregator"],
    )
    group: str = Field(min_length=1, examples=["ioc-aggregator"])
    topic: str = Field(min_length=1, examples=["ioc.indicator-events"])


def pipeline_groups() -> list[WatchedGroup]:
    """Every consumer group of the pipeline, with the names the services use by default."""
    return [
        WatchedGroup(
            service="aggregator", group=_PIPELINE.aggregator_group, topic=_PIPELINE.events_topic
        ),
        WatchedGroup(
            service="alerts", group=_PIPELINE.alerts_group, topic=_PIPELINE.series_updated_topic
        ),
        WatchedGroup(
            service="derived",
            group=_PIPELINE.derived_group,
            topic=_PIPELINE.series_updated_topic,
        ),
    ]


class LagExporterSettings(ServiceSettings):
    http_host: str = Field(
        default="127.0.0.1", description="Address of /metrics, /healthz and /readyz"
    )
    http_port: int = Field(default=9105, ge=1, le=65535)
    lag_watched: list[WatchedGroup] = Field(
        default_factory=pipeline_groups,
        min_length=1,
        description="The groups to measure, as JSON: "
        '[{"service": "aggregator", "group": "ioc-aggregator", '
        '"topic": "ioc.indicator-events"}, ...]; the pipeline\'s three by default.',
    )
    lag_poll_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="How often the broker is asked; under Prometheus' scrape interval, so "
        "every scrape sees a fresh figure.",
    )
