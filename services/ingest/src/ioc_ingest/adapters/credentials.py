"""Who is calling: API keys looked up by hash in `ioc.agency_credentials`, cached briefly.

Only valid keys are cached, and only for `cache_seconds`: a revoked key stops working
within that bound, and a key issued a moment ago works at once (misses are never cached).
Unknown keys always reach the database, but only once they have the shape of a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from ioc_runtime.rate_limit import Clock
from ioc_storage.credentials import hash_api_key, key_prefix_of

# Far more than the province's agencies times a few live keys each; reaching it means
# something is cycling keys, and forgetting everything is the safe way to stay bounded.
_MAX_CACHED_KEYS = 1_000


@dataclass(frozen=True, slots=True)
class Credential:
    """An active API key: whose it is, and how it is named in the audit log."""

    id: UUID
    agency: str
    key_prefix: str


@dataclass(frozen=True, slots=True)
class _Cached:
    credential: Credential
    expires_at: float


class CredentialDirectory:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        cache_seconds: float,
        clock: Clock,
        acquire_timeout: float = 5.0,
    ) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, _Cached] = {}

    async def find(self, key: str) -> Credential | None:
        """The active credential for `key`, or None. Raises on database errors."""
        if key_prefix_of(key) is None:
            return None
        digest = hash_api_key(key)
        now = self._clock()
        cached = self._cache.get(digest)
        if cached is not None and cached.expires_at > now:
            return cached.credential
        # Lookup by an index on the hash: the caller controls the key, not the hash, so
        # the comparison leaks nothing useful through its timing.
        async with self._pool.acquire(timeout=self._acquire_timeout) as connection:
            row = await connection.fetchrow(
                "SELECT id, agency, key_prefix FROM ioc.agency_credentials "
                "WHERE key_hash = $1 AND revoked_at IS NULL",
                digest,
            )
        if row is None:
            self._cache.pop(digest, None)
            return None
        credential = Credential(id=row["id"], agency=row["agency"], key_prefix=row["key_prefix"])
        if self._cache_seconds > 0:
            if len(self._cache) >= _MAX_CACHED_KEYS:
                self._cache.clear()
            self._cache[digest] = _Cached(credential, now + self._cache_seconds)
        return credential
