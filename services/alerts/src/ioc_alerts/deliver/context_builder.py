"""Builds what a notification shows from the state stored at sending time.

Built when the message goes out, not when it was decided: a message held back by
quiet hours or a retry shows the newest figures, and a resolved message shows
the current value, never the one that fired. Pure: the composer reads the alert, the
status and the figures through the deliver flow's edge and hands them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.adapters.notifications import AlertView, StatusView
from ioc_alerts.domain.dates import deadline_instant
from ioc_alerts.domain.series import Observation
from ioc_alerts.lifecycle.ack_links import ack_url
from ioc_alerts.messages import AlertContext, ChartData, NotificationKind
from ioc_contracts.catalog import TargetKind
from ioc_contracts.status import AlertState


@dataclass(frozen=True)
class LinkSettings:
    public_base_url: str
    ack_secret: bytes
    grafana_url: str | None
    ack_valid_for: timedelta = timedelta(days=3)
    """How long an acknowledgement link works after the message carrying it is sent."""


def alert_context(
    alert: AlertView,
    status: StatusView | None,
    figures: Sequence[Observation],
    *,
    kind: NotificationKind,
    recipient: str | None,
    catalog: AlertingCatalog,
    links: LinkSettings,
    now: datetime,
) -> AlertContext | None:
    """None when the alert's target has left the catalog."""
    target = catalog.targets.get(alert.target)
    if target is None:
        return None
    indicator = catalog.indicators[target.indicator]
    current = status.current_value if status else alert.current_value
    current_at = status.current_at if status else None
    projected = status.projected_value if status else None
    chart = ChartData(
        series=tuple((o.observed_at, o.value) for o in figures),
        target_value=target.value if target.kind is not TargetKind.FRESHNESS else None,
        deadline=target.deadline,
    )
    if target.deadline is not None and current is not None and current_at is not None:
        due = deadline_instant(target.deadline)
        chart = ChartData(
            series=chart.series,
            target_value=chart.target_value,
            deadline=target.deadline,
            required_pace=((current_at, current), (due, target.value or current)),
            projected_path=((current_at, current), (due, projected))
            if projected is not None
            else None,
        )
    scope_vi, scope_en = catalog.scope_names(target.scope)
    show_ack = (
        recipient is not None
        and kind is not NotificationKind.RESOLVED
        and alert.state is AlertState.FIRING
    )
    return AlertContext(
        kind=kind,
        target_code=target.code,
        title_vi=target.title_vi,
        title_en=target.title_en,
        indicator_name_vi=indicator.name_vi,
        indicator_name_en=indicator.name_en,
        unit=indicator.unit,
        scope_code=target.scope,
        scope_name_vi=scope_vi,
        scope_name_en=scope_en,
        status=status.status if status else alert.risk_status,
        severity=alert.severity,
        current_value=current,
        observed_at=current_at,
        target_value=target.value,
        deadline=target.deadline,
        target_kind=target.kind,
        required_rate=status.required_rate if status else None,
        observed_rate=status.observed_rate if status else None,
        projected_value=projected,
        eta=status.eta if status else None,
        fired_at=alert.opened_at,
        escalation_level=alert.escalation_level,
        grafana_url=(
            f"{links.grafana_url.rstrip('/')}/d/ioc-targets/?var-target={target.code}"
            if links.grafana_url
            else None
        ),
        ack_url=(
            ack_url(
                links.public_base_url,
                links.ack_secret,
                alert.id,
                recipient,
                expires_at=now + links.ack_valid_for,
            )
            if show_ack and recipient
            else None
        ),
        chart=chart,
    )
