from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ioc_alerts.messages.context import AlertContext, ChartData, NotificationKind
from ioc_alerts.messages.render import render
from ioc_contracts.catalog import Language, TargetKind, Unit
from ioc_contracts.status import RiskStatus, Severity

MakeContext = Callable[..., AlertContext]


def test_firing_message_in_vietnamese_says_what_for_whom_and_what_to_do(
    make_context: MakeContext,
) -> None:
    message = render(make_context(), Language.VI)

    assert message.subject == (
        "[Cảnh báo · khẩn cấp] Có nguy cơ chậm: Sở TN&MT hoàn thành bộ dữ liệu số"
        " – Sở Tài nguyên và Môi trường"
    )
    lines = message.text.splitlines()
    assert lines[0] == "CẢNH BÁO MỤC TIÊU"
    for line in [
        "Tình trạng: có nguy cơ chậm",
        "Đơn vị / địa bàn: Sở Tài nguyên và Môi trường",
        "Chỉ số: Tỷ lệ thủ tục hành chính được số hóa",
        "Giá trị hiện tại: 36,82%, số liệu lúc 14:05 ngày 30/06/2023 (giờ Việt Nam)",
        "Mục tiêu: 100%, hạn 30/09/2023",
        "Tốc độ cần thiết: +21 điểm %/tháng",
        "Tốc độ thực tế: +2,1 điểm %/tháng",
        "Dự báo đến hạn: 43,2%",
        "Dự kiến đạt mục tiêu: chưa đạt được với tốc độ hiện tại",
        "Biểu đồ: https://grafana.ioc.binhduong.gov.vn/d/targets?var-target=tnmt.dataset-2023",
        "Xác nhận đã nhận cảnh báo: https://ioc.binhduong.gov.vn/alerts/ack/7f3a?token=abc",
    ]:
        assert line in lines
    assert message.footer.startswith("Biểu đồ: ")
    assert message.text.endswith(message.footer)


def test_english_message_carries_the_same_facts(make_context: MakeContext) -> None:
    message = render(make_context(), Language.EN)

    assert message.subject.startswith("[Alert · critical] At risk: DONRE completes")
    assert "Current value: 36.82%, as of 14:05, 30 Jun 2023 (ICT)" in message.text
    assert "Target: 100% by 30 Sep 2023" in message.text
    assert "Actual pace: +2.1 percentage points/month" in message.text
    assert "Acknowledge this alert: https://ioc.binhduong.gov.vn/" in message.text


@pytest.mark.parametrize(
    ("status", "vietnamese", "english"),
    [
        (RiskStatus.ACHIEVED, "đạt mục tiêu", "achieved"),
        (RiskStatus.ON_TRACK, "đúng tiến độ", "on track"),
        (RiskStatus.AT_RISK, "có nguy cơ chậm", "at risk"),
        (RiskStatus.OFF_TRACK, "chậm tiến độ", "off track"),
        (RiskStatus.DETERIORATING, "đang đi xuống", "deteriorating"),
        (RiskStatus.MISSED, "không đạt", "missed"),
        (RiskStatus.STALE, "thiếu số liệu", "no recent data"),
    ],
)
def test_every_status_has_its_words(
    make_context: MakeContext, status: RiskStatus, vietnamese: str, english: str
) -> None:
    context = make_context(status=status)
    assert f"Tình trạng: {vietnamese}" in render(context, Language.VI).text
    assert f"Status: {english}" in render(context, Language.EN).text


def test_resolved_message_shows_the_current_value_and_no_ack_link(
    make_context: MakeContext,
) -> None:
    context = make_context(
        kind=NotificationKind.RESOLVED,
        status=RiskStatus.ON_TRACK,
        previous_status=RiskStatus.AT_RISK,
        current_value=97.35,
        observed_at=datetime(2023, 9, 12, 2, 0, tzinfo=UTC),
    )
    message = render(context, Language.VI)

    assert message.subject.startswith("[Đã hết cảnh báo] Đúng tiến độ: ")
    assert message.text.startswith("ĐÃ HẾT CẢNH BÁO\n")
    assert "Mục tiêu không còn ở tình trạng cảnh báo (trước đó: có nguy cơ chậm)." in message.text
    assert "Giá trị hiện tại: 97,35%, số liệu lúc 09:00 ngày 12/09/2023 (giờ Việt Nam)" in (
        message.text
    )
    assert "36,82" not in message.text
    assert "Xác nhận" not in message.text
    assert "/alerts/ack/" not in message.html


