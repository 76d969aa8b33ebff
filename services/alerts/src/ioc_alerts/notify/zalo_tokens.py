"""Where the Zalo channel gets its OA access token: fixed, or renewed and shared.

`StoredZaloTokens` keeps the current pair in `ioc.channel_tokens` so restarts and
replicas share it. A refresh token works once, so renewing happens inside one
transaction holding the row `FOR UPDATE`: the replica that gets the lock checks again
(another may have just renewed), spends the refresh token, stores the new pair and
commits; the others wait, then find a fresh token and use it. Between renewals each
process answers from memory.

The configured refresh token (IOC_ZALO_REFRESH_TOKEN) only seeds the row: when there
is none, or when Zalo refused the stored one and the configured one is a different
token (its SHA-256 is kept to tell). A healthy row is never overwritten by a stale
setting, e.g. from a pod of the previous release.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import asyncpg
import httpx

from ioc_alerts.adapters.channel_tokens import (
    StoredTokens,
    discard_access_token,
    lock_tokens,
    reject_refresh_token,
    seed_tokens,
    store_tokens,
)
from ioc_alerts.clock import real_clock
from ioc_alerts.notify.delivery import DeliveryResult
from ioc_alerts.notify.http import USER_AGENT, timeout
from ioc_alerts.notify.zalo_oauth import (
    REAUTHORIZE,
    RefreshFailedError,
    TokenPair,
    ZaloAppSettings,
    refresh_tokens,
)
from ioc_runtime import redact
from ioc_storage.connection import Connection

log = logging.getLogger(__name__)

CHANNEL = "zalo"
# A token this close to its end is not handed out even when renewing failed.
LAST_USE = timedelta(seconds=30)


class TokenUnavailableError(Exception):
    """No access token to send with; `result` is what the send attempt records."""

    def __init__(self, result: DeliveryResult) -> None:
        super().__init__(result.detail)
        self.result = result


class AccessTokenSource(Protocol):
    async def access_token(self) -> str:
        """A token good for a send now, or TokenUnavailableError."""
        ...

    async def discard(self, access_token: str) -> bool:
        """Zalo called `access_token` invalid; True if the next call gets a new one."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class FixedAccessToken:
    """One token from the settings: it stops working 25 hours after it was issued."""

    token: str

    async def access_token(self) -> str:
        return self.token

    async def discard(self, access_token: str) -> bool:
        return False

    async def aclose(self) -> None:
        return None


def fingerprint(refresh_token: str) -> str:
    """Tells seeds apart without keeping a second copy of a token."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()


def fresh(pair: TokenPair | None, now: datetime, margin: timedelta) -> bool:
    """Whether `pair`'s access token has more than `margin` left at `now`."""
    return pair is not None and pair.access_expires_at - now > margin


def _pair(stored: StoredTokens) -> TokenPair | None:
    # Tokens renewed at run time are secrets the settings never held: the redaction
    # policy learns them as soon as they are read.
    redact.register([stored.refresh_token, stored.access_token or ""])
    if stored.access_token is None or stored.access_expires_at is None:
        return None
    return TokenPair(stored.access_token, stored.refresh_token, stored.access_expires_at)


class StoredZaloTokens:
    """Access tokens renewed through Zalo OAuth and shared through the database."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        app: ZaloAppSettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = real_clock,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._pool = pool
        self._app = app
        # Zalo's expiry is in real time: never the dispatcher's (maybe simulated) clock.
        self._clock = clock
        self._client = client or httpx.AsyncClient(
            timeout=timeout(timeout_seconds), headers={"User-Agent": USER_AGENT}
        )
        self._owns_client = client is None
        self._current: TokenPair | None = None
        self._renewing = asyncio.Lock()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def access_token(self) -> str:
        if fresh(self._current, self._clock(), self._app.refresh_margin):
            assert self._current is not None
            return self._current.access_token
        # One renewal per process at a time; the row lock does the same across processes.
        async with self._renewing:
            if fresh(self._current, self._clock(), self._app.refresh_margin):
                assert self._current is not None
                return self._current.access_token
            pair = await self._renew()
            self._current = pair
            return pair.access_token

    async def discard(self, access_token: str) -> bool:
        if self._current is not None and self._current.access_token == access_token:
            self._current = None
        try:
            await discard_access_token(
                self._pool, CHANNEL, access_token=access_token, now=self._clock()
            )
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            return False
        log.warning("zalo access token refused before its expiry", extra={"channel": CHANNEL})
        return True

    async def _renew(self) -> TokenPair:
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                outcome = await self._renew_locked(connection)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as error:
            # Only the message: a PostgreSQL error's DETAIL may quote a row, tokens included.
            detail = f"Zalo token store unavailable: {type(error).__name__}: {error}"
            log.error("zalo access token not renewed", extra={"channel": CHANNEL, "detail": detail})
            raise TokenUnavailableError(DeliveryResult.retryable(None, detail)) from None
        if isinstance(outcome, TokenPair):
            return outcome
        raise TokenUnavailableError(outcome)

    async def _renew_locked(self, connection: Connection) -> TokenPair | DeliveryResult:
        """Inside the transaction: the pair to use, or why there is none (committed as is)."""
        now = self._clock()
        seed = self._app.refresh_token.get_secret_value() if self._app.refresh_token else None
        row = await lock_tokens(connection, CHANNEL)
        if row is None:
            if seed is None:
                return DeliveryResult.permanent(
                    None, f"no Zalo refresh token stored yet; {REAUTHORIZE}"
                )
            await seed_tokens(
                connection, CHANNEL, refresh_token=seed, fingerprint=fingerprint(seed)
            )
            row = await lock_tokens(connection, CHANNEL)
            assert row is not None  # seeded in this transaction
        current = _pair(row)
        if fresh(current, now, self._app.refresh_margin):
            assert current is not None
            return current
        reseed = (
            seed is not None
            and row.rejected_at is not None
            and row.seeded_from != fingerprint(seed)
        )
        spent = seed if reseed and seed is not None else row.refresh_token
        try:
            pair = await refresh_tokens(self._client, self._app, spent, now)
            redact.register([pair.access_token, pair.refresh_token])
        except RefreshFailedError as failure:
            if failure.rejected:
                await reject_refresh_token(
                    connection, CHANNEL, at=now, reason=failure.result.detail
                )
            return self._make_do(current, failure, now)
        seeded_from = fingerprint(seed) if reseed and seed is not None else row.seeded_from
        await store_tokens(
            connection,
            CHANNEL,
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            access_expires_at=pair.access_expires_at,
            refreshed_at=now,
            seeded_from=seeded_from,
        )
        log.info(
            "zalo access token renewed",
            extra={
                "channel": CHANNEL,
                "access_expires_at": pair.access_expires_at.isoformat(),
                "reseeded": reseed,
            },
        )
        return pair

    def _make_do(
        self, current: TokenPair | None, failure: RefreshFailedError, now: datetime
    ) -> TokenPair | DeliveryResult:
        """After a failed renewal: the old token while it lasts (the margin is for this)."""
        usable = current is not None and current.access_expires_at - now > LAST_USE
        log.log(
            logging.ERROR if failure.rejected or not usable else logging.WARNING,
            "zalo access token not renewed",
            extra={
                "channel": CHANNEL,
                "outcome": failure.result.outcome.value,
                "zalo_error": failure.result.status_code,
                "detail": failure.result.detail,
                "old_token_usable": usable,
            },
        )
        if usable:
            assert current is not None
            return current
        return failure.result
