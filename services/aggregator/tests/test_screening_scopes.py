"""Screening refuses a figure of a retired scope with the shared rule, naming the successor
(the DLQ's scope_retired), and one of a successor before it was formed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from ioc_aggregator.domain.records import Accepted, Consumed, Refused
from ioc_aggregator.domain.screening import screen
from ioc_catalog import PublishPolicy
from ioc_catalog.scopes import ScopeHistory
from ioc_catalog.screening import ScreeningRules
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_testing.reorganised import SUCCESSOR, reorganised_catalog

CATALOG = reorganised_catalog()
RULES = ScreeningRules(
    policy=PublishPolicy.from_catalog(CATALOG),
    figures={},
    max_future=timedelta(days=1),
    scopes=ScopeHistory.from_catalog(CATALOG),
)
NOW = datetime(2023, 7, 10, tzinfo=UTC)


def _screen(scope: str, observed_at: str) -> Accepted | Refused:
    event = {
        "event_id": str(uuid4()),
        "agency": "cong-an",
        "indicator": "da06.eid-level2-approved",
        "scope": scope,
        "observed_at": observed_at,
        "value": 1200,
    }
    record = Consumed("ioc.indicator-events", 0, 1, b"k", json.dumps(event).encode())
    return screen(record, RULES, now=NOW)


def test_a_late_figure_of_a_merged_district_is_refused_naming_its_successor() -> None:
    verdict = _screen("h-bac-tan-uyen", "2023-07-03T00:00:00+07:00")
    assert isinstance(verdict, Refused)
    assert verdict.error_code is DeadLetterErrorCode.SCOPE_RETIRED
    assert verdict.reason.startswith("scope: Huyện Bắc Tân Uyên (h-bac-tan-uyen) đã ngừng tồn tại")
    assert f"({SUCCESSOR})" in verdict.reason


def test_its_figures_from_before_the_merge_still_pass() -> None:
    assert isinstance(_screen("h-bac-tan-uyen", "2023-07-02T23:59:59+07:00"), Accepted)


def test_the_successor_s_figure_before_it_was_formed_is_refused() -> None:
    verdict = _screen(SUCCESSOR, "2023-06-30T17:00:00+07:00")
    assert isinstance(verdict, Refused)
    assert verdict.error_code is DeadLetterErrorCode.SCOPE_NOT_YET_VALID
