"""Freshness targets from the reporting calendar, rather than written by hand.

Every indicator the province scope may be published for gets a freshness target on its
province-wide series: stale once the report of the period after its latest figure is
overdue (the calendar's due moment, `ioc_catalog.calendar`), told to the IOC duty desk.
A freshness target written in `targets.yaml` for the same series takes precedence (one
with its own limit in days, say); a catalog without a duty desk derives none, since
nobody would be told.
"""

from __future__ import annotations

from ioc_catalog.policy import PublishPolicy
from ioc_contracts.catalog import (
    Cadence,
    Catalog,
    Duty,
    EscalationLevel,
    Indicator,
    Target,
    TargetKind,
)
from ioc_contracts.status import Severity

PROVINCE = "province"
_CADENCE_VI = {
    Cadence.DAILY: "hằng ngày",
    Cadence.WEEKLY: "hằng tuần",
    Cadence.MONTHLY: "hằng tháng",
    Cadence.QUARTERLY: "hằng quý",
    Cadence.YEARLY: "hằng năm",
}


def derived_code(indicator: str) -> str:
    return f"fresh.{indicator}.{PROVINCE}"


def calendar_freshness_targets(catalog: Catalog) -> tuple[Target, ...]:
    """The freshness targets the calendar implies and the catalog does not already have."""
    desk = tuple(r.id for r in catalog.recipients if r.duty is Duty.DUTY_DESK)
    if not desk:
        return ()
    policy = PublishPolicy.from_catalog(catalog)
    written = {(t.indicator, t.scope) for t in catalog.targets if t.kind is TargetKind.FRESHNESS}
    codes = {t.code for t in catalog.targets}
    return tuple(
        _target(indicator, desk)
        for indicator in catalog.indicators
        if PROVINCE in policy.scopes_for(indicator.code)
        and (indicator.code, PROVINCE) not in written
        and derived_code(indicator.code) not in codes
    )


def with_calendar_freshness(catalog: Catalog) -> Catalog:
    """`catalog` with the calendar's freshness targets added after its own."""
    derived = calendar_freshness_targets(catalog)
    if not derived:
        return catalog
    return catalog.model_copy(update={"targets": (*catalog.targets, *derived)})


def _target(indicator: Indicator, desk: tuple[str, ...]) -> Target:
    return Target(
        code=derived_code(indicator.code),
        indicator=indicator.code,
        scope=PROVINCE,
        kind=TargetKind.FRESHNESS,
        severity=Severity.WARNING,
        escalation=(EscalationLevel(after_minutes=0, notify=desk),),
        title_vi=_title_vi(indicator),
        title_en=f"{indicator.name_en}: province figure reported on schedule"[:300],
    )


def _title_vi(indicator: Indicator) -> str:
    title = (
        f"{indicator.name_vi}: số liệu toàn tỉnh báo cáo đúng lịch "
        f"({_CADENCE_VI[indicator.cadence]}, hạn {indicator.due_days} ngày sau kỳ báo cáo)"
    )
    return title[:300]
