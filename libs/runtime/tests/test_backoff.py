import random

import pytest

from ioc_runtime.backoff import Backoff, backoff_delay, ceiling_after


def test_the_ceiling_doubles_up_to_its_cap() -> None:
    ceilings = [ceiling_after(n, initial=0.5, ceiling=4.0) for n in range(1, 7)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert ceiling_after(10_000, initial=30.0, ceiling=3600.0) == 3600.0


def test_each_wait_is_between_half_the_ceiling_and_the_ceiling() -> None:
    rng = random.Random(7)
    for failures in range(1, 12):
        cap = ceiling_after(failures, initial=0.2, ceiling=5.0)
        delay = backoff_delay(failures, initial=0.2, ceiling=5.0, rng=rng)
        assert cap / 2 <= delay <= cap


def test_failures_count_from_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        ceiling_after(0, initial=1.0, ceiling=2.0)


def test_a_success_resets_the_wait() -> None:
    backoff = Backoff(initial=1.0, ceiling=8.0, rng=random.Random(1))
    for _ in range(3):
        backoff.next_delay()
    assert backoff.pending_delay() == 2.0
    backoff.succeeded()
    assert backoff.pending_delay() == 0.0
    assert backoff.next_delay() <= 1.0
