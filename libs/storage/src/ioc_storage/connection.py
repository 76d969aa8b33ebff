"""The connection an adapter takes: one opened on its own or one lent by a pool.

asyncpg's stubs (asyncpg-stubs) type a pool's connection as a `PoolConnectionProxy`,
which is not a `Connection`, though it does everything a `Connection` does. Adapters
are called with either, so they annotate this alias; at run time it is asyncpg's own
class (FastAPI reads dependency annotations then).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
else:
    Connection = asyncpg.Connection

__all__ = ["Connection"]
