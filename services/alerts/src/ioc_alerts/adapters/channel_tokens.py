"""Channel credentials renewed at run time (Zalo's OA tokens), shared by every replica."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ioc_storage.connection import Connection

_LOCK_ROW = """
SELECT access_token, refresh_token, access_expires_at, seeded_from, rejected_at
FROM ioc.channel_tokens WHERE channel = $1 FOR UPDATE
"""
_SEED = """
INSERT INTO ioc.channel_tokens (channel, refresh_token, seeded_from)
VALUES ($1, $2, $3) ON CONFLICT (channel) DO NOTHING
"""
_STORE = """
UPDATE ioc.channel_tokens
SET access_token = $2, refresh_token = $3, access_expires_at = $4, refreshed_at = $5,
    seeded_from = $6, rejected_at = NULL, rejection = NULL
WHERE channel = $1
"""
# Only the token that failed: a replica may have renewed it meanwhile.
_DISCARD = """
UPDATE ioc.channel_tokens SET access_expires_at = LEAST(access_expires_at, $3)
WHERE channel = $1 AND access_token = $2
"""
_REJECT = "UPDATE ioc.channel_tokens SET rejected_at = $2, rejection = $3 WHERE channel = $1"


@dataclass(frozen=True, slots=True)
class StoredTokens:
    """A channel's row; `repr` hides the tokens (they are secrets)."""

    access_token: str | None
    refresh_token: str
    access_expires_at: datetime | None
    seeded_from: str | None
    """SHA-256 of the configured refresh token the row was seeded from."""
    rejected_at: datetime | None

    def __repr__(self) -> str:
        return f"StoredTokens(access_expires_at={self.access_expires_at!r}, …)"


async def lock_tokens(connection: Connection, channel: str) -> StoredTokens | None:
    """The channel's row, locked until the transaction ends."""
    row = await connection.fetchrow(_LOCK_ROW, channel)
    if row is None:
        return None
    return StoredTokens(
        access_token=row["access_token"],
        refresh_token=row["refresh_token"],
        access_expires_at=row["access_expires_at"],
        seeded_from=row["seeded_from"],
        rejected_at=row["rejected_at"],
    )


async def seed_tokens(
    connection: Connection, channel: str, *, refresh_token: str, fingerprint: str
) -> None:
    await connection.execute(_SEED, channel, refresh_token, fingerprint)


async def store_tokens(
    connection: Connection,
    channel: str,
    *,
    access_token: str,
    refresh_token: str,
    access_expires_at: datetime,
    refreshed_at: datetime,
    seeded_from: str | None,
) -> None:
    await connection.execute(
        _STORE, channel, access_token, refresh_token, access_expires_at, refreshed_at, seeded_from
    )


async def discard_access_token(
    pool: asyncpg.Pool, channel: str, *, access_token: str, now: datetime
) -> None:
    await pool.execute(_DISCARD, channel, access_token, now)


async def reject_refresh_token(
    connection: Connection, channel: str, *, at: datetime, reason: str
) -> None:
    await connection.execute(_REJECT, channel, at, reason)
