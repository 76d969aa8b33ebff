from __future__ import annotations

import pytest

from ioc_alerts.messages.rendered import RenderedMessage, utf16_length

FOOTER = "Xác nhận đã nhận cảnh báo: https://ioc.example/ack/1"


def message(body: str) -> RenderedMessage:
    return RenderedMessage(subject="s", text=f"{body}\n\n{FOOTER}", html="", footer=FOOTER)


def test_short_text_is_left_alone() -> None:
    assert message("ngắn").shortened(2000) == f"ngắn\n\n{FOOTER}"


def test_long_text_is_cut_with_an_ellipsis_and_keeps_the_links() -> None:
    body = "\n".join(f"Dòng số {n}: tình trạng có nguy cơ chậm" for n in range(200))
    short = message(body).shortened(500)

    assert len(short) <= 500
    assert short.endswith(f"…\n\n{FOOTER}")
    assert short.startswith("Dòng số 0:")


def test_measure_counts_utf16_units_like_telegram() -> None:
    body = "⚠️🚨" * 300  # each emoji is two UTF-16 units
    short = message(body).shortened(300, measure=utf16_length)
    assert utf16_length(short) <= 300
    assert short.endswith(FOOTER)


def test_a_footer_that_is_not_the_end_of_the_text_is_refused() -> None:
    with pytest.raises(ValueError, match="footer"):
        RenderedMessage(subject="s", text="a", html="", footer="b")
