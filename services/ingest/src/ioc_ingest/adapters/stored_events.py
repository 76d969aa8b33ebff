"""What is stored under agencies' event ids, asked once for the requests of a moment.

Before a request's events go to Kafka, the gateway asks whether any of their ids was
used before with other content (`api/submission.py`). Asked per request, that was a
database round trip each; the requests that ask at the same moment now share one
(`ioc_runtime.coalescing`), each getting back only what concerns its own ids.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg

from ioc_contracts.identity import EventKey
from ioc_runtime.coalescing import Coalescer
from ioc_storage.identity import stored_contents

Contents = dict[EventKey, dict[str, Any]]
# Ids one statement asks about at most (a request of more goes alone): a flood of the
# largest requests makes several statements, not one of hundreds of thousands of ids.
_MOST_IDS = 5_000


class StoredEvents:
    def __init__(self, pool: asyncpg.Pool, *, timeout_seconds: float) -> None:
        self._pool = pool
        self._timeout = timeout_seconds
        self._asked: Coalescer[Sequence[EventKey], Contents] = Coalescer(
            self._contents_of_all, most=_MOST_IDS, weight=len
        )

    async def contents(self, keys: Sequence[EventKey]) -> Contents:
        """The stored content of each of `keys` that is known; an unknown key is absent."""
        if not keys:
            return {}
        return await self._asked(keys)

    async def _contents_of_all(
        self, requests: Sequence[Sequence[EventKey]]
    ) -> list[Contents | BaseException]:
        wanted = list(dict.fromkeys(key for keys in requests for key in keys))
        # Bounded here too: a caller's own deadline ends its wait, not this call.
        async with asyncio.timeout(self._timeout), self._pool.acquire() as connection:
            stored = await stored_contents(connection, wanted)
        return [{key: stored[key] for key in keys if key in stored} for keys in requests]
