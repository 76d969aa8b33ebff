"""The schedule's whole pass on the real database: a status judged the same is not
written again, and every target reads as judged by the last whole pass."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest

from ioc_alerts.adapters import alerts
from ioc_alerts.decide.evaluator import Evaluator
from ioc_testing import ScratchDatabase
from ioc_testing.database import read_rows

from .conftest import NOW

pytestmark = pytest.mark.connected

ON_TIME = ("dvc.ontime-rate", "province")  # the target dvc.ontime-95: at least 95%
ON_TIME_TARGETS = {"dvc.ontime-95", "fresh.dvc.ontime-rate.province"}  # and its freshness


async def _judged(database: ScratchDatabase) -> dict[str, tuple[str, datetime | None]]:
    """Each status row's version, and "evaluated at" as the dashboards read it."""
    rows = await read_rows(
        database,
        "SELECT o.code, s.xmin::text AS version, o.evaluated_at FROM ioc.target_overview o "
        "JOIN ioc.target_status s ON s.target = o.code",
    )
    return {row["code"]: (row["version"], row["evaluated_at"]) for row in rows}


async def test_a_whole_pass_vouches_for_every_status_without_writing_it_again(
    evaluator: Evaluator,
    figures: Any,
    catalog_database: ScratchDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await figures.put(*ON_TIME, (NOW - timedelta(days=40), 96.1), (NOW - timedelta(days=1), 81.5))
    await evaluator.evaluate_everything()
    first = await _judged(catalog_database)
    assert first
    assert {at for _, at in first.values()} == {NOW}

    # A minute later nothing has changed: no status row is written again, and every
    # target reads as judged by the later pass.
    later = NOW + timedelta(minutes=1)
    await dataclasses.replace(evaluator, clock=lambda: later).evaluate_everything()
    again = await _judged(catalog_database)
    assert {code: version for code, (version, _) in again.items()} == {
        code: version for code, (version, _) in first.items()
    }
    assert {at for _, at in again.values()} == {later}

    # A pass that fails before every target is recorded vouches for none of them.
    async def broken(*_: Any) -> None:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(alerts, "record_statuses", broken)
    failed = dataclasses.replace(evaluator, clock=lambda: later + timedelta(minutes=1))
    with pytest.raises(ConnectionResetError):
        await failed.evaluate_everything()
    assert {at for _, at in (await _judged(catalog_database)).values()} == {later}

    # A figure's update judged later than the pass shows its own instant.
    monkeypatch.undo()
    await figures.put(*ON_TIME, (NOW, 99.0))
    updated = later + timedelta(minutes=2)
    await dataclasses.replace(evaluator, clock=lambda: updated).evaluate_series({ON_TIME})
    after = await _judged(catalog_database)
    assert after["dvc.ontime-95"] == (after["dvc.ontime-95"][0], updated)
    assert after["dvc.ontime-95"][0] != again["dvc.ontime-95"][0]
    assert {at for code, (_, at) in after.items() if code not in ON_TIME_TARGETS} == {later}
