"""The connection pool, and which database errors are worth waiting out."""

from __future__ import annotations

import asyncpg

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


async def create_pool(dsn: str, *, size: int, statement_timeout_ms: int) -> asyncpg.Pool:
    """A pool whose broken connections are replaced on the next acquire.

    The pool is created lazily (min_size=0) so the service starts, and reports
    itself not ready, while the database is still down.
    """
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=size,
        max_inactive_connection_lifetime=60,
        command_timeout=statement_timeout_ms / 1000 + 5,
        server_settings={
            "statement_timeout": str(statement_timeout_ms),
            "application_name": "ioc-aggregator",
        },
    )
    return pool
