"""The per-agency token bucket, on a clock the test moves (pure)."""

from __future__ import annotations

import pytest

from ioc_runtime.rate_limit import AgencyRateLimiter, KeyedRateLimiter, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_the_next_request_waits() -> None:
    bucket = TokenBucket(rate_per_second=2.0, burst=3, now=0.0)
    assert [bucket.take(0.0).allowed for _ in range(3)] == [True, True, True]
    refused = bucket.take(0.0)
    assert not refused.allowed
    assert refused.retry_after_seconds == 1  # half a second, rounded up to whole seconds


def test_tokens_come_back_at_the_rate_and_never_beyond_the_burst() -> None:
    bucket = TokenBucket(rate_per_second=1.0, burst=2, now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert not bucket.take(0.5).allowed
    assert bucket.take(1.0).allowed
    # A long quiet spell refills to the burst, not more.
    assert [bucket.take(1_000.0).allowed for _ in range(3)] == [True, True, False]


def test_retry_after_covers_the_whole_wait_at_a_slow_rate() -> None:
    bucket = TokenBucket(rate_per_second=0.1, burst=1, now=0.0)
    bucket.take(0.0)
    assert bucket.take(0.0).retry_after_seconds == 10


def test_a_clock_stepping_back_does_not_drain_or_fill() -> None:
    bucket = TokenBucket(rate_per_second=1.0, burst=1, now=10.0)
    assert bucket.take(10.0).allowed
    assert not bucket.take(5.0).allowed


def test_each_agency_has_its_own_bucket() -> None:
    clock = Clock()
    limiter = AgencyRateLimiter(rate_per_second=1.0, burst=1, clock=clock)
    assert limiter.admit("so-tttt").allowed
    assert not limiter.admit("so-tttt").allowed
    assert limiter.admit("so-nv").allowed
    clock.now += 1.0
    assert limiter.admit("so-tttt").allowed


def test_a_bucket_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(rate_per_second=0.0, burst=1, now=0.0)


def test_peeking_takes_nothing_and_memory_stays_bounded() -> None:
    now = [0.0]
    limiter = KeyedRateLimiter(rate_per_second=0.1, burst=2, clock=lambda: now[0], max_keys=3)
    assert limiter.allows("10.0.0.1").allowed
    assert limiter.admit("10.0.0.1").allowed
    assert limiter.admit("10.0.0.1").allowed
    refused = limiter.allows("10.0.0.1")
    assert not refused.allowed
    assert refused.retry_after_seconds == 10
    for n in range(2, 10):
        limiter.admit(f"10.0.0.{n}")
    assert len(limiter._buckets) <= 3
