"""The derived-indicator service's settings, read once at start-up from IOC_* variables."""

from __future__ import annotations

from pydantic import Field, SecretStr

from ioc_contracts.topics import INDICATOR_EVENTS_TOPIC, SERIES_UPDATED_TOPIC
from ioc_runtime import ServiceSettings


class DerivedSettings(ServiceSettings):
    database_url: SecretStr = Field(
        description="DSN of the ioc_writer role: reads figures of record, writes lineage and "
        "formula flags."
    )
    http_host: str = Field(default="127.0.0.1", description="Address of /healthz and /metrics")
    http_port: int = Field(default=9104, ge=1, le=65535)
    derived_group_id: str = Field(default="ioc-derived")
    derived_updates_topic: str = Field(default=SERIES_UPDATED_TOPIC)
    derived_events_topic: str = Field(
        default=INDICATOR_EVENTS_TOPIC,
        description="Where derived figures are published, as IndicatorEvents of the province.",
    )
    derived_publisher: str = Field(
        default="province", description="Agency code derived figures are published under."
    )
    derived_catalog_refresh_seconds: float = Field(default=30.0, gt=0)
    derived_retry_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Longest pause before a failed batch is read again; the pause doubles "
        "up to it while failures last (ioc_runtime.backoff).",
    )
