"""The decide flow's writes of statuses against the real database: one statement for many
targets, and a row judged the same as stored is not written again, even by a later
pass."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from ioc_alerts.adapters.alerts import previous_statuses, record_statuses
from ioc_alerts.adapters.catalog import load_alerting_catalog
from ioc_alerts.domain.evaluation import TargetEvaluation, evaluate
from ioc_contracts.status import RiskStatus
from ioc_testing import ScratchDatabase

pytestmark = pytest.mark.connected

NOW = datetime(2024, 5, 2, 3, tzinfo=UTC)


@pytest.fixture
async def alerts_connection(catalog_database: ScratchDatabase) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(catalog_database.dsns["alerts"])
    try:
        yield connection
    finally:
        await connection.close()


async def never_reported(connection: asyncpg.Connection, now: datetime) -> list[TargetEvaluation]:
    """Every target of the shipped catalog, judged with no figure at all."""
    catalog = await load_alerting_catalog(connection)
    return [
        evaluate(target, catalog.indicators[target.indicator], [], None, now=now)
        for target in catalog.targets.values()
    ]


async def row_versions(connection: asyncpg.Connection) -> dict[str, tuple[str, datetime]]:
    rows = await connection.fetch("SELECT target, xmin::text, evaluated_at FROM ioc.target_status")
    return {row["target"]: (row["xmin"], row["evaluated_at"]) for row in rows}


async def test_statuses_are_recorded_and_rewritten_only_when_they_change(
    alerts_connection: asyncpg.Connection,
) -> None:
    evaluations = await never_reported(alerts_connection, NOW)

    await record_statuses(alerts_connection, evaluations, NOW)
    first = await row_versions(alerts_connection)
    await record_statuses(alerts_connection, evaluations, NOW)
    again = await row_versions(alerts_connection)
    later = NOW + timedelta(minutes=1)
    await record_statuses(alerts_connection, await never_reported(alerts_connection, later), later)
    moved = await row_versions(alerts_connection)

    recorded = await previous_statuses(alerts_connection, first)
    assert recorded == {e.target.code: e.status for e in evaluations}
    assert RiskStatus.STALE in recorded.values()
    assert again == first  # judged the same at the same instant: no row written
    # Judged the same a minute later: still no row written, the instant included (the
    # whole pass's instant is kept once: `record_whole_pass`).
    assert moved == first
    assert {at for _, at in moved.values()} == {NOW}


async def test_a_changed_judgment_is_written_with_its_instant(
    alerts_connection: asyncpg.Connection,
) -> None:
    evaluations = await never_reported(alerts_connection, NOW)
    await record_statuses(alerts_connection, evaluations, NOW)
    first = await row_versions(alerts_connection)
    later = NOW + timedelta(minutes=1)
    [changed, *same] = await never_reported(alerts_connection, later)
    reworded = dataclasses.replace(
        changed,
        assessment=dataclasses.replace(changed.assessment, reason_vi="Đã đổi nhận định"),
    )
    await record_statuses(alerts_connection, [reworded, *same], later)
    moved = await row_versions(alerts_connection)
    code = changed.target.code
    assert moved[code][0] != first[code][0]
    assert moved[code][1] == later
    assert {k: v for k, v in moved.items() if k != code} == {
        k: v for k, v in first.items() if k != code
    }


@pytest.mark.parametrize(
    ("stored", "judged", "written"),
    [
        (0.52, 0.52 * (1 + 1e-5), False),  # a deadline's needed pace a minute later
        (0.52, 0.52 * (1 + 2e-3), True),
        (-3.0, -3.0 * (1 - 5e-4), False),
        (0.0, 1e-9, True),  # nothing and a little are not near
        (None, 0.5, True),
        (0.5, None, True),
        (float("inf"), 1e300, True),  # an infinite R equals only itself
        (float("inf"), float("inf"), False),
    ],
)
async def test_rates_within_a_thousandth_of_themselves_are_the_same_judgment(
    alerts_connection: asyncpg.Connection,
    stored: float | None,
    judged: float | None,
    written: bool,
) -> None:
    [first, *_] = await never_reported(alerts_connection, NOW)

    def with_rate(rate: float | None) -> TargetEvaluation:
        assessment = dataclasses.replace(first.assessment, required_rate=rate, ratio=rate)
        return dataclasses.replace(first, assessment=assessment)

    await record_statuses(alerts_connection, [with_rate(stored)], NOW)
    before = await row_versions(alerts_connection)
    later = NOW + timedelta(minutes=1)
    await record_statuses(alerts_connection, [with_rate(judged)], later)
    after = await row_versions(alerts_connection)
    code = first.target.code
    assert (after[code] != before[code]) is written
    kept = await alerts_connection.fetchval(
        "SELECT required_rate FROM ioc.target_status WHERE target = $1", code
    )
    assert kept == (judged if written else stored)
