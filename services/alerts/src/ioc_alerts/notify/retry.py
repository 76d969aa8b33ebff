"""When to try a failed delivery again, and whether to try at all.

The decision table (the design's "retry on 5xx and timeouts, never on 4xx"):

| what happened                                  | outcome   |
|------------------------------------------------|-----------|
| 2xx                                            | sent      |
| timeout, connection refused/reset, DNS failure | retryable |
| 408 Request Timeout, 425 Too Early             | retryable |
| 429 Too Many Requests                          | retryable, after Retry-After if given |
| 5xx                                            | retryable |
| 3xx (redirects are never followed)             | permanent |
| any other 4xx                                  | permanent |

Backoff is the project's one rule (`ioc_runtime.backoff`): exponential with "equal
jitter", half the delay fixed, half random, so retries of many notifications spread out
yet none comes back almost at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from ioc_alerts.notify.delivery import DeliveryOutcome
from ioc_runtime.backoff import backoff_delay

_RETRYABLE_4XX = frozenset({408, 425, 429})
MAX_HINT = timedelta(days=7)
"""The longest wait a server's hint is read as: `Retry-After: 99999999999999` would not
fit a timedelta; anything past a week is capped by the policy's max_hint anyway."""


def hint_seconds(seconds: int | float) -> timedelta:
    """A server's wait in seconds as a timedelta, clamped to [0, MAX_HINT]."""
    return timedelta(seconds=min(max(float(seconds), 0.0), MAX_HINT.total_seconds()))


def outcome_for_status(status_code: int) -> DeliveryOutcome:
    """The decision table above, for an HTTP status code."""
    if 200 <= status_code < 300:
        return DeliveryOutcome.SENT
    if status_code in _RETRYABLE_4XX or status_code >= 500:
        return DeliveryOutcome.RETRYABLE
    return DeliveryOutcome.PERMANENT


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """An HTTP Retry-After header (seconds or an HTTP date) as a wait; None if absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        # Clamp while it is still text: int("9" * 5000) is itself refused by Python.
        return MAX_HINT if len(text) > 9 else hint_seconds(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return min(max(when - now, timedelta(0)), MAX_HINT)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    """Attempts in all, the first included; after the last, the failure is final."""
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    max_hint: timedelta = timedelta(hours=6)
    """A server's own wait is honoured up to this, so a bogus hint cannot park a message for days."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay <= timedelta(0) or self.max_delay < self.base_delay:
            raise ValueError("delays must be positive and max_delay >= base_delay")

    def delay(
        self, attempt: int, hint: timedelta | None = None, *, rng: random.Random | None = None
    ) -> timedelta:
        """The wait after failed attempt number `attempt` (1 for the first)."""
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        backoff = timedelta(
            seconds=backoff_delay(
                attempt,
                initial=self.base_delay.total_seconds(),
                ceiling=self.max_delay.total_seconds(),
                rng=rng,
            )
        )
        if hint is not None and hint > backoff:
            return min(hint, max(self.max_hint, backoff))
        return backoff

    def next_attempt_at(
        self,
        attempt: int,
        now: datetime,
        hint: timedelta | None = None,
        *,
        rng: random.Random | None = None,
    ) -> datetime | None:
        """When to make attempt `attempt + 1`, or None when `attempt` was the last allowed."""
        if attempt >= self.max_attempts:
            return None
        return now + self.delay(attempt, hint, rng=rng)

    def should_retry(self, outcome: DeliveryOutcome, attempt: int) -> bool:
        return outcome is DeliveryOutcome.RETRYABLE and attempt < self.max_attempts
