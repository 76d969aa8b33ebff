from __future__ import annotations

import struct
import warnings

import pytest

from ioc_alerts.messages.chart import render_chart
from ioc_alerts.messages.context import ChartData
from ioc_contracts.catalog import Language, Unit

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    # The IHDR chunk comes first: width and height as big-endian 32-bit integers.
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize("language", list(Language))
def test_chart_is_a_png_of_sensible_size(chart_data: ChartData, language: Language) -> None:
    png = render_chart(
        chart_data,
        title="Sở Tài nguyên và Môi trường: tỷ lệ thủ tục được số hóa",
        unit=Unit.PERCENT,
        language=language,
    )

    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (720, 360)
    assert 10_000 < len(png) < 500_000


def test_vietnamese_text_needs_no_missing_glyph(chart_data: ChartData) -> None:
    # matplotlib warns for each glyph its font lacks; with DejaVu Sans there is none.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_chart(chart_data, title="Bình Dương: ắ ằ ẳ ẵ ặ ơ ư ợ ữ ỹ đ", unit=Unit.PERCENT)
        with pytest.raises(UserWarning, match="missing from font"):
            render_chart(chart_data, title="漢字", unit=Unit.PERCENT)  # the check can fail


def test_same_chart_same_bytes(chart_data: ChartData) -> None:
    first = render_chart(chart_data, title="Đề án 06", unit=Unit.PERCENT)
    assert render_chart(chart_data, title="Đề án 06", unit=Unit.PERCENT) == first


def test_chart_without_data_still_renders(chart_data: ChartData) -> None:
    png = render_chart(ChartData(), title="Chưa có số liệu", unit=Unit.COUNT)
    assert png.startswith(PNG_SIGNATURE)
    assert png_size(png) == (720, 360)


def test_rank_chart_and_dollar_signs_in_titles(chart_data: ChartData) -> None:
    png = render_chart(chart_data, title="PAR INDEX $ hạng $", unit=Unit.RANK)
    assert png.startswith(PNG_SIGNATURE)
