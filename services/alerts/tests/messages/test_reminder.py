"""A reporting reminder reads right: Vietnamese first with its diacritics, the same in
English after it, the due day as people say it, periods in Vietnam's calendar."""

from datetime import datetime

import pytest

from ioc_alerts.domain.reminders import ReminderStage
from ioc_alerts.messages.reminder import ReminderContext, period_label, render_reminder
from ioc_contracts.catalog import Cadence, Language
from ioc_contracts.types import VIETNAM_TIME


def _context(
    stage: ReminderStage, cadence: Cadence = Cadence.MONTHLY, **dates: datetime
) -> ReminderContext:
    return ReminderContext(
        stage=stage,
        agency_vi="Sở Xây dựng",
        agency_en="Department of Construction",
        indicator_vi="Tỷ lệ hoàn thành cơ sở dữ liệu số",
        indicator_en="Digital data set completion",
        scope_vi="Sở Xây dựng",
        scope_en="Department of Construction",
        cadence=cadence,
        period_start=dates.get("start", datetime(2023, 6, 1, tzinfo=VIETNAM_TIME)),
        period_end=dates.get("end", datetime(2023, 7, 1, tzinfo=VIETNAM_TIME)),
        due_at=datetime(2023, 7, 6, tzinfo=VIETNAM_TIME),
        escalates_at=datetime(2023, 7, 8, tzinfo=VIETNAM_TIME),
        latest_at=datetime(2023, 5, 31, 17, tzinfo=VIETNAM_TIME),
    )


def test_vietnamese_first_then_english() -> None:
    message = render_reminder(_context(ReminderStage.DUE_SOON), Language.VI)
    assert message.subject == (
        "[IOC] Nhắc hạn báo cáo: Tỷ lệ hoàn thành cơ sở dữ liệu số – Sở Xây dựng, "
        "tháng 6/2023 (hạn 05/07/2023)"
    )
    text = message.text
    assert text.startswith("NHẮC HẠN GỬI SỐ LIỆU BÁO CÁO")
    assert "chậm nhất hết ngày 05/07/2023" in text
    assert "Số liệu gần nhất: 31/05/2023" in text
    assert text.index("Hạn gửi: 23:59 ngày 05/07/2023 (giờ Việt Nam)") < text.index(
        "Due: 23:59, 5 Jul 2023 (ICT)"
    )
    assert '<html lang="vi">' in message.html


def test_an_english_reader_gets_english_first() -> None:
    message = render_reminder(_context(ReminderStage.ESCALATED), Language.EN)
    assert message.subject.startswith("[IOC] Escalated – report overdue: ")
    assert message.text.index("Please have it sent") < message.text.index("Đề nghị lãnh đạo")


def test_the_overdue_notice_says_when_the_director_is_told() -> None:
    text = render_reminder(_context(ReminderStage.OVERDUE), Language.VI).text
    assert "Nếu đến 00:00 ngày 08/07/2023 (giờ Việt Nam) vẫn chưa có" in text


@pytest.mark.parametrize(
    ("cadence", "start", "end", "vi", "en"),
    [
        (
            Cadence.WEEKLY,
            (2023, 6, 26),
            (2023, 7, 3),
            "tuần 26/06/2023 – 02/07/2023",
            "week 26 Jun 2023 – 2 Jul 2023",
        ),
        (Cadence.QUARTERLY, (2023, 4, 1), (2023, 7, 1), "quý 2/2023", "Q2 2023"),
        (Cadence.YEARLY, (2023, 1, 1), (2024, 1, 1), "năm 2023", "year 2023"),
    ],
)
def test_periods(
    cadence: Cadence,
    start: tuple[int, int, int],
    end: tuple[int, int, int],
    vi: str,
    en: str,
) -> None:
    context = _context(
        ReminderStage.DUE_SOON,
        cadence,
        start=datetime(*start, tzinfo=VIETNAM_TIME),
        end=datetime(*end, tzinfo=VIETNAM_TIME),
    )
    assert period_label(context, Language.VI) == vi
    assert period_label(context, Language.EN) == en
