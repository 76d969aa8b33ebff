"""Backoff: wait longer after each failure, never spin, never all come back at once.

The one rule every retry in the project uses (the aggregator's writes, the consumers
waiting out a database outage, the dead-letter resends, connecting to a broker that is
still starting, the alert service's deliveries): the ceiling doubles from `initial` up
to `ceiling`, and the wait is drawn with "equal jitter" between half the ceiling and the
ceiling, so retries spread out yet none comes back almost at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# 2**64 already exceeds any ceiling; capping the exponent keeps the float finite.
_MAX_DOUBLINGS = 64


def ceiling_after(failures: int, *, initial: float, ceiling: float) -> float:
    """The longest wait after `failures` failures in a row (1 for the first)."""
    if failures < 1:
        raise ValueError("failures are counted from 1")
    return min(ceiling, initial * 2.0 ** min(failures - 1, _MAX_DOUBLINGS))


def backoff_delay(
    failures: int, *, initial: float, ceiling: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after `failures` failures in a row: equal jitter under the ceiling."""
    cap = ceiling_after(failures, initial=initial, ceiling=ceiling)
    draw = rng.random() if rng is not None else random.random()  # noqa: S311 - jitter
    return cap / 2 + (cap / 2) * draw


@dataclass
class Backoff:
    """`backoff_delay` with its count of failures, reset by the first success.

    The state outlives one batch on purpose: after a batch is handed back to
    Kafka, the next attempt still waits instead of hammering a database that
    is known to be down.
    """

    initial: float = 0.2
    ceiling: float = 5.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        self.failures += 1
        return backoff_delay(
            self.failures, initial=self.initial, ceiling=self.ceiling, rng=self.rng
        )

    def pending_delay(self) -> float:
        """How long to wait before the first try of a new batch (0 when healthy)."""
        if self.failures == 0:
            return 0.0
        return ceiling_after(self.failures, initial=self.initial, ceiling=self.ceiling) / 2

    def succeeded(self) -> None:
        self.failures = 0
