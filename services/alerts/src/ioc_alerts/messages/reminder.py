"""A reporting reminder as an agency reads it: which report, for which period, due when,
and what happens next. Vietnamese first, then the same in English (the agencies' staff
read Vietnamese; the English copy serves advisers and forwarded mail).

Pure: no clock, no I/O; times are shown on Bình Dương's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ioc_alerts.domain.reminders import ReminderStage
from ioc_alerts.messages.formatting import Formats, formats_for
from ioc_alerts.messages.layout import Block, Draft, compose
from ioc_alerts.messages.rendered import RenderedMessage
from ioc_contracts.catalog import Cadence, Language
from ioc_contracts.types import VIETNAM_TIME

_ACCENT = {
    ReminderStage.DUE_SOON: "#0b5cad",
    ReminderStage.OVERDUE: "#b7791f",
    ReminderStage.ESCALATED: "#c53030",
}


@dataclass(frozen=True, slots=True)
class ReminderContext:
    """Everything a reminder shows, gathered when it is sent."""

    stage: ReminderStage
    agency_vi: str
    agency_en: str
    indicator_vi: str
    indicator_en: str
    scope_vi: str
    scope_en: str
    cadence: Cadence
    period_start: datetime
    period_end: datetime
    due_at: datetime
    """The moment the report is due (midnight after the due day)."""
    escalates_at: datetime
    """When the director is told if nothing has come."""
    latest_at: datetime | None
    """The series' newest figure, if it ever reported."""


def render_reminder(context: ReminderContext, language: Language) -> RenderedMessage:
    """The reminder in `language` first, then in the other one."""
    first, second = (
        (Language.VI, Language.EN) if language is Language.VI else (Language.EN, Language.VI)
    )
    draft = Draft(
        language=first,
        subject=_subject(context, first),
        headline=_headline(context.stage, first),
        blocks=(_block(context, first), _block(context, second, heading=True)),
        accent=_ACCENT[context.stage],
        note=f"{_note(first)}\n{_note(second)}",
    )
    return compose(draft)


def period_label(context: ReminderContext, language: Language) -> str:
    start = context.period_start.astimezone(VIETNAM_TIME).date()
    last = (context.period_end.astimezone(VIETNAM_TIME) - timedelta(days=1)).date()
    formats = formats_for(language)
    vi = language is Language.VI
    if context.cadence is Cadence.DAILY:
        return f"{'ngày' if vi else 'day'} {formats.day(start)}"
    if context.cadence is Cadence.WEEKLY:
        return f"{'tuần' if vi else 'week'} {formats.day(start)} – {formats.day(last)}"
    if context.cadence is Cadence.MONTHLY:
        return f"tháng {start.month}/{start.year}" if vi else start.strftime("%B %Y")
    if context.cadence is Cadence.QUARTERLY:
        quarter = (start.month - 1) // 3 + 1
        return f"quý {quarter}/{start.year}" if vi else f"Q{quarter} {start.year}"
    return f"năm {start.year}" if vi else f"year {start.year}"


def _due_day(context: ReminderContext, formats: Formats) -> str:
    """The due day as people say it: the last day to send, not the midnight after it."""
    return formats.day((context.due_at.astimezone(VIETNAM_TIME) - timedelta(seconds=1)).date())


def _subject(context: ReminderContext, language: Language) -> str:
    formats = formats_for(language)
    due = _due_day(context, formats)
    if language is Language.VI:
        tag = {
            ReminderStage.DUE_SOON: "Nhắc hạn báo cáo",
            ReminderStage.OVERDUE: "Quá hạn báo cáo",
            ReminderStage.ESCALATED: "Chuyển cấp – quá hạn báo cáo",
        }[context.stage]
        return (
            f"[IOC] {tag}: {context.indicator_vi} – {context.scope_vi}, "
            f"{period_label(context, language)} (hạn {due})"
        )
    tag = {
        ReminderStage.DUE_SOON: "Report due soon",
        ReminderStage.OVERDUE: "Report overdue",
        ReminderStage.ESCALATED: "Escalated – report overdue",
    }[context.stage]
    return (
        f"[IOC] {tag}: {context.indicator_en} – {context.scope_en}, "
        f"{period_label(context, language)} (due {due})"
    )


