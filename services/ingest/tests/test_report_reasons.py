"""Row problems read Vietnamese first; reasons already bilingual are left as they are."""

from __future__ import annotations

import pytest

from ioc_ingest.domain.problems import EventProblem, ProblemKind
from ioc_ingest.domain.report_reasons import vietnamese_first


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (EventProblem(0, "value", "required field is missing"), "thiếu ô bắt buộc / required"),
        (
            EventProblem(0, "scope", "agency 'so-tttt' may publish …", ProblemKind.FORBIDDEN),
            "đơn vị không được phép gửi số liệu này",
        ),
        (
            EventProblem(0, "indicator", "unknown indicator 'x.y': not in the catalog"),
            "chỉ tiêu không có",
        ),
        (
            EventProblem(0, "observed_at", "… lies more than 1 day in the future (…)"),
            "thời điểm quá xa",
        ),
        (
            EventProblem(0, "numerator", "Input should be a valid number"),
            "tử số không hợp lệ / Input",
        ),
        (EventProblem(0, None, "an event must be a JSON object"), "dòng không hợp lệ / an event"),
        (
            EventProblem(0, "colour", "unknown field: IndicatorEvent v1 has no such field"),
            "ô không có trong mẫu sự kiện / unknown field",
        ),
        (
            EventProblem(0, "note", "contains the character U+0000 (NUL), which no …"),
            "ghi chú không hợp lệ: có ký tự NUL (U+0000), không lưu được; hãy bỏ ký tự đó / ",
        ),
    ],
)
def test_english_reasons_are_led_by_vietnamese(problem: EventProblem, expected: str) -> None:
    assert vietnamese_first(problem).reason.startswith(expected)


def test_bilingual_reasons_are_kept() -> None:
    problem = EventProblem(0, "value", "giá trị 150 nằm ngoài khoảng hợp lệ [0, 100] / 150 is …")
    assert vietnamese_first(problem) == problem
