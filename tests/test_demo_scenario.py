"""The demo year raises the alerts the report calls for, and resolves one, judged by
the alert service's own rules day by day (pure: no services needed)."""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

from ioc_alerts.domain.evaluation import evaluate_all
from ioc_alerts.domain.series import Observation
from ioc_alerts.lifecycle.decisions import ALERTING
from ioc_catalog import PublishPolicy, load_catalog
from ioc_contracts.status import RiskStatus
from ioc_contracts.topics import series_key

ROOT = Path(__file__).resolve().parents[1]


def _scenario_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scenario", ROOT / "deploy/demo/scenario.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up while the module is still loading.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SCENARIO = _scenario_module().scenario()


def _replay() -> dict[str, list[tuple[datetime, RiskStatus]]]:
    catalog = load_catalog()
    indicators = {i.code: i for i in catalog.indicators}
    history: dict[str, list[tuple[datetime, RiskStatus]]] = defaultdict(list)
    statuses: dict[str, RiskStatus] = {}
    instant = datetime(2023, 3, 2, 2, 0, tzinfo=UTC)
    while instant < datetime(2023, 12, 31, tzinfo=UTC):
        series: dict[str, list[Observation]] = defaultdict(list)
        for event in SCENARIO:
            if event.observed_at <= instant:
                series[series_key(event.indicator, event.scope)].append(
                    Observation(event.observed_at, event.value)
                )
        evaluations = evaluate_all(catalog.targets, indicators, series, statuses, now=instant)
        statuses = {e.target.code: e.status for e in evaluations}
        for code, status in statuses.items():
            history[code].append((instant, status))
        instant += timedelta(days=3)
    return history


HISTORY = _replay()


def _status_on(code: str, day: str) -> RiskStatus:
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return [status for at, status in HISTORY[code] if at <= moment][-1]


def test_every_demo_event_is_one_its_agency_may_publish() -> None:
    policy = PublishPolicy.from_catalog(load_catalog())
    for event in SCENARIO:
        assert policy.allows(event.agency, event.indicator, event.scope), event
    assert len({event.event_id for event in SCENARIO}) == len(SCENARIO)


def test_the_two_lagging_departments_fall_behind_their_data_set_deadline() -> None:
    for department in ("so-tnmt", "so-xd"):
        code = f"cds.dataset.{department}"
        assert _status_on(code, "2023-05-15") in ALERTING
        assert _status_on(code, "2023-07-10") is RiskStatus.MISSED
    assert _status_on("cds.dataset.so-yt", "2023-07-10") is RiskStatus.ACHIEVED


def test_paperless_services_are_flagged_and_the_on_time_dip_fires_and_resolves() -> None:
    assert _status_on("dvc.paperless-100", "2023-07-01") in ALERTING
    assert _status_on("dvc.ontime-95", "2023-07-01") is RiskStatus.ON_TRACK
    assert _status_on("dvc.ontime-95", "2023-08-16") is RiskStatus.OFF_TRACK
    assert _status_on("dvc.ontime-95", "2023-09-15") is RiskStatus.ON_TRACK
    assert _status_on("da06.eid-activated-50", "2023-09-01") in ALERTING
