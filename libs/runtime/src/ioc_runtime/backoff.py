"""Backoff for a dependency that is down (the database): wait longer each time, never spin.

Shared by the services that wait out an outage (the aggregator's writes, the alert
service's consumer).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Exponential backoff with full jitter, reset by the first success.

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
        cap = min(self.ceiling, self.initial * 2.0 ** (self.failures - 1))
        return self.rng.uniform(cap / 2, cap)

    def pending_delay(self) -> float:
        """How long to wait before the first try of a new batch (0 when healthy)."""
        if self.failures == 0:
            return 0.0
        return min(self.ceiling, self.initial * 2.0 ** (self.failures - 1)) / 2

    def succeeded(self) -> None:
        self.failures = 0
