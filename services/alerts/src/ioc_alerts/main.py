"""Wires the alert service: the subscriber, the HTTP routes, /metrics and the lifespan.

What runs (the two flows and their loops) is built in `service.lifespan`, once there is
a database; what the routes need reaches them through `app.state`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from prometheus_client import CollectorRegistry
from starlette.routing import Route

from ioc_alerts.api import admin_routes, health, links, operator_routes
from ioc_alerts.api.strict_json import readable_validation_answer
from ioc_alerts.clock import real_clock
from ioc_alerts.config import AlertsSettings
from ioc_alerts.decide import subscriber
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.service import lifespan
from ioc_alerts.specification import declare_publishers
from ioc_messaging.clients import service_broker
from ioc_messaging.settings import KafkaSettings
from ioc_runtime.body_limit import BodyLimit
from ioc_runtime.metrics_endpoint import MetricsEndpoint
from ioc_runtime.rate_limit import KeyedRateLimiter

# The largest body an operator or a leader's page sends: a silence with its comment, an
# acknowledgement's comment, the link page's form (texts of at most 1,000 characters).
MAX_REQUEST_BODY_BYTES = 64 * 1024


def create_app(
    settings: AlertsSettings,
    registry: CollectorRegistry | None = None,
    clock: Callable[[], datetime] = real_clock,
    kafka: KafkaSettings | None = None,
) -> FastAPI:
    registry = registry if registry is not None else CollectorRegistry()
    # FastStream's own Kafka metrics beside the service's.
    broker = service_broker(
        "alerts", settings.kafka_bootstrap_servers, kafka=kafka, registry=registry
    )
    subscriber.subscribe(broker, settings)
    declare_publishers(broker, settings)

    app = FastAPI(
        title="IOC monitor — alerts",
        description="Acknowledgement links for leaders and the operators' alert API.",
        lifespan=lifespan,
        docs_url="/docs" if settings.env.value == "development" else None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.registry = registry
    app.state.metrics = AlertMetrics.for_service(
        registry, longest_send_seconds=settings.longest_send_seconds()
    )
    app.state.clock = clock
    app.state.broker = broker  # what it subscribes to, for tests and diagnostics
    app.state.failures = KeyedRateLimiter(  # failed attempts (wrong token, forged link)
        rate_per_second=settings.failed_attempts_per_minute / 60,
        burst=settings.failed_attempts_burst,
        clock=time.monotonic,
    )
    for router in (links.router, operator_routes.router, admin_routes.router, health.router):
        app.include_router(router)
    app.add_exception_handler(RequestValidationError, readable_validation_answer)
    # FastAPI reads a body whole before the token is checked: bounded here first.
    app.add_middleware(BodyLimit, max_bytes=MAX_REQUEST_BODY_BYTES)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    # A route to an ASGI app: exactly /metrics (a mount would redirect it to /metrics/).
    endpoint = MetricsEndpoint(registry, token=token, elsewhere=settings.metrics_port is not None)
    app.router.routes.append(Route("/metrics", endpoint, include_in_schema=False))
    return app
