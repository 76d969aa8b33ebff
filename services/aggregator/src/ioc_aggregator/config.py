"""The aggregator's settings, read once at start-up from IOC_* variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from ioc_contracts.topics import (
    INDICATOR_EVENTS_DLQ_TOPIC,
    INDICATOR_EVENTS_TOPIC,
    SERIES_UPDATED_TOPIC,
)
from ioc_runtime import ServiceSettings


class AggregatorSettings(ServiceSettings):
    database_url: SecretStr = Field(description="DSN of the ioc_writer role")
    http_host: str = Field(default="127.0.0.1", description="Address of /healthz and /metrics")
    http_port: int = Field(default=9102, ge=1, le=65535)

    aggregator_group_id: str = Field(default="ioc-aggregator")
    # Static membership (KIP-345): a replica that restarts under the same id within the
    # session timeout gets its partitions back at once, with no rebalance of the group.
    # One id per replica (the pod's name); unset, every start joins as a new member.
    aggregator_group_instance_id: str | None = Field(default=None, min_length=1)
    # How soon a running replica hears that the group changed: a replica that joins
    # (scale-out, a restart without a static id) waits for every member's next heartbeat
    # before it gets partitions. aiokafka's default of 3 s kept a new replica idle that
    # long; a heartbeat a second is still nothing for the coordinator.
    aggregator_heartbeat_ms: int = Field(default=1000, ge=100, le=3000)
    aggregator_source_topic: str = Field(default=INDICATOR_EVENTS_TOPIC)
    aggregator_dlq_topic: str = Field(default=INDICATOR_EVENTS_DLQ_TOPIC)
    aggregator_updates_topic: str = Field(default=SERIES_UPDATED_TOPIC)
    # Only a cap: a batch is what the consumer has waiting. Under load, larger batches
    # share the per-batch costs (two transactions' round trips, a SeriesUpdated per series
    # touched, the acknowledgements and the offset commit) among more events: 4,000 gave
    # ~40% more events/s than 2,000 and less CPU per event, 8,000 no more than 4,000; a
    # quiet topic's batches stay small anyway.
    aggregator_max_batch: int = Field(default=4000, ge=1, le=50_000)
    # While the batch ahead is in the database, what the consumer fetched meanwhile joins
    # the batch behind it, up to this many records (`inbound/growth.py`): under load,
    # fewer and larger transactions instead of a queue of small ones.
    aggregator_max_grown_batch: int = Field(default=16_000, ge=1, le=200_000)
    # Short: a small batch waits little for company, a busy topic fills it anyway.
    aggregator_batch_timeout_ms: int = Field(default=20, ge=1, le=10_000)
    # Batches that follow each other start at least this far apart (`inbound/growth.py`):
    # a steady trickle of records was otherwise stored as fast as transactions finish,
    # about a hundred transactions a second of a few events each, most of a core spent
    # on round trips. A record after a quiet spell is never held back.
    aggregator_batch_interval_ms: int = Field(default=25, ge=0, le=10_000)
    aggregator_max_future_seconds: int = Field(default=86_400, ge=0)
    aggregator_catalog_refresh_seconds: float = Field(default=30.0, gt=0)
    # How long one batch may wait for the database before it is handed back to
    # Kafka (seek back) — well under max.poll.interval.ms so the group keeps us.
    aggregator_max_block_seconds: float = Field(default=60.0, gt=0)
    aggregator_statement_timeout_ms: int = Field(default=30_000, ge=100)
    # Two lanes and the refusals, the relay and the catalog beside them.
    aggregator_db_pool_size: int = Field(default=5, ge=1, le=64)
    # Transactions one large batch is stored in at once, each for its own partitions:
    # the database works on one while the other waits for the network or our CPU.
    aggregator_store_lanes: int = Field(default=2, ge=1, le=8)
    # Leftover SeriesUpdated (their writer died before Kafka acknowledged them) are
    # published again by every replica's relay once this old.
    aggregator_relay_every_seconds: float = Field(default=10.0, gt=0)
    aggregator_relay_after_seconds: float = Field(default=30.0, ge=0)
    # SeriesUpdated Kafka acknowledged leave the outbox with the next batch's transaction,
    # or on their own when no batch came for this long (well under the relay's age).
    aggregator_outbox_forget_seconds: float = Field(default=1.0, gt=0)
    # Fault injection for the fault suite only: "exit-after-commit" ends the process the
    # moment a batch's transaction committed, before Kafka heard of it.
    aggregator_failpoint: Literal["exit-after-commit"] | None = Field(default=None)
