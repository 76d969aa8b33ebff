"""The daily digest: one message per leader listing every target that needs attention.

Leaders asked for fewer messages, not fewer facts: the digest carries the same
status, figure and goal as the single alert, worst first, each with its links.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ioc_alerts.messages.context import AlertContext, NotificationKind
from ioc_alerts.messages.formatting import formats_for
from ioc_alerts.messages.layout import Block, Draft, Link, compose
from ioc_alerts.messages.phrases import current, goal, scope_name, severity_accent, title
from ioc_alerts.messages.rendered import RenderedMessage
from ioc_alerts.messages.wording import Wording, wording_for
from ioc_contracts.catalog import Language
from ioc_contracts.status import RiskStatus, Severity
from ioc_contracts.types import VIETNAM_TIME

# Worst first: a missed deadline outranks a slow one, and unknown (stale) comes after
# the statuses that are known to be bad.
_STATUS_ORDER = {
    RiskStatus.MISSED: 0,
    RiskStatus.DETERIORATING: 1,
    RiskStatus.OFF_TRACK: 2,
    RiskStatus.AT_RISK: 3,
    RiskStatus.STALE: 4,
    RiskStatus.ON_TRACK: 5,
    RiskStatus.ACHIEVED: 6,
    RiskStatus.SCOPE_RETIRED: 7,
}
_SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


def render_digest(
    items: Sequence[AlertContext], language: Language, now: datetime
) -> RenderedMessage:
    """The digest for `now`'s day in Bình Dương; an empty list says there is nothing."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    words, formats = wording_for(language), formats_for(language)
    day = formats.day(now.astimezone(VIETNAM_TIME).date())
    ordered = sorted(
        items,
        key=lambda item: (
            _SEVERITY_ORDER[item.severity],
            _STATUS_ORDER[item.status],
            title(item, language),
        ),
    )
    worst = ordered[0].severity if ordered else Severity.INFO
    draft = Draft(
        language=language,
        subject=words.digest_subject.format(count=len(ordered), day=day),
        headline=words.digest_headline.format(day=day),
        blocks=tuple(_block(item, words, language) for item in ordered),
        accent=severity_accent(worst),
        note=None if ordered else words.digest_empty,
    )
    return compose(draft)


def _block(item: AlertContext, words: Wording, language: Language) -> Block:
    formats = formats_for(language)
    rows = [
        (words.label_status, f"{words.status[item.status]} ({words.severity[item.severity]})"),
        (words.label_current, current(item, words, formats)),
    ]
    target = goal(item, words, formats)
    if target is not None:
        rows.append((words.label_goal, target))
    if item.projected_value is not None:
        rows.append((words.label_projected, formats.quantity(item.projected_value, item.unit)))
    links = []
    if item.grafana_url:
        links.append(Link(words.link_chart, item.grafana_url))
    if item.ack_url and item.kind is not NotificationKind.RESOLVED:
        links.append(Link(words.link_ack, item.ack_url))
    return Block(
        title=f"{title(item, language)} – {scope_name(item, language)}",
        rows=tuple(rows),
        links=tuple(links),
    )
