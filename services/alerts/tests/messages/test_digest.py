from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ioc_alerts.messages.context import AlertContext
from ioc_alerts.messages.digest import render_digest
from ioc_contracts.catalog import Language
from ioc_contracts.status import RiskStatus, Severity

MakeContext = Callable[..., AlertContext]
# 23:30 UTC on 30/6 is already 1/7 in Bình Dương.
NOW = datetime(2023, 6, 30, 23, 30, tzinfo=UTC)


def test_digest_lists_the_worst_first_on_the_local_day(make_context: MakeContext) -> None:
    items = [
        make_context(title_vi="Xây dựng: số hóa thủ tục", status=RiskStatus.AT_RISK),
        make_context(title_vi="TN&MT: bộ dữ liệu số", status=RiskStatus.MISSED),
        make_context(
            title_vi="Thuận An: cập nhật số liệu",
            status=RiskStatus.STALE,
            severity=Severity.WARNING,
        ),
    ]
    digest = render_digest(items, Language.VI, NOW)

    assert digest.subject == "[Tổng hợp] 3 mục tiêu cần chú ý – ngày 01/07/2023"
    assert digest.text.startswith("TỔNG HỢP CẢNH BÁO NGÀY 01/07/2023")
    order = [digest.text.index(title) for title in ("TN&MT", "Xây dựng", "Thuận An")]
    assert order == sorted(order)
    assert "Tình trạng: không đạt (khẩn cấp)" in digest.text
    assert digest.text.count("Xác nhận đã nhận cảnh báo: https://") == 3


def test_an_empty_digest_says_there_is_nothing(make_context: MakeContext) -> None:
    digest = render_digest([], Language.EN, NOW)
    assert digest.subject == "[Digest] 0 targets need attention – 1 Jul 2023"
    assert "No target needs attention." in digest.text


def test_digest_html_is_escaped(make_context: MakeContext) -> None:
    digest = render_digest([make_context(title_vi="<script>x</script>")], Language.VI, NOW)
    assert "<script>" not in digest.html
    assert "&lt;script&gt;x&lt;/script&gt;" in digest.html
