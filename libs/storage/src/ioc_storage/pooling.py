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

import asyncpg

__all__ = ["keep_session"]


async def keep_session(connection: asyncpg.Connection) -> None:
    """A pool's `reset` for connections that keep no session state."""
