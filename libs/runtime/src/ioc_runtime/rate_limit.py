"""Token buckets: a steady rate with room for a burst, one bucket per key.

Ingest keys them by agency (one request costs one token whatever its size: the batch
and body limits already bound what one request can carry, and counting requests keeps
the answer predictable for an agency's integration, "5 requests a second, 20 at
once"). Both HTTP services also key them by client address for failed and
unauthenticated attempts, so a flood of bad credentials is refused before any of it
reaches the database.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
"""Seconds on a monotonic clock (time.monotonic in production)."""


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    retry_after_seconds: int = 0


class TokenBucket:
    def __init__(self, *, rate_per_second: float, burst: int, now: float) -> None:
        if rate_per_second <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self._rate = rate_per_second
        self._burst = float(burst)
        self._tokens = float(burst)
        self._updated = now

    def _refill(self, now: float) -> None:
        # max(): a clock that stepped back must not drain the bucket.
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate)
        self._updated = now

    @property
    def full(self) -> bool:
        return self._tokens >= self._burst

    def peek(self, now: float) -> RateDecision:
        """Whether a token is there, without taking it."""
        self._refill(now)
        if self._tokens >= 1.0:
            return RateDecision(allowed=True)
        return self._refusal()

    def take(self, now: float) -> RateDecision:
        """Takes one token if there is one; otherwise says when there will be."""
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return RateDecision(allowed=True)
        return self._refusal()

    def _refusal(self) -> RateDecision:
        wait = (1.0 - self._tokens) / self._rate
        # Retry-After is whole seconds; rounding up never invites a retry that fails again.
        return RateDecision(allowed=False, retry_after_seconds=max(1, math.ceil(wait)))


class KeyedRateLimiter:
    """One bucket per key (an agency, a client address), in bounded memory.

    Keys an attacker chooses (addresses) could grow the map without end: past
    `max_keys` the oldest buckets are forgotten, full ones first, which forgives at most
    the oldest offenders when the limiter is flooded with new addresses.
    """

    def __init__(
        self, *, rate_per_second: float, burst: int, clock: Clock, max_keys: int = 10_000
    ) -> None:
        self._rate = rate_per_second
        self._burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}

    def _bucket(self, key: str, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._forget(now)
            bucket = TokenBucket(rate_per_second=self._rate, burst=self._burst, now=now)
            self._buckets[key] = bucket
        return bucket

    def _forget(self, now: float) -> None:
        for key in [k for k, b in self._buckets.items() if b.peek(now) and b.full]:
            del self._buckets[key]
        while len(self._buckets) >= self._max_keys:
            del self._buckets[next(iter(self._buckets))]

    def admit(self, key: str) -> RateDecision:
        """Takes a token for `key` (a request that counts)."""
        now = self._clock()
        return self._bucket(key, now).take(now)

    def allows(self, key: str) -> RateDecision:
        """Whether `key` may go on, without counting this request."""
        now = self._clock()
        bucket = self._buckets.get(key)
        return bucket.peek(now) if bucket is not None else RateDecision(allowed=True)


# Ingest's name for it: one bucket per agency.
AgencyRateLimiter = KeyedRateLimiter
