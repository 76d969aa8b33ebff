"""What a pooled connection needs when it goes back to the pool: nothing.

asyncpg's default sends a reset on every release (`pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL;`): one more round trip and four statements for each batch
transaction, each request, each clean-up. A service whose statements keep no session
state (no SET, LISTEN, session-level advisory lock or held cursor; its settings are
the connection's startup parameters) has nothing for it to undo, and passes this as the
pool's `reset`. asyncpg still rolls back a transaction left open before calling it.
The services that do are held to that by a source scan in their tests.
"""

from __future__ import annotations

from typing import Any

import asyncpg

__all__ = ["keep_session", "service_pool"]


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
        server_settings={**(settings or {}), "application_name": application_name},
        **options,
    )
    return pool
