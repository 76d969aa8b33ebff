from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ioc_alerts.lifecycle.decisions import (
    Action,
    EscalationStep,
    OpenAlert,
    decide,
)
from ioc_alerts.messages import NotificationKind
from ioc_contracts.status import AlertState, RiskStatus

NOW = datetime(2023, 7, 10, 2, 0, tzinfo=UTC)
STEPS = (
    EscalationStep(0, timedelta(0), ("giam-doc-so-tttt",)),
    EscalationStep(1, timedelta(hours=4), ("pho-chu-tich",)),
    EscalationStep(2, timedelta(hours=24), ("chu-tich",)),
)
REPEAT = timedelta(hours=12)


def _alert(**changes: object) -> OpenAlert:
    values: dict[str, object] = {
        "state": AlertState.FIRING,
        "risk_status": RiskStatus.AT_RISK,
        "escalation_level": 0,
        "opened_at": NOW - timedelta(hours=1),
        "last_notified_at": NOW - timedelta(hours=1),
        "notified": frozenset({"giam-doc-so-tttt"}),
    }
    values.update(changes)
    return OpenAlert(**values)  # type: ignore[arg-type]


def _decide(
    status: RiskStatus, alert: OpenAlert | None
) -> tuple[Action, list[tuple[str, int, tuple[str, ...]]]]:
    decision = decide(status, alert, STEPS, now=NOW, repeat_every=REPEAT)
    return decision.action, [(n.kind.value, n.level, n.recipients) for n in decision.notifications]


@pytest.mark.parametrize("status", [RiskStatus.ON_TRACK, RiskStatus.ACHIEVED])
def test_a_healthy_target_without_an_alert_stays_quiet(status: RiskStatus) -> None:
    assert _decide(status, None) == (Action.NOTHING, [])


@pytest.mark.parametrize(
    "status",
    [
        RiskStatus.AT_RISK,
        RiskStatus.OFF_TRACK,
        RiskStatus.DETERIORATING,
        RiskStatus.MISSED,
        RiskStatus.STALE,
    ],
)
def test_a_target_falling_behind_opens_one_alert_for_the_first_level(status: RiskStatus) -> None:
    assert _decide(status, None) == (Action.OPEN, [("firing", 0, ("giam-doc-so-tttt",))])


def test_nothing_new_within_the_repeat_interval_means_no_message() -> None:
    assert _decide(RiskStatus.AT_RISK, _alert()) == (Action.UPDATE, [])


def test_a_still_firing_alert_repeats_after_the_interval() -> None:
    alert = _alert(opened_at=NOW - timedelta(hours=3), last_notified_at=NOW - REPEAT)
    assert _decide(RiskStatus.AT_RISK, alert) == (
        Action.UPDATE,
        [("repeat", 0, ("giam-doc-so-tttt",))],
    )


def test_an_acknowledged_alert_neither_repeats_nor_escalates() -> None:
    alert = _alert(
        state=AlertState.ACKNOWLEDGED,
        opened_at=NOW - timedelta(days=3),
        last_notified_at=NOW - timedelta(days=2),
    )
    assert _decide(RiskStatus.AT_RISK, alert) == (Action.UPDATE, [])


def test_nobody_acknowledging_escalates_to_the_next_level_once() -> None:
    alert = _alert(opened_at=NOW - timedelta(hours=5))
    decision = decide(RiskStatus.AT_RISK, alert, STEPS, now=NOW, repeat_every=REPEAT)
    assert decision.escalation_level == 1
    assert [(n.kind, n.recipients) for n in decision.notifications] == [
        (NotificationKind.ESCALATION, ("pho-chu-tich",))
    ]
    escalated = _alert(opened_at=NOW - timedelta(hours=5), escalation_level=1)
    assert _decide(RiskStatus.AT_RISK, escalated) == (Action.UPDATE, [])


def test_a_long_silence_jumps_straight_to_the_highest_due_level() -> None:
    alert = _alert(opened_at=NOW - timedelta(days=2))
    assert _decide(RiskStatus.AT_RISK, alert) == (
        Action.UPDATE,
        [("escalation", 2, ("chu-tich",))],
    )


def test_a_change_of_status_tells_everyone_told_so_far() -> None:
    alert = _alert(notified=frozenset({"giam-doc-so-tttt", "pho-chu-tich"}), escalation_level=1)
    assert _decide(RiskStatus.OFF_TRACK, alert) == (
        Action.UPDATE,
        [("changed", 1, ("giam-doc-so-tttt", "pho-chu-tich"))],
    )


def test_recovery_resolves_and_tells_everyone_told() -> None:
    alert = _alert(
        state=AlertState.ACKNOWLEDGED, notified=frozenset({"chu-tich", "giam-doc-so-tttt"})
    )
    assert _decide(RiskStatus.ON_TRACK, alert) == (
        Action.RESOLVE,
        [("resolved", 0, ("chu-tich", "giam-doc-so-tttt"))],
    )


def test_a_target_without_recipients_still_opens_its_alert() -> None:
    decision = decide(RiskStatus.MISSED, None, (), now=NOW, repeat_every=REPEAT)
    assert decision.action is Action.OPEN
    assert decision.notifications == ()
