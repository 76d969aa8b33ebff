"""Wires the aggregator: Kafka subscriber, database pool, metrics and health endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from datetime import timedelta

import asyncpg
from faststream.asgi import AsgiFastStream, AsgiResponse, get
from prometheus_client import CollectorRegistry, make_asgi_app

from ioc_aggregator.application.usecase import BatchProcessor
from ioc_aggregator.application.waiting import DatabaseWait
from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.inbound.pipeline import BatchPipeline
from ioc_aggregator.inbound.subscriber import register_subscriber
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_aggregator.outbound.announcements import Acknowledged
from ioc_aggregator.outbound.catalog_rules import CatalogRulesCache
from ioc_aggregator.outbound.database import create_pool
from ioc_aggregator.outbound.event_store import DatabaseEventStore
from ioc_aggregator.outbound.kafka_publisher import KafkaPublisher
from ioc_aggregator.outbound.quarantine import DatabaseQuarantine
from ioc_aggregator.outbound.relay import AnnouncementRelay
from ioc_aggregator.specification import declare_publishers
from ioc_messaging.clients import safe_broker, safe_producer
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.backoff import Backoff
from ioc_runtime.service_metrics import service_registry
from ioc_storage.health import database_problem
from ioc_storage.pooling import open_ahead


def failpoint(name: str | None) -> Callable[[], None]:
    """What runs after each batch's commit: nothing, or the fault a test asked for."""
    if name == "exit-after-commit":
        # As abrupt as kill -9: no flush, no shutdown hooks, no offset commit.
        return lambda: os._exit(137)
    return lambda: None


class Runtime:
    """What exists only while the service runs (the pool is opened at start-up)."""

    processor: BatchProcessor | None = None
    pool: asyncpg.Pool | None = None
    catalog: CatalogRulesCache | None = None
    relay: AnnouncementRelay | None = None
    acknowledged: Acknowledged | None = None
    publisher: KafkaPublisher | None = None
    opening: asyncio.Task[None] | None = None

    def current_processor(self) -> BatchProcessor:
        if self.processor is None:
            raise RuntimeError("the aggregator has not started")
        return self.processor


def create_app(
    settings: AggregatorSettings,
    registry: CollectorRegistry | None = None,
    kafka: KafkaSettings | None = None,
) -> AsgiFastStream:
    registry = service_registry("aggregator", registry)
    metrics = AggregatorMetrics.create(registry)
    # TLS and SASL come from IOC_KAFKA_* (KafkaSettings); the brokers from the service's own.
    kafka = kafka or KafkaSettings(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="ioc-aggregator"
    )
    broker = safe_broker(
        kafka,
        client_id=kafka.client_id,
        logger_name="ioc_aggregator.kafka",
        registry=registry,
        app_name="ioc-aggregator",
    )
    runtime = Runtime()
    pipeline = BatchPipeline(
        runtime.current_processor,
        metrics,
        grow_to=settings.aggregator_max_grown_batch,
        interval=settings.aggregator_batch_interval_ms / 1000,
    )
    register_subscriber(broker, settings, pipeline)
    declare_publishers(broker, settings)

    async def start() -> None:
        pool = await create_pool(
            settings.database_url.get_secret_value(),
            size=settings.aggregator_db_pool_size,
            statement_timeout_ms=settings.aggregator_statement_timeout_ms,
        )
        runtime.pool = pool
        # One connection per store lane and one for the catalog, relay and clean-up,
        # opened while the consumer joins its group rather than by the first batches.
        runtime.opening = asyncio.create_task(
            open_ahead(
                pool, min(settings.aggregator_store_lanes + 1, settings.aggregator_db_pool_size)
            )
        )
        runtime.catalog = CatalogRulesCache(
            pool,
            refresh_seconds=settings.aggregator_catalog_refresh_seconds,
            max_future=timedelta(seconds=settings.aggregator_max_future_seconds),
        )
        runtime.catalog.start()
        publisher = KafkaPublisher(
            broker,
            dlq_topic=settings.aggregator_dlq_topic,
            updates_topic=settings.aggregator_updates_topic,
            quarantine=DatabaseQuarantine(pool),
            quarantined=metrics.quarantined,
            updates_producer=safe_producer(kafka),
        )
        runtime.publisher = publisher
        runtime.relay = AnnouncementRelay(
            pool,
            publisher.series_updated,
            every=settings.aggregator_relay_every_seconds,
            older_than=settings.aggregator_relay_after_seconds,
            on_relayed=metrics.updates_relayed.inc,
        )
        runtime.relay.start()
        runtime.acknowledged = Acknowledged(pool, linger=settings.aggregator_outbox_forget_seconds)
        runtime.acknowledged.start()
        runtime.processor = BatchProcessor(
            events=DatabaseEventStore(pool, runtime.acknowledged),
            rules=runtime.catalog.current,
            publisher=publisher,
            metrics=metrics,
            wait=DatabaseWait(Backoff(), settings.aggregator_max_block_seconds, metrics),
            lanes=settings.aggregator_store_lanes,
            after_commit=failpoint(settings.aggregator_failpoint),
        )

    async def stop() -> None:
        if runtime.opening is not None:
            runtime.opening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runtime.opening
        if runtime.relay is not None:
            await runtime.relay.stop()
        if runtime.catalog is not None:
            await runtime.catalog.stop()
        if runtime.publisher is not None:
            await runtime.publisher.close()
        if runtime.acknowledged is not None:
            await runtime.acknowledged.close()
        if runtime.pool is not None:
            await runtime.pool.close()

    # Liveness is the process alone: restarting an aggregator does not bring Kafka
    # or the database back, so their outages belong to readiness.
    @get(include_in_schema=False)
    async def alive(scope: object) -> AsgiResponse:
        return AsgiResponse(b"ok", 200)

    @get(include_in_schema=False)
    async def ready(scope: object) -> AsgiResponse:
        pool = runtime.pool
        if runtime.processor is None or pool is None:
            return AsgiResponse(b"starting", 503)
        if not await broker.ping(timeout=2.0):
            return AsgiResponse(b"kafka unavailable", 503)
        if await database_problem(pool) is not None:
            return AsgiResponse(b"database unavailable", 503)
        return AsgiResponse(b"ready", 200)

    return AsgiFastStream(
        broker,
        asgi_routes=[
            ("/healthz", alive),
            ("/readyz", ready),
            ("/metrics", make_asgi_app(registry)),
        ],
        logger=logging.getLogger("ioc_aggregator"),
        on_startup=[start],
        # Before the broker stops: the batch being finished still commits its offsets.
        on_shutdown=[pipeline.close],
        after_shutdown=[stop],
    )
