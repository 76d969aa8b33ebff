"""A gap to the target too small for its daily share to be a float: 5e-324 over 1,000
days underflows to 0.0, and a pace divided by it raised ZeroDivisionError in the
deadline assessment (found by Hypothesis in test_deadline_bands.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ioc_alerts.domain import Observation, assess, required_rate
from ioc_contracts.catalog import Indicator, Target, TargetKind

NOW = datetime(2023, 7, 1, tzinfo=UTC)
LATER = NOW + timedelta(days=1000)


def test_the_needed_pace_keeps_the_gap_s_direction() -> None:
    up = required_rate(0.0, 5e-324, now=NOW, deadline=LATER)
    down = required_rate(5e-324, 0.0, now=NOW, deadline=LATER)
    assert up is not None
    assert up > 0
    assert down is not None
    assert down < 0
    assert required_rate(40.0, 40.0, now=NOW, deadline=LATER) == 0.0


def test_a_pace_against_it_is_judged_with_a_finite_ratio(
    make_indicator: Callable[..., Indicator], make_target: Callable[..., Target]
) -> None:
    indicator = make_indicator()
    target = make_target(TargetKind.DEADLINE, 5e-324, indicator=indicator, deadline=LATER.date())
    for values in ([0.0, 0.0], [0.0, 1e-300, 0.0], [1e-300, 0.0]):
        series = [
            Observation(NOW - timedelta(days=3 * (len(values) - 1 - i)), v)
            for i, v in enumerate(values)
        ]
        result = assess(target, indicator, series, now=NOW)
        assert result.ratio is not None, values
        assert math.isfinite(result.ratio), values
        assert "inf" not in result.reason_en, values
