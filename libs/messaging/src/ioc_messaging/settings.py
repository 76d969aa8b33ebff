"""Kafka settings, read once at the edge from the environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IOC_KAFKA_", extra="ignore")

    bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Comma-separated host:port list of brokers"
    )
    client_id: str = Field(default="ioc-monitor", description="Shown in broker logs and metrics")
    replication_factor: int = Field(
        default=1,
        ge=1,
        description="Copies of each partition for topics `ioc-topics create` makes: 1 on one "
        "broker, 3 in production (min.insync.replicas follows: 2 from three copies up)",
    )
