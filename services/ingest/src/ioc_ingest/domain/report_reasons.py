"""Problems of an event or a report's row, Vietnamese first, for whoever sends them.

The screening reasons are written for an agency's developer, some in English only; an
agency's staff read them too (a data officer fills the reports), so each reason that is
not bilingual yet is led by what it means in Vietnamese, in the project's one bilingual
form (`ioc_catalog.wording.bilingual`). Reasons already bilingual are kept. Every answer
of the API (JSON events, CSV and Excel reports) goes through here.
"""

from __future__ import annotations

from dataclasses import replace

from ioc_catalog.wording import bilingual, is_bilingual
from ioc_ingest.domain.problems import EventProblem, ProblemKind

_BY_FIELD = {
    "indicator": "mã chỉ tiêu không hợp lệ",
    "scope": "mã phạm vi không hợp lệ",
    "observed_at": "ngày số liệu không hợp lệ",
    "reported_at": "ngày báo cáo không hợp lệ",
    "value": "giá trị không hợp lệ",
    "numerator": "tử số không hợp lệ",
    "denominator": "mẫu số không hợp lệ",
    "event_id": "mã sự kiện không hợp lệ",
    "note": "ghi chú không hợp lệ",
    "source": "nguồn không hợp lệ",
}


def vietnamese_first(problem: EventProblem) -> EventProblem:
    """The same problem, its reason led by Vietnamese when it had none."""
    if is_bilingual(problem.reason):
        return problem
    return replace(problem, reason=bilingual(_meaning(problem), problem.reason))


def vietnamese_reason(field: str | None, reason: str) -> str:
    """A reason about the request as a whole (no event read), Vietnamese first."""
    return vietnamese_first(EventProblem(0, field, reason)).reason


def _meaning(problem: EventProblem) -> str:
    reason = problem.reason
    if reason == "required field is missing":
        return "thiếu ô bắt buộc"
    if reason.startswith("unknown field"):
        return "ô không có trong mẫu sự kiện"
    if problem.kind is ProblemKind.FORBIDDEN:
        return "đơn vị không được phép gửi số liệu này (chỉ tiêu hoặc phạm vi chưa được cấp quyền)"
    if reason.startswith("unknown indicator"):
        return "chỉ tiêu không có trong danh mục"
    if "in the future" in reason:
        return "thời điểm quá xa trong tương lai"
    if "repeats the event_id" in reason:
        return "trùng mã sự kiện với một dòng khác"
    if "U+0000 (NUL)" in reason:
        return f"{_BY_FIELD.get(problem.field or '', 'dòng không hợp lệ')}: có ký tự NUL (U+0000), không lưu được; hãy bỏ ký tự đó"
    return _BY_FIELD.get(problem.field or "", "dòng không hợp lệ")
