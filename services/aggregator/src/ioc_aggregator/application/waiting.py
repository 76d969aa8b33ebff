"""Database outages waited out with backoff, up to a bound per batch."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from ioc_aggregator.application.ports import StorageUnavailableError
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_runtime.backoff import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")


class DatabaseUnavailableError(Exception):
    """The database stayed away longer than one batch may wait; read it again later."""


@dataclass
class DatabaseWait:
    backoff: Backoff
    max_block_seconds: float
    metrics: AggregatorMetrics

    async def __call__(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Runs `operation`, waiting out database outages with backoff, up to a bound."""
        deadline = time.monotonic() + self.max_block_seconds
        pending = self.backoff.pending_delay()
        if pending:
            await asyncio.sleep(pending)
        while True:
            try:
                result = await operation()
            except StorageUnavailableError as error:
                self.metrics.database_up.set(0)
                self.metrics.database_retries.inc()
                delay = self.backoff.next_delay()
                log.warning(
                    "database unavailable, backing off",
                    extra={"error": repr(error), "retry_in_seconds": round(delay, 2)},
                )
                if time.monotonic() + delay > deadline:
                    raise DatabaseUnavailableError(str(error)) from error
                await asyncio.sleep(delay)
                continue
            self.backoff.succeeded()
            self.metrics.database_up.set(1)
            return result
