"""Wires the alert service: subscriber, evaluator, dispatcher, outbox and HTTP routes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import asyncpg
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from faststream import AckPolicy
from faststream.kafka import Topic
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import CollectorRegistry
from starlette.routing import Route

from ioc_alerts.adapters.series_updates import SeriesUpdatesHandler, UpdatesConsumer
from ioc_alerts.adapters.store import Delivery
from ioc_alerts.api.routes import router
from ioc_alerts.catalog_cache import CatalogCache
from ioc_alerts.config import AlertsSettings
from ioc_alerts.context_builder import LinkSettings
from ioc_alerts.digest_planner import plan_digests
from ioc_alerts.dispatcher import Dispatcher
from ioc_alerts.evaluator import Evaluator
from ioc_alerts.loops import every
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.delivery import Channel
from ioc_alerts.notify.smtp import EmailChannel
from ioc_alerts.notify.telegram import TelegramChannel
from ioc_alerts.notify.webhook import WebhookChannel
from ioc_alerts.notify.zalo import ZaloChannel
from ioc_alerts.notify.zalo_tokens import StoredZaloTokens
from ioc_alerts.outbox import publish_pending
from ioc_alerts.reminders import ReminderPlanner
from ioc_alerts.runtime import Runtime
from ioc_messaging.clients import safe_broker
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.metrics_endpoint import MetricsEndpoint, serve_metrics
from ioc_runtime.rate_limit import KeyedRateLimiter

# The channels a recipient's own addresses can ask for (the webhook is not a person's).
PERSON_CHANNELS = ("email", "telegram", "zalo")
log = logging.getLogger(__name__)


def build_channels(settings: AlertsSettings, pool: asyncpg.Pool) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if (smtp := settings.smtp()) is not None:
        channels["email"] = EmailChannel(smtp)
    if (telegram := settings.telegram()) is not None:
        channels["telegram"] = TelegramChannel(telegram)
    if (zalo := settings.zalo()) is not None:
        app = settings.zalo_app()
        tokens = StoredZaloTokens(pool, app) if app is not None else None
        channels["zalo"] = ZaloChannel(zalo, tokens=tokens)
    if (webhook := settings.webhook()) is not None:
        channels["webhook"] = WebhookChannel(webhook)
    missing = [name for name in PERSON_CHANNELS if name not in channels]
    if missing:
        # Notifications are still decided for every address a leader has, so a missing
        # channel fails them visibly (attempts, metrics, IocNotificationsFailing) rather
        # than dropping them; this says why at start-up, before the first one fails.
        log.warning(
            "notification channels not configured: %s; notifications to them will fail",
            ", ".join(missing),
            extra={"missing_channels": missing},
        )
    return channels


async def _raw_records(message: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """No decoding by FastStream: the handler reads the raw records."""
    return None


def create_app(
    settings: AlertsSettings,
    registry: CollectorRegistry | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    kafka: KafkaSettings | None = None,
) -> FastAPI:
    registry = registry if registry is not None else CollectorRegistry()
    metrics = AlertMetrics.create(registry)
    # TLS and SASL come from IOC_KAFKA_* (KafkaSettings); the brokers from the service's own.
    kafka = kafka or KafkaSettings(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="ioc-alerts"
    )
    broker = safe_broker(kafka, client_id=kafka.client_id, logger_name="ioc_alerts.kafka")
    holder: dict[str, Runtime] = {}

    async def evaluate_series(series: set[tuple[str, str]]) -> None:
        await holder["runtime"].evaluator.evaluate_series(series)

    updates = SeriesUpdatesHandler(evaluate_series)

    @broker.subscriber(
        # Never created here (FastStream would make it with one partition); the topics
        # come from `ioc-topics create` or Strimzi with the contract's partitions.
        Topic(settings.alerts_updates_topic, declare=False),
        group_id=settings.alerts_group_id,
        group_instance_id=settings.alerts_group_instance_id,
        batch=True,
        max_records=500,
        batch_timeout_ms=50,
        auto_offset_reset="earliest",
        # Offsets are committed per partition once evaluated; a failed batch is sought
        # back on every partition it holds, after a backoff (adapters/series_updates.py).
        ack_policy=AckPolicy.MANUAL,
        # The handler reads each record itself, tolerating fields added by a newer
        # aggregator; FastStream's decoding would fail the whole batch on one of them.
        decoder=_raw_records,
    )
    async def on_series_updated(message: KafkaMessage) -> None:
        raw: Any = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        await updates.handle(records, cast(UpdatesConsumer, message.consumer))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            settings.database_url.get_secret_value(),
            min_size=0,
            max_size=6,
            server_settings={"application_name": "ioc-alerts"},
        )
        catalog = CatalogCache(pool, refresh_seconds=settings.alerts_catalog_refresh_seconds)
        channels = build_channels(settings, pool)
        evaluator = Evaluator(
            pool=pool,
            catalog=catalog.current,
            delivery=Delivery(
                webhook_enabled="webhook" in channels, quiet_hours=settings.quiet_hours()
            ),
            repeat_every=settings.repeat_every,
            metrics=metrics,
            clock=clock,
        )
        dispatcher = Dispatcher(
            pool=pool,
            catalog=catalog.current,
            channels=channels,
            links=LinkSettings(
                settings.public_base_url,
                settings.ack_secret.get_secret_value().encode(),
                settings.grafana_url,
                timedelta(days=settings.ack_link_valid_days),
            ),
            retry=settings.retry_policy(),
            metrics=metrics,
            clock=clock,
            lease=timedelta(seconds=settings.alerts_lease_seconds),
            send_deadline=timedelta(seconds=settings.alerts_send_deadline_seconds),
            max_in_flight=settings.alerts_max_in_flight,
            reminders=settings.reminder_policy(),
        )
        runtime = Runtime(
            pool=pool,
            catalog=catalog.current,
            evaluator=evaluator,
            dispatcher=dispatcher,
            metrics=metrics,
            ack_secret=settings.ack_secret.get_secret_value().encode(),
            api_token=settings.api_token.get_secret_value(),
            clock=clock,
            failures=KeyedRateLimiter(
                rate_per_second=settings.failed_attempts_per_minute / 60,
                burst=settings.failed_attempts_burst,
                clock=time.monotonic,
            ),
            acquire_timeout=settings.db_acquire_timeout_seconds,
        )
        holder["runtime"] = runtime
        app.state.runtime = runtime

        async def scheduled_pass() -> None:
            await evaluator.evaluate_everything()
            async with pool.acquire() as connection:
                await plan_digests(
                    connection,
                    now=clock(),
                    at=settings.alerts_digest_at,
                    quiet_hours=settings.quiet_hours(),
                )

        async def publish_changes() -> None:
            await publish_pending(pool, broker, settings.alerts_topic, metrics)

        stop_metrics = (
            serve_metrics(registry, host=settings.metrics_host, port=settings.metrics_port)
            if settings.metrics_port is not None
            else None
        )
        await broker.start()
        tasks = [
            asyncio.create_task(
                every("evaluate", settings.alerts_evaluate_every_seconds, scheduled_pass)
            ),
            asyncio.create_task(
                every("dispatch", settings.alerts_dispatch_every_seconds, dispatcher.dispatch_due)
            ),
            asyncio.create_task(
                every("outbox", settings.alerts_dispatch_every_seconds, publish_changes)
            ),
        ]
        # The reporting calendar's reminders: planned on the evaluation's schedule.
        if settings.alerts_reminders_enabled:
            reminder_planner = ReminderPlanner(
                pool=pool,
                catalog=catalog.current,
                policy=settings.reminder_policy(),
                quiet_hours=settings.quiet_hours(),
                clock=clock,
            )
            tasks.append(
                asyncio.create_task(
                    every(
                        "reminders",
                        settings.alerts_evaluate_every_seconds,
                        reminder_planner.plan_due,
                    )
                )
            )
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await dispatcher.close()
            await broker.stop()
            if stop_metrics is not None:
                await asyncio.to_thread(stop_metrics)
            for channel in channels.values():
                close = getattr(channel, "aclose", None)
                if close is not None:
                    await close()
            await pool.close()

    app = FastAPI(
        title="IOC monitor — alerts",
        description="Acknowledgement links for leaders and the operators' alert API.",
        lifespan=lifespan,
        docs_url="/docs" if settings.env.value == "development" else None,
        redoc_url=None,
    )
    app.include_router(router)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    # A route to an ASGI app: exactly /metrics (a mount would redirect it to /metrics/).
    endpoint = MetricsEndpoint(registry, token=token, elsewhere=settings.metrics_port is not None)
    app.router.routes.append(Route("/metrics", endpoint, include_in_schema=False))
    app.state.broker = broker  # what it subscribes to, for tests and diagnostics

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        runtime = holder.get("runtime")
        if runtime is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        try:
            async with runtime.pool.acquire(timeout=2) as connection:
                await connection.fetchval("SELECT 1")
            await runtime.catalog()
        except Exception as error:
            return JSONResponse({"status": "database unavailable", "error": str(error)}, 503)
        return JSONResponse({"status": "ready"})

    return app
