"""Replaying the 2023 report's own figures flags what the report says is behind.

The shipped catalog's targets are judged on a simulated 2023 timeline, week by week,
with only the figures published by each instant: the paperless-services target (37%
of a 100% goal) and e-ID activation (17.2%) are flagged, the on-time dossier rate
(96.09% against a 95% floor) is not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from ioc_alerts.domain.evaluation import evaluate_all
from ioc_alerts.domain.series import Observation
from ioc_alerts.lifecycle.decisions import ALERTING
from ioc_catalog import load_catalog
from ioc_catalog.seed import seed_figures
from ioc_contracts.status import RiskStatus
from ioc_contracts.topics import series_key

BEHIND = ALERTING - {RiskStatus.STALE}


def _timeline() -> dict[datetime, dict[str, RiskStatus]]:
    catalog = load_catalog()
    events = [figure.event() for figure in seed_figures()]
    series: dict[str, list[Observation]] = defaultdict(list)
    for event in events:
        series[series_key(event.indicator, event.scope)].append(
            Observation(event.observed_at, event.value)
        )
    targets = [t for t in catalog.targets if t.scope == "province"]
    indicators = {i.code: i for i in catalog.indicators}
    statuses: dict[str, RiskStatus] = {}
    timeline = {}
    instant = datetime(2023, 3, 20, 3, 0, tzinfo=UTC)
    while instant < datetime(2023, 10, 15, tzinfo=UTC):
        evaluations = evaluate_all(targets, indicators, series, statuses, now=instant)
        statuses = {e.target.code: e.status for e in evaluations}
        timeline[instant] = statuses
        instant += timedelta(days=1)
    return timeline


TIMELINE = _timeline()


def _on(day: str) -> dict[str, RiskStatus]:
    moment = datetime.fromisoformat(day).replace(hour=3, tzinfo=UTC)
    return TIMELINE[moment]


def test_the_paperless_target_is_flagged_from_its_first_figure_to_its_deadline() -> None:
    assert _on("2023-06-05")["dvc.paperless-100"] in BEHIND
    # Never on track while the only figure is 37% of 100%, and missed after 30/9.
    for moment, statuses in TIMELINE.items():
        if moment > datetime(2023, 6, 2, tzinfo=UTC):
            assert statuses["dvc.paperless-100"] not in {RiskStatus.ON_TRACK, RiskStatus.ACHIEVED}
    assert _on("2023-10-10")["dvc.paperless-100"] is RiskStatus.MISSED


def test_e_id_activation_is_flagged_when_the_report_gives_17_percent() -> None:
    assert _on("2023-03-20")["da06.eid-activated-50"] in BEHIND


def test_the_on_time_rate_and_papi_rank_the_report_praises_are_not_flagged() -> None:
    on_report_day = _on("2023-04-01")
    assert on_report_day["dvc.ontime-95"] is RiskStatus.ON_TRACK
    assert on_report_day["cchc.papi-top-3"] is RiskStatus.ON_TRACK
    # The PAR INDEX rank of 35 is what the report says must improve.
    assert on_report_day["cchc.par-index-top-20"] in BEHIND
