"""The connection pool, and the database's errors as the use case knows them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from ioc_aggregator.application.ports import RowsRefusedError, StorageUnavailableError
from ioc_storage.pooling import service_pool

T = TypeVar("T")

# The server went away, restarts, is overloaded or timed a statement out: the
# same batch will succeed later, so the aggregator waits and tries again.
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.QueryCanceledError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)


def is_retryable(error: BaseException) -> bool:
    return isinstance(error, RETRYABLE_ERRORS)


async def translated(operation: Callable[[], Awaitable[T]]) -> T:
    """Runs `operation`; an outage becomes StorageUnavailableError, a refused row
    RowsRefusedError (the driver's own errors stay at this edge)."""
    try:
        return await operation()
    except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as error:
        raise RowsRefusedError(str(error)) from error
    except Exception as error:
        if is_retryable(error):
            raise StorageUnavailableError(repr(error)) from error
        raise


async def create_pool(dsn: str, *, size: int, statement_timeout_ms: int) -> asyncpg.Pool:
    """A pool whose broken connections are replaced on the next acquire.

    The pool is created lazily (min_size=0) so the service starts, and reports
    itself not ready, while the database is still down.
    """
    # The aggregator keeps no session state (tests/test_pool_session_state.py).
    pool = await service_pool(
        dsn,
        size=size,
        application_name="ioc-aggregator",
        settings={"statement_timeout": str(statement_timeout_ms)},
        max_inactive_connection_lifetime=60,
        command_timeout=statement_timeout_ms / 1000 + 5,
    )
    return pool
