"""Ingest refuses a figure of a retired scope (422, field `scope`) with the shared rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from ioc_catalog import PublishPolicy
from ioc_catalog.scopes import ScopeHistory
from ioc_ingest.domain.problems import ProblemKind
from ioc_ingest.domain.screening import ScreeningRules, screen_events
from ioc_testing.reorganised import SUCCESSOR, reorganised_catalog

CATALOG = reorganised_catalog()
RULES = ScreeningRules(
    policy=PublishPolicy.from_catalog(CATALOG),
    figures={},
    max_future=timedelta(days=1),
    scopes=ScopeHistory.from_catalog(CATALOG),
)


def _event(scope: str, observed_at: str) -> dict[str, object]:
    return {
        "event_id": str(uuid4()),
        "indicator": "da06.eid-level2-approved",
        "scope": scope,
        "observed_at": observed_at,
        "value": 1200,
    }


def test_a_late_figure_of_a_merged_district_is_refused_naming_its_successor() -> None:
    screening = screen_events(
        [
            _event("h-bac-tan-uyen", "2023-07-05T17:00:00+07:00"),
            _event(SUCCESSOR, "2023-07-05T17:00:00+07:00"),
        ],
        agency="cong-an",
        rules=RULES,
        now=datetime(2023, 7, 10, tzinfo=UTC),
    )
    [problem] = screening.problems
    assert (problem.index, problem.field, problem.kind) == (0, "scope", ProblemKind.INVALID)
    assert "đơn vị kế thừa: Thành phố Tân Uyên (sau sáp nhập huyện Bắc Tân Uyên)" in problem.reason
    assert [event.scope for event in screening.events] == [SUCCESSOR]
