"""The decide flow's use case on the real database: a pass judges the targets of a
series, records their statuses, opens, changes and resolves alerts, and writes the
notifications and state changes each decision asks for, once."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from ioc_alerts.adapters.catalog import AlertingCatalog, load_alerting_catalog
from ioc_alerts.decide.evaluator import Evaluator
from ioc_alerts.lifecycle.decisions import ALERTING
from ioc_alerts.lifecycle.routing import Delivery
from ioc_alerts.metrics import AlertMetrics
from ioc_contracts.status import RiskStatus

from .conftest import NEVER_QUIET, NOW

pytestmark = pytest.mark.connected

ON_TIME = ("dvc.ontime-rate", "province")  # the target dvc.ontime-95: at least 95%
ON_TIME_TARGETS = {"dvc.ontime-95", "fresh.dvc.ontime-rate.province"}  # and its freshness
# Level 0 of the one-stop escalation: both have only an email address.
FIRST_TOLD = {"truc-ban-ioc", "chanh-van-phong-ubnd"}


async def _rows(pool: asyncpg.Pool, query: str, *args: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in await pool.fetch(query, *args)]


async def test_a_broken_floor_opens_one_alert_with_its_notifications_and_state_change(
    evaluator: Evaluator, figures: Any, alerts_pool: asyncpg.Pool
) -> None:
    await figures.put(*ON_TIME, (NOW - timedelta(days=40), 96.1), (NOW - timedelta(days=1), 81.5))

    evaluations = await evaluator.evaluate_series({ON_TIME})

    assert {e.target.code for e in evaluations} == ON_TIME_TARGETS
    [status] = await _rows(
        alerts_pool, "SELECT * FROM ioc.target_status WHERE target = 'dvc.ontime-95'"
    )
    assert RiskStatus(status["status"]) in ALERTING
    assert status["current_value"] == 81.5
    assert status["evaluated_at"] == NOW
    [alert] = await _rows(alerts_pool, "SELECT * FROM ioc.alerts")
    assert (alert["target"], alert["state"], alert["current_value"]) == (
        "dvc.ontime-95",
        "firing",
        81.5,
    )
    notes = await _rows(
        alerts_pool,
        "SELECT recipient, channel, kind, status, next_attempt_at FROM ioc.notifications",
    )
    assert {(n["recipient"], n["channel"]) for n in notes} == {
        *((person, "email") for person in FIRST_TOLD),
        (None, "webhook"),
    }
    assert {(n["kind"], n["status"], n["next_attempt_at"]) for n in notes} == {
        ("firing", "pending", NOW)
    }
    [change] = await _rows(alerts_pool, "SELECT payload FROM ioc.alert_outbox")
    assert '"state":"firing"' in change["payload"].replace(" ", "")

    # The same figures judged again: nothing new to decide, nothing written twice.
    await evaluator.evaluate_series({ON_TIME})
    assert await alerts_pool.fetchval("SELECT count(*) FROM ioc.notifications") == len(notes)
    assert await alerts_pool.fetchval("SELECT count(*) FROM ioc.alert_outbox") == 1


async def test_a_floor_kept_again_resolves_the_alert_and_tells_only_those_told(
    evaluator: Evaluator, figures: Any, alerts_pool: asyncpg.Pool
) -> None:
    await figures.put(*ON_TIME, (NOW - timedelta(days=40), 96.1), (NOW - timedelta(days=1), 81.5))
    await evaluator.evaluate_series({ON_TIME})
    # The duty officer's email went out; the Office chief's did not (yet).
    await alerts_pool.execute(
        "UPDATE ioc.notifications SET status = 'sent' WHERE recipient = 'truc-ban-ioc'"
    )
    # The agency revises the figure that broke the line.
    await figures.put(*ON_TIME, (NOW - timedelta(days=1), 99.0))

    await evaluator.evaluate_series({ON_TIME})

    [alert] = await _rows(alerts_pool, "SELECT state, resolved_at, current_value FROM ioc.alerts")
    assert alert == {"state": "resolved", "resolved_at": NOW, "current_value": 99.0}
    # Told means delivered: only the person whose message went out hears of the
    # resolution (and the webhook, which speaks for the province's systems).
    resolved = await _rows(
        alerts_pool, "SELECT recipient, channel FROM ioc.notifications WHERE kind = 'resolved'"
    )
    assert {(n["recipient"], n["channel"]) for n in resolved} == {
        ("truc-ban-ioc", "email"),
        (None, "webhook"),
    }
    states = [
        row["state"]
        for row in await _rows(
            alerts_pool, "SELECT payload->>'state' AS state FROM ioc.alert_outbox ORDER BY id"
        )
    ]
    assert states == ["firing", "resolved"]


async def test_a_series_that_never_reported_opens_no_alert_and_is_left_to_the_reminders(
    evaluator: Evaluator, alerts_pool: asyncpg.Pool
) -> None:
    evaluations = await evaluator.evaluate_series({ON_TIME})

    assert {e.status for e in evaluations} == {RiskStatus.STALE}
    # A new catalog does not flood leaders with the targets of a series that has not
    # reported yet: its freshness target follows the reporting calendar (no limit in
    # days of its own), whose reminders chase the agency before and after the due day.
    opened = await alerts_pool.fetch("SELECT target FROM ioc.alerts")
    assert [row["target"] for row in opened] == []
    assert await alerts_pool.fetchval("SELECT count(*) FROM ioc.target_status") == 2


async def test_only_the_targets_of_the_changed_series_are_judged(
    evaluator: Evaluator, figures: Any, alerts_pool: asyncpg.Pool
) -> None:
    await figures.put(*ON_TIME, (NOW - timedelta(days=1), 81.5))

    evaluations = await evaluator.evaluate_series({ON_TIME, ("no.such-indicator", "province")})
    everything = await evaluator.evaluate_everything()

    assert {e.target.code for e in evaluations} == ON_TIME_TARGETS
    targets = await alerts_pool.fetchval("SELECT count(*) FROM ioc.targets")
    assert len(everything) == targets
    assert await alerts_pool.fetchval("SELECT count(*) FROM ioc.target_status") == targets


def _decisions(registry: CollectorRegistry, action: str) -> float | None:
    return registry.get_sample_value("ioc_alerts_decisions_total", {"action": action})


async def test_only_decisions_that_change_something_are_counted_and_logged(
    evaluator: Evaluator,
    figures: Any,
    registry: CollectorRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await figures.put(*ON_TIME, (NOW - timedelta(days=40), 96.1), (NOW - timedelta(days=1), 81.5))
    with caplog.at_level(logging.INFO, logger="ioc_alerts.decide.evaluator"):
        await evaluator.evaluate_everything()
        opened = [r for r in caplog.records if r.getMessage() == "alert decision"]
        caplog.clear()
        # Judged again, every minute of the schedule: the alert stays open as it was.
        await evaluator.evaluate_series({ON_TIME})
        await evaluator.evaluate_everything()
        unchanged = [r for r in caplog.records if r.getMessage() == "alert decision"]
        caplog.clear()
        # A revised figure, still under the floor: the open alert's value changes.
        await figures.put(*ON_TIME, (NOW - timedelta(days=1), 80.0))
        await evaluator.evaluate_series({ON_TIME})
        revised = [r for r in caplog.records if r.getMessage() == "alert decision"]
    assert ("dvc.ontime-95", "open") in {(r.target, r.action) for r in opened}  # type: ignore[attr-defined]
    assert {r.action for r in opened} == {"open"}  # type: ignore[attr-defined]
    assert unchanged == []
    assert [(r.target, r.action) for r in revised] == [("dvc.ontime-95", "update")]  # type: ignore[attr-defined]
    assert _decisions(registry, "open") == len(opened)
    assert _decisions(registry, "update") == 1


async def test_a_new_catalog_is_judged_with_its_own_targets(
    alerts_pool: asyncpg.Pool, figures: Any, registry: CollectorRegistry
) -> None:
    async with alerts_pool.acquire() as connection:
        whole = await load_alerting_catalog(connection)
    served = [whole]

    async def current() -> AlertingCatalog:
        return served[0]

    evaluator = Evaluator(
        pool=alerts_pool,
        catalog=current,
        delivery=Delivery(webhook_enabled=False, quiet_hours=NEVER_QUIET),
        repeat_every=timedelta(hours=12),
        metrics=AlertMetrics.create(registry),
        clock=lambda: NOW,
    )
    await figures.put(*ON_TIME, (NOW - timedelta(days=1), 81.5))
    assert {e.target.code for e in await evaluator.evaluate_everything()} == set(whole.targets)
    # The catalog cache hands out a new catalog (a reload after an edit): the targets
    # grouped for the last one are not judged again.
    kept = {code: whole.targets[code] for code in ON_TIME_TARGETS}
    served[0] = dataclasses.replace(whole, targets=kept)
    assert {e.target.code for e in await evaluator.evaluate_everything()} == ON_TIME_TARGETS
    assert {e.target.code for e in await evaluator.evaluate_series({ON_TIME})} == ON_TIME_TARGETS
    served[0] = dataclasses.replace(whole, targets={})
    assert await evaluator.evaluate_series({ON_TIME}) == []
