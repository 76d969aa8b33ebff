"""Catalog entries and series for the domain tests, built with the real catalog models.

Factories are fixtures (session-scoped, so hypothesis tests may use them) because
tests here are imported by path and cannot import a shared helper module; tests
annotate them as `Callable[..., Indicator]` and the like.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from ioc_alerts.domain import Observation
from ioc_contracts.catalog import (
    Baseline,
    Cadence,
    Direction,
    Indicator,
    PublishGrant,
    Rollup,
    Target,
    TargetKind,
    Unit,
)
from ioc_contracts.status import Severity

MakeIndicator = Callable[..., Indicator]
MakeTarget = Callable[..., Target]
MakeLine = Callable[..., list[Observation]]


@pytest.fixture(scope="session")
def make_indicator() -> MakeIndicator:
    def make(
        *,
        code: str = "test.rate",
        unit: Unit = Unit.PERCENT,
        direction: Direction = Direction.HIGHER_IS_BETTER,
        cadence: Cadence = Cadence.WEEKLY,
        max_value: float | None = None,
    ) -> Indicator:
        return Indicator(
            code=code,
            name_vi="Chỉ số thử nghiệm",
            name_en="Test indicator",
            domain="thu-nghiem",
            unit=unit,
            direction=direction,
            cadence=cadence,
            rollup=Rollup.LAST,
            publishers=(PublishGrant(agency="province", scopes=("province",)),),
            max_value=max_value,
        )

    return make


@pytest.fixture(scope="session")
def make_target() -> MakeTarget:
    def make(
        kind: TargetKind,
        value: float | None,
        *,
        indicator: Indicator,
        deadline: date | None = None,
        baseline: tuple[float, date] | None = None,
        code: str = "test.target",
    ) -> Target:
        return Target(
            code=code,
            indicator=indicator.code,
            scope="province",
            kind=kind,
            value=value,
            deadline=deadline,
            baseline=None if baseline is None else Baseline(value=baseline[0], at=baseline[1]),
            severity=Severity.WARNING,
            title_vi="Chỉ tiêu thử nghiệm",
            title_en="Test target",
        )

    return make


@pytest.fixture(scope="session")
def make_line() -> MakeLine:
    """`count` figures `every` apart from `start`, changing `per_day` units a day."""

    def make(
        start: datetime, first: float, *, per_day: float, every: timedelta, count: int
    ) -> list[Observation]:
        step_days = every / timedelta(days=1)
        return [
            Observation(start + index * every, first + per_day * step_days * index)
            for index in range(count)
        ]

    return make