def _headline(stage: ReminderStage, language: Language) -> str:
    if language is Language.VI:
        return {
            ReminderStage.DUE_SOON: "NHẮC HẠN GỬI SỐ LIỆU BÁO CÁO",
            ReminderStage.OVERDUE: "SỐ LIỆU BÁO CÁO ĐÃ QUÁ HẠN",
            ReminderStage.ESCALATED: "CHUYỂN CẤP: SỐ LIỆU BÁO CÁO QUÁ HẠN CHƯA GỬI",
        }[stage]
    return {
        ReminderStage.DUE_SOON: "REPORT DUE SOON",
        ReminderStage.OVERDUE: "REPORT OVERDUE",
        ReminderStage.ESCALATED: "ESCALATED: OVERDUE REPORT STILL MISSING",
    }[stage]


def _lead(context: ReminderContext, language: Language) -> str:
    formats = formats_for(language)
    period, due = period_label(context, language), _due_day(context, formats)
    escalates = formats.moment(context.escalates_at)
    if language is Language.VI:
        return {
            ReminderStage.DUE_SOON: (
                f"Số liệu {period} của chỉ tiêu này cần gửi về Trung tâm IOC chậm nhất "
                f"hết ngày {due}."
            ),
            ReminderStage.OVERDUE: (
                f"Đã quá hạn ({due}) nhưng Trung tâm IOC chưa nhận được số liệu {period}. "
                f"Nếu đến {escalates} vẫn chưa có, lãnh đạo đơn vị sẽ được báo."
            ),
            ReminderStage.ESCALATED: (
                f"{context.agency_vi} chưa gửi số liệu {period} dù đã quá hạn ({due}). "
                "Đề nghị lãnh đạo đơn vị chỉ đạo gửi số liệu."
            ),
        }[context.stage]
    return {
        ReminderStage.DUE_SOON: (f"The figure for {period} is due at the IOC by the end of {due}."),
        ReminderStage.OVERDUE: (
            f"The figure for {period} was due by {due} and has not reached the IOC. "
            f"If it is still missing at {escalates}, the agency's head will be told."
        ),
        ReminderStage.ESCALATED: (
            f"{context.agency_en} has not sent the figure for {period}, due by {due}. "
            "Please have it sent."
        ),
    }[context.stage]


def _block(context: ReminderContext, language: Language, *, heading: bool = False) -> Block:
    formats = formats_for(language)
    vi = language is Language.VI
    latest = (
        formats.day(context.latest_at.astimezone(VIETNAM_TIME).date())
        if context.latest_at is not None
        else ("chưa từng gửi" if vi else "never reported")
    )
    rows = (
        ("Đơn vị" if vi else "Agency", context.agency_vi if vi else context.agency_en),
        ("Chỉ tiêu" if vi else "Indicator", context.indicator_vi if vi else context.indicator_en),
        ("Phạm vi" if vi else "Scope", context.scope_vi if vi else context.scope_en),
        ("Kỳ báo cáo" if vi else "Period", period_label(context, language)),
        ("Hạn gửi" if vi else "Due", formats.moment(context.due_at - timedelta(minutes=1))),
        ("Số liệu gần nhất" if vi else "Latest figure", latest),
    )
    title = context.indicator_vi if vi else context.indicator_en
    if heading:
        title = f"{'Tiếng Việt' if vi else 'English'} – {title}"
    return Block(title=title, lead=_lead(context, language), rows=rows)


def _note(language: Language) -> str:
    if language is Language.VI:
        return (
            "Thư tự động của Trung tâm IOC Bình Dương. Khi số liệu của kỳ này đến, "
            "việc nhắc sẽ dừng; không cần trả lời thư này."
        )
    return (
        "An automatic message from the Bình Dương IOC. Reminders stop once the period's "
        "figure arrives; no need to reply."
    )
