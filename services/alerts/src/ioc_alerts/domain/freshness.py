"""When a series has gone quiet: the stale rule every target shares, and freshness targets."""

from __future__ import annotations

from datetime import datetime, timedelta

from ioc_alerts.domain import wording
from ioc_alerts.domain.assessment import Assessment
from ioc_alerts.domain.dates import days_between
from ioc_alerts.domain.series import Series
from ioc_catalog.calendar import period_containing
from ioc_contracts.catalog import Indicator, Language, Target
from ioc_contracts.status import RiskStatus

# `observed_at` is when a figure was true, and agencies report after the period
# closes: May's monthly figure (dated 31/5) arrives in early June. A quarter of the
# cadence on top of its longest period (a monthly series: 31 + 7.75 days) absorbs that
# lag without letting a missed report go unnoticed for a second period.
STALE_GRACE = 0.25


def stale_after(indicator: Indicator) -> timedelta:
    """Age of the latest figure beyond which the series counts as silent."""
    return indicator.cadence.interval() * (1 + STALE_GRACE)


def freshness_limit(
    target: Target, indicator: Indicator, latest_at: datetime | None = None
) -> timedelta:
    """A freshness target's own limit in days, exact as written; else the reporting
    calendar's (see `calendar_limit`) once the series has a figure."""
    if target.value is not None:
        return timedelta(days=target.value)
    if latest_at is None:
        return stale_after(indicator)
    return calendar_limit(indicator, latest_at)


def calendar_limit(indicator: Indicator, latest_at: datetime) -> timedelta:
    """From the latest figure to the moment the next period's report is overdue: a
    figure dated in May keeps a monthly series fresh until June's report is due (24:00
    on 5 July), in Vietnam's calendar."""
    period = period_containing(indicator.cadence, indicator.due_days, latest_at)
    following = period_containing(indicator.cadence, indicator.due_days, period.end)
    return following.due_at - latest_at


def stale_or_none(
    indicator: Indicator, series: Series, *, now: datetime, limit: timedelta
) -> Assessment | None:
    """A stale assessment when nothing arrived within `limit`; None when the series is live."""
    latest = series.latest
    if latest is None:
        return Assessment(
            status=RiskStatus.STALE,
            reason_vi="Chưa có số liệu nào được báo cáo.",
            reason_en="No figure has been reported yet.",
        )
    if now - latest.observed_at <= limit:
        return None
    age = days_between(latest.observed_at, now)
    limit_days = limit / timedelta(days=1)
    vi, en = Language.VI, Language.EN
    return Assessment(
        status=RiskStatus.STALE,
        reason_vi=(
            f"Không có số liệu mới từ {wording.day(latest.observed_at, vi)} "
            f"({wording.whole_days(age, vi)}); chỉ số báo cáo "
            f"{wording.cadence(indicator.cadence, vi)}, đã quá hạn cập nhật "
            f"{wording.number(limit_days, vi)} ngày."
        ),
        reason_en=(
            f"No new figure since {wording.day(latest.observed_at, en)} "
            f"({wording.whole_days(age, en)}); reported "
            f"{wording.cadence(indicator.cadence, en)}, past the "
            f"{wording.number(limit_days, en)}-day limit."
        ),
        current_value=latest.value,
        current_at=latest.observed_at,
    )


def assess_freshness(
    target: Target, indicator: Indicator, series: Series, *, now: datetime
) -> Assessment:
    """On track while the latest figure is within the limit, stale after it."""
    latest_at = series.latest.observed_at if series.latest is not None else None
    limit = freshness_limit(target, indicator, latest_at)
    stale = stale_or_none(indicator, series, now=now, limit=limit)
    if stale is not None:
        return stale
    latest = series.latest
    assert latest is not None  # a series with no figure is stale
    age = days_between(latest.observed_at, now)
    vi, en = Language.VI, Language.EN
    limit_days = limit / timedelta(days=1)
    return Assessment(
        status=RiskStatus.ON_TRACK,
        reason_vi=(
            f"Số liệu cập nhật ngày {wording.day(latest.observed_at, vi)} "
            f"({wording.whole_days(age, vi)} trước), trong hạn "
            f"{wording.number(limit_days, vi)} ngày."
        ),
        reason_en=(
            f"Last figure on {wording.day(latest.observed_at, en)} "
            f"({wording.whole_days(age, en)} ago), within the "
            f"{wording.number(limit_days, en)}-day limit."
        ),
        current_value=latest.value,
        current_at=latest.observed_at,
    )
