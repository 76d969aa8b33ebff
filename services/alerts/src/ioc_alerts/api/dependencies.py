"""What the routes are given, as FastAPI dependencies.

`create_app` puts what exists from the start on `app.state` (settings, clock, metrics,
the failed-attempts limiter); the lifespan adds what needs the database (the pool as a
`Database`, the catalog in force).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.api.guard import Database
from ioc_alerts.config import AlertsSettings
from ioc_alerts.metrics import AlertMetrics
from ioc_runtime.rate_limit import KeyedRateLimiter

CatalogSource = Callable[[], Awaitable[AlertingCatalog]]
Clock = Callable[[], datetime]


def _settings(request: Request) -> AlertsSettings:
    settings: AlertsSettings = request.app.state.settings
    return settings


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _metrics(request: Request) -> AlertMetrics:
    metrics: AlertMetrics = request.app.state.metrics
    return metrics


def _failures(request: Request) -> KeyedRateLimiter:
    failures: KeyedRateLimiter = request.app.state.failures
    return failures


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _catalog(request: Request) -> CatalogSource:
    catalog: CatalogSource = request.app.state.catalog
    return catalog


def ack_secret(settings: Annotated[AlertsSettings, Depends(_settings)]) -> bytes:
    return settings.ack_secret.get_secret_value().encode()


def bootstrap_token(settings: Annotated[AlertsSettings, Depends(_settings)]) -> str | None:
    """The development-only shared admin token (IOC_API_TOKEN), or None."""
    token = settings.api_token
    return token.get_secret_value() if token is not None else None


ClockDep = Annotated[Clock, Depends(_clock)]
MetricsDep = Annotated[AlertMetrics, Depends(_metrics)]
FailuresDep = Annotated[KeyedRateLimiter, Depends(_failures)]
DatabaseDep = Annotated[Database, Depends(_database)]
CatalogDep = Annotated[CatalogSource, Depends(_catalog)]
AckSecretDep = Annotated[bytes, Depends(ack_secret)]
BootstrapTokenDep = Annotated[str | None, Depends(bootstrap_token)]
