"""Row problems of a report, Vietnamese first, for the data officer who fills it.

The screening reasons are written for an agency's developer, some in English only; an
Excel report is filled by a data officer, so each reason that is not bilingual yet is
led by what it means in Vietnamese. Reasons already bilingual ("… / …") are kept.
"""

from __future__ import annotations

from dataclasses import replace

from ioc_ingest.domain.problems import EventProblem, ProblemKind

_BILINGUAL = " / "
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
    reason = problem.reason
    if _BILINGUAL in reason:
        return problem
    return replace(problem, reason=f"{_meaning(problem)} / {reason}")


def _meaning(problem: EventProblem) -> str:
    reason = problem.reason
    if reason == "required field is missing":
        return "thiếu ô bắt buộc"
    if problem.kind is ProblemKind.FORBIDDEN:
        return "đơn vị không được phép gửi số liệu này (chỉ tiêu hoặc phạm vi chưa được cấp quyền)"
    if reason.startswith("unknown indicator"):
        return "chỉ tiêu không có trong danh mục"
    if "in the future" in reason:
        return "thời điểm quá xa trong tương lai"
    if "repeats the event_id" in reason:
        return "trùng mã sự kiện với một dòng khác"
    return _BY_FIELD.get(problem.field or "", "dòng không hợp lệ")
