"""The demo year's reporting calendar, judged by the reminder planner day by day (pure: no
services). Sở TN&MT's data set is reported weekly until the end of July, so its data
officer hears nothing while it comes and is reminded, then told it is overdue, and its
director is told, once it stops; the reports it never sends are chased every period."""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ioc_alerts.domain.reminders import (
    DEFAULT_POLICY,
    ReminderStage,
    plan_reminders,
    reporting_duties,
)
from ioc_catalog import grants, load_catalog
from ioc_contracts.catalog import Duty
from ioc_contracts.types import VIETNAM_TIME

ROOT = Path(__file__).resolve().parents[1]


def _scenario() -> list[Any]:
    spec = importlib.util.spec_from_file_location("demo_scenario", ROOT / "deploy/demo/scenario.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return list(module.scenario())


def _replay() -> dict[tuple[str, str, str], list[tuple[datetime, ReminderStage]]]:
    """Every reminder first due in the replay, by (agency, indicator, scope)."""
    catalog = load_catalog()
    reminded = {r.agency for r in catalog.recipients if r.duty is Duty.DATA_OFFICER}
    calendars = {i.code: (i.cadence, i.due_days) for i in catalog.indicators}
    duties = [
        duty
        for duty in reporting_duties(
            ((g.agency, g.indicator, g.scope) for g in grants(catalog)), calendars
        )
        if duty.agency in reminded
    ]
    events = sorted(_scenario(), key=lambda e: e.observed_at)
    seen: set[tuple[str, str, str, datetime, ReminderStage]] = set()
    history: dict[tuple[str, str, str], list[tuple[datetime, ReminderStage]]] = defaultdict(list)
    latest: dict[tuple[str, str], datetime] = {}
    moment = datetime(2023, 3, 1, 9, tzinfo=VIETNAM_TIME)
    index = 0
    while moment < datetime(2023, 12, 31, tzinfo=VIETNAM_TIME):
        while index < len(events) and events[index].observed_at <= moment:
            event = events[index]
            latest[(event.indicator, event.scope)] = event.observed_at
            index += 1
        for reminder in plan_reminders(duties, latest, moment, DEFAULT_POLICY):
            d = reminder.duty
            key = (d.agency, d.indicator, d.scope, reminder.period.start, reminder.stage)
            if key not in seen:
                seen.add(key)
                history[(d.agency, d.indicator, d.scope)].append((moment, reminder.stage))
        moment += timedelta(hours=12)
    return history


HISTORY = _replay()


def test_the_data_set_is_chased_only_once_it_stops_coming() -> None:
    # The replay starts on 1 March with February's week already overdue; after that
    # first week, the weekly figures (to 31 July) keep the officer's mailbox quiet.
    chased = [
        (moment, stage)
        for moment, stage in HISTORY[("so-tnmt", "cds.dataset-completion-rate", "so-tnmt")]
        if moment > datetime(2023, 3, 10, tzinfo=VIETNAM_TIME)
    ]
    assert chased, "never reminded"
    first_moment, first_stage = chased[0]
    # The last figure is of the week of 24 July: the week of 31 July is reminded once it ends.
    assert first_moment == datetime(2023, 8, 7, 9, tzinfo=VIETNAM_TIME)
    assert first_stage is ReminderStage.DUE_SOON
    stages = [stage for _, stage in chased[:3]]
    assert stages == [ReminderStage.DUE_SOON, ReminderStage.OVERDUE, ReminderStage.ESCALATED]


def test_only_agencies_with_a_data_officer_are_reminded() -> None:
    assert {agency for agency, _, _ in HISTORY} == {"so-tnmt", "so-xd"}


def test_a_report_never_sent_is_chased_every_month() -> None:
    never = HISTORY[("so-xd", "dvc.online-full-rate", "so-xd")]
    months = {
        moment.astimezone(VIETNAM_TIME).month
        for moment, stage in never
        if stage is ReminderStage.DUE_SOON
    }
    assert months >= set(range(4, 13))
