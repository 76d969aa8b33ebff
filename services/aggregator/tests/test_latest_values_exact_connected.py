"""The latest value of a series is its figure of record to the last bit (a zero's sign
aside) and the last microsecond.

The latest values reach the database as one JSON document (`outbound/figures.py`),
where they were eight typed arrays: every float must come back as the same double and
every instant as the same microsecond, or the alert service would judge a figure no
agency sent. The real use case and TimescaleDB adapter, in process, one batch per figure.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from ioc_testing import ScratchDatabase

from .feeding import T0, event, fetch
from .in_process import Clock, processor_for, records

pytestmark = pytest.mark.connected

# Values a decimal rendering could bend: a sum with a long tail, a third, the smallest
# subnormal double, the smallest normal one, one short of a hundred, a tiny one written
# with an exponent, and a negative zero (stored as a zero: jsonb's numbers have no -0).
EDGES = (0.1 + 0.2, 1 / 3, 5e-324, 2.2250738585072014e-308, 99.99999999999999, 1e-7, -0.0)


async def _stored_latest(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool, sent: dict[str, Any]
) -> Any:
    """Stores `sent` as a batch of its own; the latest value of its series."""
    processor, _ = await processor_for(catalog_database, writer, Clock(T0 + timedelta(days=40)))
    announced = await processor.store(await processor.screen(records([sent], 0)))
    await processor.acknowledged(announced)
    (latest,) = await fetch(
        catalog_database.dsns["reader"],
        "SELECT observed_at, value, numerator, denominator, event_id::text AS id, agency"
        " FROM ioc.latest_values WHERE indicator = $1 AND scope = $2",
        sent["indicator"],
        sent["scope"],
    )
    return latest


@pytest.mark.parametrize("value", EDGES)
async def test_the_latest_value_is_the_figure_sent_exactly(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool, value: float
) -> None:
    observed_at = T0 + timedelta(days=3, microseconds=123_457)
    sent = event(value=value, observed_at=observed_at.isoformat())
    latest = await _stored_latest(catalog_database, writer, sent)
    assert latest["value"] == value
    if value != 0:
        assert math.copysign(1.0, latest["value"]) == math.copysign(1.0, value)
    assert latest["observed_at"] == observed_at
    assert latest["numerator"] is None
    assert latest["denominator"] is None
    assert (latest["id"], latest["agency"]) == (sent["event_id"], sent["agency"])


async def test_a_ratio_keeps_its_numerator_and_denominator_exactly(
    catalog_database: ScratchDatabase, writer: asyncpg.Pool
) -> None:
    sent = event(value=100 * 1 / 3, day=5, numerator=1.0, denominator=3.0)
    latest = await _stored_latest(catalog_database, writer, sent)
    assert (latest["value"], latest["numerator"], latest["denominator"]) == (100 / 3, 1.0, 3.0)
