"""Wires the ingest gateway: settings in, a FastAPI app out (services open in its lifespan)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from prometheus_client import REGISTRY, CollectorRegistry
from starlette.routing import Route

from ioc_ingest.api import events, health, readback, reports, xlsx
from ioc_ingest.api.accounting import RequestAccounting
from ioc_ingest.api.errors import ApiError, answer_problem
from ioc_ingest.api.openapi import DESCRIPTION, IngestApi
from ioc_ingest.api.query import answer_invalid_parameters
from ioc_ingest.config import IngestSettings
from ioc_ingest.metrics import IngestMetrics
from ioc_ingest.services import IngestServices, WallClock, open_services, utc_now
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.metrics_endpoint import MetricsEndpoint, metrics_port_of
from ioc_runtime.rate_limit import Clock
from ioc_runtime.service_metrics import RequestLatency, register_standard_metrics


def create_app(
    settings: IngestSettings,
    *,
    kafka: KafkaSettings | None = None,
    registry: CollectorRegistry = REGISTRY,
    monotonic: Clock = time.monotonic,
    now: WallClock = utc_now,
) -> FastAPI:
    register_standard_metrics(registry, service="ingest")
    metrics = IngestMetrics.build(registry)
    # TLS and SASL come from IOC_KAFKA_* (KafkaSettings); the brokers from the service's own.
    kafka = kafka or KafkaSettings(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="ioc-ingest"
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(metrics_port_of(registry, settings))
            services = await stack.enter_async_context(
                open_services(settings, metrics, kafka=kafka, monotonic=monotonic, now=now)
            )
            app.state.services = services
            yield
            app.state.services = None

    app = IngestApi(
        title="IOC monitor ingest",
        version=version("ioc-ingest"),
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
    )
    app.max_batch = settings.ingest_max_batch
    app.state.services = None
    app.add_middleware(RequestAccounting, services=lambda: _services_of(app))
    # Outermost: the latency an agency sees, audit and accounting included.
    app.add_middleware(RequestLatency, histogram=metrics.http_seconds)
    app.add_exception_handler(ApiError, answer_problem)
    app.add_exception_handler(RequestValidationError, answer_invalid_parameters)
    app.include_router(events.router)
    app.include_router(reports.router)
    app.include_router(readback.router)
    app.include_router(xlsx.router)
    app.include_router(health.router)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    # A route to an ASGI app: exactly /metrics (a mount would redirect it to /metrics/).
    endpoint = MetricsEndpoint(registry, token=token, elsewhere=settings.metrics_port is not None)
    app.router.routes.append(Route("/metrics", endpoint, include_in_schema=False))
    return app


def _services_of(app: FastAPI) -> IngestServices | None:
    services: IngestServices | None = app.state.services
    return services
