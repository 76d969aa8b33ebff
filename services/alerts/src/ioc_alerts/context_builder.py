"""Builds what a notification shows from the state stored at sending time.

Built when the message goes out, not when it was decided: a message held back by
quiet hours or a retry shows the newest figures, and a resolved message shows
the current value, never the one that fired.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from ioc_alerts.adapters.catalog import AlertingCatalog
from ioc_alerts.adapters.series import load_series
from ioc_alerts.domain.dates import deadline_instant
from ioc_alerts.evaluator import SERIES_HISTORY
from ioc_alerts.lifecycle.ack_links import ack_url
from ioc_alerts.messages import AlertContext, ChartData, NotificationKind
from ioc_contracts.catalog import TargetKind
from ioc_contracts.status import RiskStatus, Severity
from ioc_contracts.topics import series_key
from ioc_storage.connection import Connection


@dataclass(frozen=True)
class LinkSettings:
    public_base_url: str
    ack_secret: bytes
    grafana_url: str | None
    ack_valid_for: timedelta = timedelta(days=3)
    """How long an acknowledgement link works after the message carrying it is sent."""


async def alert_context(
    connection: Connection,
    *,
    alert_id: uuid.UUID,
    kind: NotificationKind,
    recipient: str | None,
    catalog: AlertingCatalog,
    links: LinkSettings,
    now: datetime,
) -> AlertContext | None:
    alert = await connection.fetchrow("SELECT * FROM ioc.alerts WHERE id = $1", alert_id)
    if alert is None or alert["target"] not in catalog.targets:
        return None
    target = catalog.targets[alert["target"]]
    indicator = catalog.indicators[target.indicator]
    status = await connection.fetchrow(
        "SELECT * FROM ioc.target_status WHERE target = $1", target.code
    )
    figures = (
        await load_series(
            connection, [(target.indicator, target.scope)], since=now - SERIES_HISTORY, until=now
        )
    ).get(series_key(target.indicator, target.scope), [])
    current = status["current_value"] if status else alert["current_value"]
    current_at = status["current_at"] if status else None
    projected = status["projected_value"] if status else None
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
        and alert["state"] == "firing"
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
        status=RiskStatus(status["status"] if status else alert["risk_status"]),
        severity=Severity(alert["severity"]),
        current_value=current,
        observed_at=current_at,
        target_value=target.value,
        deadline=target.deadline,
        target_kind=target.kind,
        required_rate=status["required_rate"] if status else None,
        observed_rate=status["observed_rate"] if status else None,
        projected_value=projected,
        eta=status["eta"] if status else None,
        fired_at=alert["opened_at"],
        escalation_level=alert["escalation_level"],
        grafana_url=(
            f"{links.grafana_url.rstrip('/')}/d/ioc-targets/?var-target={target.code}"
            if links.grafana_url
            else None
        ),
        ack_url=(
            ack_url(
                links.public_base_url,
                links.ack_secret,
                alert_id,
                recipient,
                expires_at=now + links.ack_valid_for,
            )
            if show_ack and recipient
            else None
        ),
        chart=chart,
    )
