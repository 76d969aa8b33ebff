"""The demo's 2023: the seed report's figures plus the weekly and daily figures that
agencies would have sent between them, so that the targets the report says are
behind fall behind on screen, and a dip in the on-time rate fires and resolves.

Deterministic: the same scenario every run, so a demo can be explained in advance.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ioc_catalog import load_catalog
from ioc_catalog.seed import seed_figures
from ioc_contracts import IndicatorEvent
from ioc_contracts.catalog import AgencyKind
from ioc_contracts.types import VIETNAM_TIME

START = date(2023, 3, 1)
END = date(2023, 12, 31)
_NAMESPACE = uuid.UUID("0d2c7f7e-4e36-4a7f-9b1f-5a8d1b2023de")
# The two departments the Chairman asked to digitise fastest: in the demo they lag.
LAGGING_DEPARTMENTS = ("so-tnmt", "so-xd")


@dataclass(frozen=True, slots=True)
class Figure:
    agency: str
    indicator: str
    scope: str
    day: date
    value: float

    @property
    def observed_at(self) -> datetime:
        return datetime.combine(self.day, time(17, 0), tzinfo=VIETNAM_TIME)

    def event(self) -> IndicatorEvent:
        key = f"{self.indicator}|{self.scope}|{self.day.isoformat()}"
        return IndicatorEvent(
            event_id=uuid.uuid5(_NAMESPACE, key),
            agency=self.agency,
            indicator=self.indicator,
            scope=self.scope,
            observed_at=self.observed_at,
            value=round(self.value, 2),
            source="Kịch bản trình diễn IOC Bình Dương 2023",
        )


def _days(first: date, last: date, step: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(0, (last - first).days + 1, step)]


def _dataset_completion() -> list[Figure]:
    departments = [a.code for a in load_catalog().agencies_of(AgencyKind.DEPARTMENT)]
    figures = []
    for index, department in enumerate(departments):
        lagging = department in LAGGING_DEPARTMENTS
        start = 30.0 if lagging else 40.0 + (index * 7) % 20
        # Most departments finish between mid-May and late June; the two laggards
        # add 2.5 points a week and are far from 100% on 30/6.
        finish = date(2023, 5, 15) + timedelta(days=(index * 5) % 40)
        weeks_to_finish = max(1, (finish - START).days / 7)
        weekly = 2.5 if lagging else (100.0 - start) / weeks_to_finish
        for week, day in enumerate(_days(START, date(2023, 7, 31), 7)):
            value = min(100.0, start + weekly * week)
            figures.append(Figure("so-tttt", "cds.dataset-completion-rate", department, day, value))
    return figures


def _paperless() -> list[Figure]:
    # Phase 1 starts at the report's 37% on 1/6 and climbs 0.6 points a week: the
    # pace the report worries about, far below what 100% by 30/9 needs.
    return [
        Figure("vp-ubnd", "dvc.paperless-rate", "province", day, 37.0 + 0.6 * week)
        for week, day in enumerate(_days(date(2023, 6, 1), END, 7))
    ]


def _e_id_activation() -> list[Figure]:
    return [
        Figure("cong-an", "da06.eid-activated-rate", "province", day, 17.2 + 0.45 * week)
        for week, day in enumerate(_days(date(2023, 3, 23), END, 7))
    ]


def _on_time_rate() -> list[Figure]:
    figures = []
    for n, day in enumerate(_days(START, END, 1)):
        value = 96.8 + 0.3 * math.sin(n / 5)
        if date(2023, 8, 7) <= day <= date(2023, 8, 20):
            value = 93.4 + 0.3 * math.sin(n)  # a fortnight below the 95% floor
        figures.append(Figure("vp-ubnd", "dvc.ontime-rate", "province", day, value))
    return figures


# The five groups of Decision 766 and their points out of 100.
SERVICE_INDEX_GROUPS = {
    "transparency": 18.0,
    "progress": 20.0,
    "digitisation": 22.0,
    "online-service": 22.0,
    "satisfaction": 18.0,
}


def _service_index() -> list[Figure]:
    # The office publishes the five group scores and the total; the derived-indicator
    # service computes the total from the groups, so the dashboards show it with its parts.
    figures = []
    for n, day in enumerate(_days(START, END, 1)):
        total = 78.0 + 0.03 * n
        figures.append(Figure("vp-ubnd", "service-index.total", "province", day, total))
        scores = {g: round(total * points / 100, 2) for g, points in SERVICE_INDEX_GROUPS.items()}
        scores["satisfaction"] = round(total - sum(scores.values()) + scores["satisfaction"], 2)
        figures += [
            Figure("vp-ubnd", f"service-index.{group}", "province", day, score)
            for group, score in scores.items()
        ]
    return figures


def scenario() -> list[IndicatorEvent]:
    """Every event of the demo year, oldest first."""
    events = [figure.event() for figure in seed_figures()]
    for figure in (
        *_dataset_completion(),
        *_paperless(),
        *_e_id_activation(),
        *_on_time_rate(),
        *_service_index(),
    ):
        events.append(figure.event())
    return sorted(events, key=lambda event: (event.observed_at, event.indicator, event.scope))
