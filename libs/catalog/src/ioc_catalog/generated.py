"""A synthetic catalog at the IOC's real scale (1,000+ indicators in 27 domains).

Built on the real agencies and recipients, so permission and alert-routing code is
exercised with real agency codes; deterministic, so a failing scale test reproduces.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import cycle, islice

from ioc_catalog.loader import load_catalog
from ioc_contracts.catalog import (
    PROVINCE_CODE,
    AgencyKind,
    Baseline,
    Cadence,
    Catalog,
    Direction,
    Domain,
    EscalationLevel,
    Indicator,
    PublishGrant,
    Rollup,
    ScopeWord,
    Target,
    TargetKind,
    Unit,
)
from ioc_contracts.status import Severity

_UNITS = (Unit.PERCENT, Unit.COUNT, Unit.SCORE, Unit.RANK, Unit.RATIO, Unit.VND)
_CADENCES = tuple(Cadence)
_ROLLUP_BY_UNIT = {Unit.COUNT: Rollup.SUM, Unit.VND: Rollup.SUM, Unit.RATIO: Rollup.MEAN}


def generate_catalog(
    indicators: int = 1000,
    domains: int = 27,
    *,
    targets: int | None = None,
    seed: int = 2023,
    base: Catalog | None = None,
) -> Catalog:
    """A valid catalog of `indicators` indicators spread evenly over `domains` domains.

    Agencies and recipients come from `base` (the shipped Bình Dương catalog by
    default); `targets` defaults to one per ten indicators.
    """
    if indicators < domains or domains < 1:
        raise ValueError("need at least one domain and one indicator per domain")
    real = load_catalog() if base is None else base
    chooser = random.Random(seed)  # noqa: S311 - test data, not security
    domain_list = tuple(_domain(number) for number in range(1, domains + 1))
    indicator_list = tuple(
        _indicator(number, domain_list[number % domains], real, chooser)
        for number in range(indicators)
    )
    target_count = indicators // 10 if targets is None else targets
    recipients = tuple(recipient.id for recipient in real.recipients)
    target_list = tuple(
        _target(number, indicator, real, recipients, chooser)
        for number, indicator in enumerate(islice(cycle(indicator_list), target_count))
    )
    return Catalog(
        domains=domain_list,
        indicators=indicator_list,
        agencies=real.agencies,
        targets=target_list,
        recipients=real.recipients,
    )


def _domain(number: int) -> Domain:
    return Domain(
        code=f"gen-domain-{number:02d}",
        name_vi=f"Lĩnh vực tổng hợp số {number}",
        name_en=f"Synthetic domain {number}",
    )


def _indicator(number: int, domain: Domain, real: Catalog, chooser: random.Random) -> Indicator:
    unit = _UNITS[number % len(_UNITS)]
    departments = real.agencies_of(AgencyKind.DEPARTMENT)
    owner = chooser.choice(departments).code if departments else PROVINCE_CODE
    # Every synthetic indicator can be published for the province by one owner; half
    # are also reported by each department and district for itself, like the one-stop
    # figures of the real catalog.
    grants = [PublishGrant(agency=owner, scopes=(ScopeWord.PROVINCE, ScopeWord.DISTRICTS))]
    if number % 2 == 0:
        grants.append(PublishGrant(agency=ScopeWord.DEPARTMENTS, scopes=(ScopeWord.OWN,)))
        grants.append(PublishGrant(agency=ScopeWord.DISTRICTS, scopes=(ScopeWord.OWN,)))
    return Indicator(
        code=f"gen.{domain.code.removeprefix('gen-domain-')}.i{number:04d}",
        name_vi=f"Chỉ số tổng hợp số {number}",
        name_en=f"Synthetic indicator {number}",
        domain=domain.code,
        unit=unit,
        direction=Direction.LOWER_IS_BETTER if unit is Unit.RANK else Direction.HIGHER_IS_BETTER,
        cadence=_CADENCES[number % len(_CADENCES)],
        rollup=_ROLLUP_BY_UNIT.get(unit, Rollup.LAST),
        publishers=tuple(grants),
        max_value=63 if unit is Unit.RANK else None,
    )


def _target(
    number: int,
    indicator: Indicator,
    real: Catalog,
    recipients: tuple[str, ...],
    chooser: random.Random,
) -> Target:
    kind, value = _kind_and_value(indicator, chooser)
    scope = PROVINCE_CODE
    districts = real.agencies_of(AgencyKind.DISTRICT)
    if number % 3 == 1 and districts:
        scope = chooser.choice(districts).code
    deadline = date(2023, 6, 30) + timedelta(days=30 * (number % 12))
    escalation: tuple[EscalationLevel, ...] = ()
    if recipients:
        escalation = (EscalationLevel(after_minutes=0, notify=(chooser.choice(recipients),)),)
    return Target(
        code=f"gen.t{number:04d}",
        indicator=indicator.code,
        scope=scope,
        kind=kind,
        value=value,
        deadline=deadline if kind is TargetKind.DEADLINE else None,
        baseline=Baseline(value=40.0, at=date(2023, 1, 1)) if kind is TargetKind.DEADLINE else None,
        severity=tuple(Severity)[number % len(Severity)],
        escalation=escalation,
        title_vi=f"Chỉ tiêu tổng hợp số {number}",
        title_en=f"Synthetic target {number}",
    )


def _kind_and_value(
    indicator: Indicator, chooser: random.Random
) -> tuple[TargetKind, float | None]:
    if indicator.unit is Unit.PERCENT:
        if chooser.random() < 0.5:
            return TargetKind.DEADLINE, 100.0
        return TargetKind.FLOOR, float(chooser.randint(80, 99))
    if indicator.unit is Unit.RANK:
        return TargetKind.RANK, float(chooser.randint(1, 30))
    if indicator.unit is Unit.SCORE:
        return TargetKind.FLOOR, float(chooser.randint(50, 90))
    return TargetKind.FRESHNESS, None
