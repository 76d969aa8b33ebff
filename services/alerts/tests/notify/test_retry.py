from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from ioc_alerts.notify.delivery import DeliveryOutcome
from ioc_alerts.notify.retry import RetryPolicy, outcome_for_status, parse_retry_after

NOW = datetime(2023, 6, 30, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, DeliveryOutcome.SENT),
        (204, DeliveryOutcome.SENT),
        (301, DeliveryOutcome.PERMANENT),
        (400, DeliveryOutcome.PERMANENT),
        (401, DeliveryOutcome.PERMANENT),
        (404, DeliveryOutcome.PERMANENT),
        (408, DeliveryOutcome.RETRYABLE),
        (429, DeliveryOutcome.RETRYABLE),
        (500, DeliveryOutcome.RETRYABLE),
        (503, DeliveryOutcome.RETRYABLE),
    ],
)
def test_decision_table(status: int, outcome: DeliveryOutcome) -> None:
    assert outcome_for_status(status) is outcome


def test_backoff_doubles_within_jitter_and_stops_at_the_cap() -> None:
    policy = RetryPolicy(
        max_attempts=10, base_delay=timedelta(seconds=30), max_delay=timedelta(minutes=10)
    )
    rng = random.Random(7)
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 600), (9, 600)]:
        delay = policy.delay(attempt, rng=rng).total_seconds()
        assert ceiling / 2 <= delay <= ceiling, (attempt, delay)


def test_jitter_spreads_retries() -> None:
    policy = RetryPolicy()
    rng = random.Random(1)
    delays = {policy.delay(3, rng=rng) for _ in range(20)}
    assert len(delays) > 10


def test_next_attempt_time_and_the_last_attempt() -> None:
    policy = RetryPolicy(max_attempts=3)
    rng = random.Random(3)
    first = policy.next_attempt_at(1, NOW, rng=rng)
    assert first is not None
    assert NOW + timedelta(seconds=15) <= first <= NOW + timedelta(seconds=30)
    assert policy.next_attempt_at(3, NOW) is None
    assert policy.should_retry(DeliveryOutcome.RETRYABLE, 2)
    assert not policy.should_retry(DeliveryOutcome.RETRYABLE, 3)
    assert not policy.should_retry(DeliveryOutcome.PERMANENT, 1)


def test_a_server_hint_is_honoured_but_bounded() -> None:
    policy = RetryPolicy(max_hint=timedelta(hours=6))
    rng = random.Random(5)
    assert policy.delay(1, timedelta(seconds=600), rng=rng) == timedelta(seconds=600)
    assert policy.delay(1, timedelta(days=30), rng=rng) == timedelta(hours=6)
    # A hint shorter than the backoff does not make us hurry.
    assert policy.delay(4, timedelta(seconds=1), rng=rng) >= timedelta(seconds=120)


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert RetryPolicy().delay(10_000) <= timedelta(hours=1)


def test_invalid_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="delays"):
        RetryPolicy(base_delay=timedelta(minutes=5), max_delay=timedelta(minutes=1))


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("120", timedelta(seconds=120)),
        ("Fri, 30 Jun 2023 07:02:00 GMT", timedelta(minutes=2)),
        ("Fri, 30 Jun 2023 06:00:00 GMT", timedelta(0)),
        ("soon", None),
        (None, None),
        ("99999999999999", timedelta(days=7)),
        ("9" * 5000, timedelta(days=7)),
        ("١٢٣", None),  # digits, but not ASCII ones
        ("Fri, 31 Dec 9999 23:59:59 GMT", timedelta(days=7)),
    ],
)
def test_retry_after_header(header: str | None, wait: timedelta | None) -> None:
    assert parse_retry_after(header, NOW) == wait


def test_an_absurd_hint_still_gives_a_time() -> None:
    policy = RetryPolicy()
    hint = parse_retry_after("99999999999999", NOW)
    at = policy.next_attempt_at(1, NOW, hint)
    assert at is not None
    assert at - NOW <= policy.max_hint
