"""The alert service's sense of "now": the real clock, or a replayed past.

The demo and the replay tests judge the seed's 2023 figures against 2023
deadlines, so the service can run on a simulated clock that starts at a given
instant and runs `speed` times faster than real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def real_clock() -> datetime:
    return datetime.now(UTC)


def simulated_clock(
    start: datetime, speed: float = 1.0, anchor: float | None = None
) -> Callable[[], datetime]:
    """`start` at the moment the clock is made, or at the Unix time `anchor` if given.

    An anchor lets several processes (the demo feed and the alert service) share one
    simulated timeline however far apart they started.
    """
    if start.tzinfo is None:
        raise ValueError("the simulated start needs a UTC offset")
    if speed <= 0:
        raise ValueError("the simulated clock must move forward")
    if anchor is not None:

        def anchored() -> datetime:
            return start + timedelta(seconds=(time.time() - anchor) * speed)

        return anchored
    origin = time.monotonic()

    def now() -> datetime:
        return start + timedelta(seconds=(time.monotonic() - origin) * speed)

    return now
