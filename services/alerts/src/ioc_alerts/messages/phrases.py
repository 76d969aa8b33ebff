"""Phrases about one alert that both the single message and the digest use."""

from __future__ import annotations

from ioc_alerts.messages.context import AlertContext
from ioc_alerts.messages.formatting import Formats
from ioc_alerts.messages.wording import Wording
from ioc_contracts.catalog import Language, TargetKind
from ioc_contracts.status import Severity

_ACCENTS = {Severity.INFO: "#0b5cad", Severity.WARNING: "#b45309", Severity.CRITICAL: "#b91c1c"}
RESOLVED_ACCENT = "#047857"


def severity_accent(severity: Severity) -> str:
    """Colour of the headline in HTML, so the loudest alerts stand out in an inbox."""
    return _ACCENTS[severity]


def title(context: AlertContext, language: Language) -> str:
    return context.title_vi if language is Language.VI else context.title_en


def scope_name(context: AlertContext, language: Language) -> str:
    return context.scope_name_vi if language is Language.VI else context.scope_name_en


def indicator_name(context: AlertContext, language: Language) -> str:
    return context.indicator_name_vi if language is Language.VI else context.indicator_name_en


def goal(context: AlertContext, words: Wording, formats: Formats) -> str | None:
    """How the target reads: "100%, hạn 30/06/2023", "tối thiểu 95%"."""
    if context.target_kind is TargetKind.FRESHNESS:
        return words.target_phrase[TargetKind.FRESHNESS]
    if context.target_value is None:
        return None
    value = formats.quantity(context.target_value, context.unit)
    if context.target_kind is TargetKind.DEADLINE and context.deadline is None:
        return value
    deadline = formats.day(context.deadline) if context.deadline else ""
    return words.target_phrase[context.target_kind].format(value=value, deadline=deadline)


def current(context: AlertContext, words: Wording, formats: Formats) -> str:
    """The current figure and when it was true, or "no data yet"."""
    if context.current_value is None:
        return words.no_data
    value = formats.quantity(context.current_value, context.unit)
    if context.observed_at is None:
        return value
    return f"{value}, {words.observed_when.format(moment=formats.moment(context.observed_at))}"
