"""What a pooled connection needs when it goes back to the pool: nothing.

asyncpg's default sends a reset on every release (`pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL;`): one more round trip and four statements for each batch
transaction, each request, each clean-up. A service whose statements keep no session
state (no SET, LISTEN, session-level advisory lock or held cursor; its settings are
the connection's startup parameters) has nothing for it to undo, and passes this as the
pool's `reset`. asyncpg still rolls back a transaction left open before calling it.
The services that do are held to that by a source scan in their tests.

asyncpg knows PostgreSQL's base types but learns each array type from the server: the
first statement on a connection that binds or returns one first runs a recursive
catalog query (parsed, planned and run: 10–17 ms here, and in the aggregator that was
inside the first batch of every new connection, with the events behind it waiting).
Every pooled connection learns the array types the services use in one such query as
it opens (`learn_array_types`), and a service can open its connections before the
first request needs them (`open_ahead`).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import asyncpg

from ioc_storage.connection import Connection

__all__ = ["ARRAY_TYPES", "keep_session", "learn_array_types", "open_ahead", "service_pool"]

log = logging.getLogger(__name__)

# Every array type a service's statements bind or read (a source scan in the storage
# tests keeps this list complete).
ARRAY_TYPES = (
    "bigint[]",
    "bool[]",
    "bytea[]",
    "date[]",
    "float8[]",
    "integer[]",
    "jsonb[]",
    "text[]",
    "timestamptz[]",
    "uuid[]",
)
_LEARN_ARRAY_TYPES = "SELECT " + ", ".join(f"NULL::{name}" for name in ARRAY_TYPES)


async def learn_array_types(connection: Connection) -> None:
    """A pool's `init`: asyncpg asks the server about every array type in `ARRAY_TYPES`
    at once, now, rather than in the first statement that uses each."""
    await connection.fetchrow(_LEARN_ARRAY_TYPES)


async def keep_session(connection: asyncpg.Connection) -> None:
    """A pool's `reset` for connections that keep no session state."""


async def service_pool(
    dsn: str,
    *,
    size: int,
    application_name: str,
    settings: dict[str, str] | None = None,
    **options: Any,
) -> asyncpg.Pool:
    """A service's pool that keeps no session state: opened lazily (min_size=0, so the
    service starts, and reports itself not ready, while the database is down), its
    connections named in `pg_stat_activity` and given back without a reset. `settings`
    are more startup parameters; `options` go to asyncpg's `create_pool` (timeouts)."""
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn,
        min_size=0,
        max_size=size,
        reset=keep_session,
        init=learn_array_types,
        server_settings={**(settings or {}), "application_name": application_name},
        **options,
    )
    return pool


async def open_ahead(pool: asyncpg.Pool, connections: int) -> None:
    """Opens `connections` of the pool now, each learning the array types, so the first
    statements the service runs do not wait for them. A database that cannot be reached
    is left to the first statement that needs it, as without this."""
    try:
        # Each held until all are open, so none is handed out twice.
        async with contextlib.AsyncExitStack() as held:
            for _ in range(connections):
                await held.enter_async_context(pool.acquire())
    except Exception as error:  # any failure leaves the pool as it was
        log.info(
            "database connections not opened ahead; opened when first needed",
            extra={"error": repr(error)},
        )
