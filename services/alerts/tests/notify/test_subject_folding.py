"""Long Vietnamese subjects arrive exactly as written, spaces included."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ioc_alerts.messages.rendered import RenderedMessage
from ioc_alerts.notify.delivery import OutgoingMessage
from ioc_alerts.notify.smtp import SmtpSettings, build_email, wire_bytes
from ioc_contracts.catalog import Recipient

WORDS = st.sampled_from(
    [
        "Sở",
        "Tài",
        "nguyên",
        "và",
        "Môi",
        "trường",
        "hoàn",
        "thành",
        "bộ",
        "dữ",
        "liệu",
        "số",
        "trước",
        "30/6/2023",
        "–",
        "Ủy",
        "ban",
        "nhân",
        "dân",
        "tỉnh",
        "Bình",
        "Dương",
        "[Cảnh",
        "báo",
        "·",
        "khẩn",
        "cấp]",
        "Chậm",
        "tiến",
        "độ:",
    ]
)


def _subject_after_the_wire(subject: str) -> str:
    message = OutgoingMessage(RenderedMessage(subject, "nội dung", "<p>nội dung</p>"), "n-1")
    built = build_email(
        Recipient(id="chu-tich", name="Võ Văn Minh", role_vi="Chủ tịch", email="ct@ubnd.example"),
        message,
        SmtpSettings(host="127.0.0.1", starttls=False, from_address="ioc@binhduong.example"),
        now=datetime(2023, 7, 1, tzinfo=UTC),
    )
    parsed = email.message_from_bytes(wire_bytes(built), policy=email.policy.default)
    return str(parsed["Subject"])


def test_the_subject_that_lost_a_space_arrives_whole() -> None:
    subject = (
        "[Cảnh báo · cần chú ý] Thiếu số liệu: Sở TN&MT báo cáo tiến độ bộ dữ liệu số "
        "hằng tuần – Sở Tài nguyên và Môi trường"
    )
    assert _subject_after_the_wire(subject) == subject


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=5, max_size=40))
def test_any_vietnamese_subject_survives_folding(words: list[str]) -> None:
    subject = " ".join(words)
    assert _subject_after_the_wire(subject) == subject