def test_escalation_and_repeat_say_the_alert_is_unacknowledged(
    make_context: MakeContext,
) -> None:
    fired = datetime(2023, 6, 30, 1, 0, tzinfo=UTC)
    escalation = render(
        make_context(kind=NotificationKind.ESCALATION, escalation_level=2, fired_at=fired),
        Language.VI,
    )
    assert escalation.text.startswith("CHUYỂN CẤP 2: CẢNH BÁO CHƯA ĐƯỢC XÁC NHẬN")
    assert escalation.subject.startswith("[Chuyển cấp 2 · khẩn cấp]")
    assert "Cảnh báo từ: 08:00 ngày 30/06/2023 (giờ Việt Nam)" in escalation.text
    repeat = render(make_context(kind=NotificationKind.REPEAT, fired_at=fired), Language.EN)
    assert repeat.text.startswith("REMINDER: ALERT NOT YET ACKNOWLEDGED")


def test_a_stale_series_shows_its_latest_figure_as_such(make_context: MakeContext) -> None:
    text = render(make_context(status=RiskStatus.STALE), Language.VI).text
    assert "Số liệu gần nhất: 36,82%" in text


def test_a_series_without_any_figure_says_so(make_context: MakeContext) -> None:
    text = render(make_context(current_value=None, observed_at=None), Language.VI).text
    assert "Giá trị hiện tại: chưa có số liệu" in text


def test_floor_and_rank_targets_read_naturally(make_context: MakeContext) -> None:
    floor = make_context(target_kind=TargetKind.FLOOR, target_value=95.0, deadline=None)
    assert "Mục tiêu: tối thiểu 95%" in render(floor, Language.VI).text
    rank = make_context(
        target_kind=TargetKind.RANK, unit=Unit.RANK, target_value=10, current_value=35
    )
    assert "Mục tiêu: hạng 10 hoặc cao hơn" in render(rank, Language.VI).text
    assert "Target: rank 10 or better" in render(rank, Language.EN).text


def test_html_escapes_catalog_text(make_context: MakeContext) -> None:
    context = make_context(
        title_vi='Sở <script>alert("x")</script> & "bạn"',
        scope_name_vi="<b>Thủ Dầu Một</b>",
    )
    html = render(context, Language.VI).html

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;bạn&quot;" in html
    assert "<b>Thủ Dầu Một</b>" not in html
    assert "&lt;b&gt;Thủ Dầu Một&lt;/b&gt;" in html


def test_html_links_and_the_inline_chart(make_context: MakeContext) -> None:
    html = render(make_context(), Language.VI).html

    assert '<html lang="vi">' in html
    assert '<img src="cid:chart"' in html
    assert 'href="https://ioc.binhduong.gov.vn/alerts/ack/7f3a?token=abc"' in html
    assert ">Xác nhận đã nhận cảnh báo</a>" in html


def test_no_chart_no_image(make_context: MakeContext) -> None:
    assert "cid:chart" not in render(make_context(chart=ChartData()), Language.VI).html
    assert "cid:chart" not in render(make_context(), Language.VI, with_chart=False).html


def test_a_non_web_link_is_never_clickable(make_context: MakeContext) -> None:
    html = render(make_context(ack_url="javascript:alert(1)"), Language.VI).html
    assert 'href="javascript' not in html


def test_severity_words(make_context: MakeContext) -> None:
    text = render(make_context(severity=Severity.WARNING), Language.VI).text
    assert "Mức độ: cần chú ý" in text


def test_naive_times_are_refused(make_context: MakeContext) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_context(observed_at=datetime(2023, 6, 30, 14, 5))
