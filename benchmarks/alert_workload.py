"""The alert pass benchmark's workload: a synthetic catalog at the IOC's scale, every
indicator granted and targeted for all 29 scopes, and figures at every cadence."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from ioc_catalog import generate_catalog
from ioc_contracts.catalog import (
    PROVINCE_CODE,
    Baseline,
    Catalog,
    Indicator,
    PublishGrant,
    ScopeWord,
    Target,
    TargetKind,
    Unit,
)
from ioc_testing.alert_workload import ioc_scopes, synthetic_target

# The pass is judged at this instant: the figures end just before it.
NOW = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
# The columns of `figures`' rows in ioc.figures.
COLUMNS = (
    "indicator", "scope", "observed_at", "value", "agency", "event_id", "received_at",
    "revised_at",
)  # fmt: skip


def workload_catalog(indicators: int, seed: int) -> Catalog:
    """The synthetic catalog, every indicator granted and targeted for all 29 scopes."""
    catalog = generate_catalog(indicators=max(indicators, 27), domains=27, seed=seed)
    grants = (
        PublishGrant(agency=PROVINCE_CODE, scopes=(ScopeWord.PROVINCE,)),
        PublishGrant(agency=ScopeWord.DEPARTMENTS, scopes=(ScopeWord.OWN,)),
        PublishGrant(agency=ScopeWord.DISTRICTS, scopes=(ScopeWord.OWN,)),
    )
    chosen = [i.model_copy(update={"publishers": grants}) for i in catalog.indicators]
    chosen = chosen[:indicators]
    chooser = random.Random(seed)  # noqa: S311 - synthetic targets, not security
    targets = [
        target_for(indicator, number, scope, chooser)
        for number, indicator in enumerate(chosen)
        for scope in ioc_scopes(catalog)
    ]
    domains = {i.domain for i in chosen}
    return catalog.model_copy(
        update={
            "indicators": tuple(chosen),
            "targets": tuple(targets),
            "domains": tuple(d for d in catalog.domains if d.code in domains),
        }
    )


def target_for(indicator: Indicator, number: int, scope: str, chooser: random.Random) -> Target:
    kind, value, deadline, baseline = TargetKind.FRESHNESS, None, None, None
    if indicator.unit is Unit.PERCENT and number % 2 == 0:
        kind, value = TargetKind.DEADLINE, 100.0
        deadline = NOW.date() + timedelta(days=chooser.randint(30, 365))
        baseline = Baseline(value=40.0, at=date(2023, 1, 1))
    elif indicator.unit in (Unit.PERCENT, Unit.SCORE):
        kind, value = TargetKind.FLOOR, float(chooser.randint(50, 95))
    elif indicator.unit is Unit.RANK:
        kind, value = TargetKind.RANK, float(chooser.randint(1, 30))
    return synthetic_target(
        indicator, scope, kind=kind, value=value, deadline=deadline, baseline=baseline
    )


def figures(catalog: Catalog, years: float, seed: int) -> Iterator[tuple[object, ...]]:
    """Every series' figures at its cadence over `years`, a trend with noise."""
    chooser = random.Random(seed)  # noqa: S311 - synthetic figures, not security
    start = NOW - timedelta(days=365.25 * years)
    for indicator in catalog.indicators:
        every = indicator.cadence.interval()
        high = indicator.max_value if indicator.max_value is not None else 100.0
        for scope in ioc_scopes(catalog):
            level, trend = chooser.uniform(0, high), chooser.uniform(-0.001, 0.003) * high
            at, n = NOW - timedelta(hours=1), 0
            while at >= start:
                value = min(max(level + trend * n + chooser.gauss(0, 0.005 * high), 0), high)
                yield (indicator.code, scope, at, value, scope, uuid.uuid4(), at, at)
                at, n = at - every, n + 1
