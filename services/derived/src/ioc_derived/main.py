"""Wires the derived-indicator service: SeriesUpdated in, derived IndicatorEvents out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, make_asgi_app

from ioc_derived import subscriber
from ioc_derived.adapters.events import EventPublisher
from ioc_derived.adapters.figures import read_formulas
from ioc_derived.config import DerivedSettings
from ioc_derived.metrics import DerivedMetrics
from ioc_derived.specification import declare_publishers
from ioc_derived.subscriber import SeriesUpdatesHandler
from ioc_derived.usecase import Deriver
from ioc_messaging.clients import service_broker
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.backoff import Backoff
from ioc_runtime.service_metrics import service_registry
from ioc_storage.catalog_cache import CatalogCache
from ioc_storage.health import database_problem
from ioc_storage.pooling import service_pool


async def open_pool(dsn: str) -> asyncpg.Pool:
    """The service's pool; its statements keep no session state, so connections go back
    without asyncpg's reset round trip (tests/test_pool_session_state.py)."""
    return await service_pool(dsn, size=4, application_name="ioc-derived")


def create_app(
    settings: DerivedSettings,
    registry: CollectorRegistry | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    kafka: KafkaSettings | None = None,
) -> FastAPI:
    registry = service_registry("derived", registry)
    metrics = DerivedMetrics.create(registry)
    broker = service_broker(
        "derived", settings.kafka_bootstrap_servers, kafka=kafka, registry=registry
    )
    subscriber.subscribe(broker, settings)
    declare_publishers(broker, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await open_pool(settings.database_url.get_secret_value())
        formulas = CatalogCache(
            pool, read_formulas, refresh_seconds=settings.derived_catalog_refresh_seconds
        )
        deriver = Deriver(
            pool=pool,
            formulas=formulas.current,
            publish=EventPublisher(broker, topic=settings.derived_events_topic).publish,
            publisher=settings.derived_publisher,
            metrics=metrics,
            clock=clock,
        )
        retry = Backoff(ceiling=settings.derived_retry_seconds)
        subscriber.serve(broker, SeriesUpdatesHandler(deriver.on_updates, retry))
        app.state.pool = pool
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            await pool.close()

    app = FastAPI(title="IOC monitor — derived indicators", lifespan=lifespan, docs_url=None)
    app.state.broker = broker  # what it subscribes and publishes to, for tests and diagnostics
    app.mount("/metrics", make_asgi_app(registry))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        pool: asyncpg.Pool | None = getattr(app.state, "pool", None)
        if pool is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        problem = await database_problem(pool)
        if problem is not None:
            return JSONResponse({"status": "database unavailable", "error": problem}, 503)
        return JSONResponse({"status": "ready"})

    return app
