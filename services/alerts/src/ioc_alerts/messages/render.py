"""Turn an `AlertContext` into a message a leader reads: what is at risk, for whom,
where it stands, what it needs, and what to do (open the chart, acknowledge).

Pure: no clock, no I/O. Vietnamese is the default language of the catalog's
recipients; English is the same content in other words.
"""

from __future__ import annotations

from ioc_alerts.messages.context import AlertContext, NotificationKind
from ioc_alerts.messages.digest import render_digest
from ioc_alerts.messages.formatting import Formats, formats_for
from ioc_alerts.messages.layout import Block, Draft, Link, compose
from ioc_alerts.messages.phrases import (
    RESOLVED_ACCENT,
    current,
    goal,
    indicator_name,
    scope_name,
    severity_accent,
    title,
)
from ioc_alerts.messages.rendered import RenderedMessage
from ioc_alerts.messages.wording import Wording, wording_for
from ioc_contracts.catalog import Language
from ioc_contracts.status import RiskStatus

__all__ = ["render", "render_digest"]

_REMINDERS = frozenset({NotificationKind.REPEAT, NotificationKind.ESCALATION})


def render(
    context: AlertContext, language: Language, *, with_chart: bool | None = None
) -> RenderedMessage:
    """The message for one alert notification.

    `with_chart` says whether a chart image goes with the message (the HTML then
    shows it as `cid:chart`); by default, whenever the context has a series to draw.
    """
    if context.kind is NotificationKind.DIGEST:
        raise ValueError("a digest is rendered with render_digest")
    words, formats = wording_for(language), formats_for(language)
    chart = (not context.chart.is_empty) if with_chart is None else with_chart
    resolved = context.kind is NotificationKind.RESOLVED
    draft = Draft(
        language=language,
        subject=_subject(context, words, language),
        headline=words.headline[context.kind].format(level=context.escalation_level),
        blocks=(
            Block(
                title=title(context, language),
                lead=_lead(context, words),
                rows=tuple(_rows(context, words, formats)),
            ),
        ),
        footer_links=tuple(_links(context, words)),
        chart_alt=words.chart_alt if chart else None,
        accent=RESOLVED_ACCENT if resolved else severity_accent(context.severity),
    )
    return compose(draft)


def _subject(context: AlertContext, words: Wording, language: Language) -> str:
    tag = words.subject_tag[context.kind].format(level=context.escalation_level)
    if context.kind is not NotificationKind.RESOLVED:
        tag = f"{tag} · {words.severity[context.severity]}"
    status = words.status[context.status]
    return (
        f"[{tag}] {status[:1].upper()}{status[1:]}: "
        f"{title(context, language)} – {scope_name(context, language)}"
    )


def _lead(context: AlertContext, words: Wording) -> str | None:
    previous = words.status[context.previous_status] if context.previous_status else None
    if context.kind is NotificationKind.RESOLVED:
        if previous is None:
            return words.resolved_lead
        return words.resolved_lead_from.format(previous=previous)
    if context.kind is NotificationKind.CHANGED and previous is not None:
        return words.changed_lead.format(previous=previous, status=words.status[context.status])
    return None


def _rows(context: AlertContext, words: Wording, formats: Formats) -> list[tuple[str, str]]:
    language = formats.language
    current_label = words.label_latest if context.status is RiskStatus.STALE else None
    rows = [
        (words.label_status, words.status[context.status]),
        (words.label_scope, scope_name(context, language)),
        (words.label_indicator, indicator_name(context, language)),
        (current_label or words.label_current, current(context, words, formats)),
    ]
    target = goal(context, words, formats)
    if target is not None:
        rows.append((words.label_goal, target))
    if context.kind is not NotificationKind.RESOLVED:
        rows.append((words.label_severity, words.severity[context.severity]))
    if context.required_rate is not None:
        rows.append((words.label_required_pace, formats.pace(context.required_rate, context.unit)))
    if context.observed_rate is not None:
        rows.append((words.label_observed_pace, formats.pace(context.observed_rate, context.unit)))
    if context.projected_value is not None:
        projected = formats.quantity(context.projected_value, context.unit)
        rows.append((words.label_projected, projected))
    if context.eta is not None:
        rows.append((words.label_eta, formats.day(context.eta)))
    elif context.observed_rate is not None and context.status is not RiskStatus.ACHIEVED:
        rows.append((words.label_eta, words.eta_never))
    if context.fired_at is not None and context.kind in _REMINDERS:
        rows.append((words.label_fired_at, formats.moment(context.fired_at)))
    return rows


def _links(context: AlertContext, words: Wording) -> list[Link]:
    links = []
    if context.grafana_url:
        links.append(Link(words.link_chart, context.grafana_url))
    # A resolved alert has nothing left to acknowledge.
    if context.ack_url and context.kind is not NotificationKind.RESOLVED:
        links.append(Link(words.link_ack, context.ack_url, primary=True))
    return links
