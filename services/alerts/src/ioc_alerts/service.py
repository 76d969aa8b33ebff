"""The alert service while it runs: the pool opened, both flows built and looping.

Explicit wiring, in the order things need each other: the pool, the catalog, the
channels; then the decide flow (the evaluator behind the subscriber and the schedule,
the state-change publisher) and the deliver flow (the dispatcher, the digest planner).
The routes get what they need through `app.state` (see `api/dependencies.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import asyncpg
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.adapters.series_updates import SeriesUpdatesHandler
from ioc_alerts.api.guard import Database
from ioc_alerts.config import AlertsSettings
from ioc_alerts.decide import subscriber
from ioc_alerts.decide.evaluator import Evaluator
from ioc_alerts.decide.state_changes import StateChangePublisher
from ioc_alerts.deliver.channels import build_channels, close_channels
from ioc_alerts.deliver.context_builder import LinkSettings
from ioc_alerts.deliver.digest_planner import DigestPlanner
from ioc_alerts.deliver.dispatcher import Dispatcher
from ioc_alerts.lifecycle.routing import Delivery
from ioc_alerts.loops import every
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.reminders import ReminderPlanner
from ioc_runtime.metrics_endpoint import metrics_port_of
from ioc_storage.catalog_cache import CatalogCache
from ioc_storage.pooling import service_pool


async def open_pool(dsn: str) -> asyncpg.Pool:
    """The service's pool; its statements keep no session state (the advisory locks are
    the transaction's), so connections go back without asyncpg's reset round trip
    (tests/test_pool_session_state.py)."""
    return await service_pool(dsn, size=6, application_name="ioc-alerts")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: AlertsSettings = app.state.settings
    metrics: AlertMetrics = app.state.metrics
    broker: KafkaBroker = app.state.broker
    clock = app.state.clock
    async with AsyncExitStack() as stack:
        pool = await open_pool(settings.database_url.get_secret_value())
        stack.push_async_callback(pool.close)
        catalog = CatalogCache(
            pool, load_alerting_catalog, refresh_seconds=settings.alerts_catalog_refresh_seconds
        )
        channels = build_channels(settings, pool)
        stack.push_async_callback(close_channels, channels)
        await stack.enter_async_context(metrics_port_of(app.state.registry, settings))

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
        publisher = StateChangePublisher(pool, broker, settings.alerts_topic, metrics)
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
        stack.push_async_callback(dispatcher.close)
        digests = DigestPlanner(pool, settings.alerts_digest_at, settings.quiet_hours(), clock)

        subscriber.serve(broker, SeriesUpdatesHandler(evaluator.evaluate_series))
        await broker.start()
        stack.push_async_callback(broker.stop)
        evaluate_every = settings.alerts_evaluate_every_seconds
        dispatch_every = settings.alerts_dispatch_every_seconds
        loops = [
            every("evaluate", evaluate_every, evaluator.evaluate_everything),
            every("digest", evaluate_every, digests.plan_due),
            every("dispatch", dispatch_every, dispatcher.dispatch_due),
            every("outbox", dispatch_every, publisher.publish_pending),
        ]
        if settings.alerts_reminders_enabled:
            # The reporting calendar's reminders, planned on the evaluation's schedule.
            reminders = ReminderPlanner(
                pool=pool,
                catalog=catalog.current,
                policy=settings.reminder_policy(),
                quiet_hours=settings.quiet_hours(),
                clock=clock,
            )
            loops.append(every("reminders", evaluate_every, reminders.plan_due))
        tasks = [asyncio.create_task(loop) for loop in loops]
        stack.push_async_callback(_cancel, tasks)

        app.state.database = Database(pool, settings.db_acquire_timeout_seconds)
        app.state.catalog = catalog.current
        yield


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
