"""A token bucket per agency: a steady rate with room for a burst.

One request costs one token whatever its size: the batch and body limits already bound
what one request can carry, and counting requests keeps the answer predictable for an
agency's integration ("5 requests a second, 20 at once").
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

    def take(self, now: float) -> RateDecision:
        """Takes one token if there is one; otherwise says when there will be."""
        # max(): a clock that stepped back must not drain the bucket.
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return RateDecision(allowed=True)
        wait = (1.0 - self._tokens) / self._rate
        # Retry-After is whole seconds; rounding up never invites a retry that fails again.
        return RateDecision(allowed=False, retry_after_seconds=max(1, math.ceil(wait)))


class AgencyRateLimiter:
    """One bucket per agency; agencies come from credentials, so the map stays small."""

    def __init__(self, *, rate_per_second: float, burst: int, clock: Clock) -> None:
        self._rate = rate_per_second
        self._burst = burst
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def admit(self, agency: str) -> RateDecision:
        now = self._clock()
        bucket = self._buckets.get(agency)
        if bucket is None:
            bucket = TokenBucket(rate_per_second=self._rate, burst=self._burst, now=now)
            self._buckets[agency] = bucket
        return bucket.take(now)
