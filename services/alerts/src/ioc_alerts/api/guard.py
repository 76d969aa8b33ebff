"""What stands between the internet and the database: credentials, failures, the pool.

- Credentials are compared as bytes: a header or token of any characters is just
  wrong (401/403), never an error (500).
- Each client address may fail (a wrong token, a forged link) only so often; past that
  it is refused with 429 before anything is looked up.
- Waiting for a pooled connection is bounded; a database that cannot serve in time is
  answered with 503 and Retry-After instead of a queue of hanging requests.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from fastapi import HTTPException, Request

from ioc_runtime.rate_limit import KeyedRateLimiter
from ioc_storage.connection import Connection

RETRY_AFTER_SECONDS = 5


def same_secret(expected: str, presented: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), presented.encode("utf-8", "replace"))


def client_address(request: Request) -> str:
    # uvicorn has already put the X-Forwarded-For address here when the peer is one of
    # IOC_FORWARDED_ALLOW_IPS, so this is the real client behind a configured proxy.
    return request.client.host if request.client else "unknown"


def refuse_if_failing(failures: KeyedRateLimiter, request: Request) -> None:
    decision = failures.allows(client_address(request))
    if not decision.allowed:
        raise HTTPException(
            status_code=429,
            detail="too many failed attempts from this address; try again later",
            headers={"Retry-After": str(decision.retry_after_seconds)},
        )


def count_failure(failures: KeyedRateLimiter, request: Request) -> None:
    failures.admit(client_address(request))


@dataclass(frozen=True)
class Database:
    """The pool as a request sees it: a bounded wait, then 503."""

    pool: asyncpg.Pool
    acquire_timeout: float
    """Longest wait for a pooled connection in a request, in seconds."""

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        try:
            async with self.pool.acquire(timeout=self.acquire_timeout) as connection:
                yield connection
        except (
            TimeoutError,
            OSError,
            asyncpg.InterfaceError,
            asyncpg.PostgresConnectionError,
        ) as error:
            raise HTTPException(
                status_code=503,
                detail="the alert database is busy or unavailable; try again shortly",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from error
