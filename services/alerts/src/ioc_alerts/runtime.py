"""What exists only while the service runs: the pool, the catalog, the use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.dispatcher import Dispatcher
from ioc_alerts.evaluator import Evaluator
from ioc_alerts.metrics import AlertMetrics
from ioc_runtime.rate_limit import KeyedRateLimiter


@dataclass
class Runtime:
    pool: asyncpg.Pool
    catalog: Callable[[], Awaitable[AlertingCatalog]]
    evaluator: Evaluator
    dispatcher: Dispatcher
    metrics: AlertMetrics
    ack_secret: bytes
    bootstrap_token: str | None
    """The development-only shared admin token (IOC_API_TOKEN), or None."""
    clock: Callable[[], datetime]
    failures: KeyedRateLimiter
    """Failed attempts (wrong token, forged link) per client address."""
    acquire_timeout: float
    """Longest wait for a pooled connection in a request, in seconds."""
