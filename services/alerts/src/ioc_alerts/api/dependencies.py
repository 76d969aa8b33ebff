"""What the routes are given, as FastAPI dependencies.

`create_app` puts what exists from the start on `app.state` (settings, clock, metrics,
the failed-attempts limiter); the lifespan adds what needs the database (the pool as a
`Database`, the catalog in force).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.api.guard import Database
from ioc_alerts.config import AlertsSettings
from ioc_alerts.metrics import AlertMetrics
from ioc_runtime.rate_limit import KeyedRateLimiter

CatalogSource = Callable[[], Awaitable[AlertingCatalog]]
Clock = Callable[[], datetime]


def _from_state(name: str) -> Callable[[Request], Any]:
    """A dependency handing a route what `create_app` or the lifespan put on `app.state`
    under `name`; the `Annotated` alias below it says its type."""

    async def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    read.__name__ = f"app_state_{name}"
    return read


SettingsDep = Annotated[AlertsSettings, Depends(_from_state("settings"))]


async def ack_secret(settings: SettingsDep) -> bytes:
    return settings.ack_secret.get_secret_value().encode()


async def bootstrap_token(settings: SettingsDep) -> str | None:
    """The development-only shared admin token (IOC_API_TOKEN), or None."""
    token = settings.api_token
    return token.get_secret_value() if token is not None else None


ClockDep = Annotated[Clock, Depends(_from_state("clock"))]
MetricsDep = Annotated[AlertMetrics, Depends(_from_state("metrics"))]
FailuresDep = Annotated[KeyedRateLimiter, Depends(_from_state("failures"))]
DatabaseDep = Annotated[Database, Depends(_from_state("database"))]
CatalogDep = Annotated[CatalogSource, Depends(_from_state("catalog"))]
AckSecretDep = Annotated[bytes, Depends(ack_secret)]
BootstrapTokenDep = Annotated[str | None, Depends(bootstrap_token)]
