"""How coded values read on screen: Vietnamese labels and the colours of statuses.

The database stores codes (`at_risk`, `firing`, `percent`); operators read Vietnamese.
The words follow the alert service's messages (ioc_alerts.messages.wording), so a
leader reads the same status in a notification and on a dashboard. Colours follow
one rule everywhere: good is green, at risk is orange, bad is red, unknown is grey.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from grafana_foundation_sdk.models.dashboard import (
    DashboardSpecialValueMapOptions,
    SpecialValueMap,
    SpecialValueMatch,
    ValueMap,
    ValueMapping,
    ValueMappingResult,
)

from ioc_catalog.derivation import FORMULA_MISMATCH
from ioc_contracts.catalog import Cadence, QualityCheck, TargetKind, Unit
from ioc_contracts.status import AlertState, RiskStatus, Severity

GREEN = "green"
DARK_GREEN = "dark-green"
ORANGE = "orange"
RED = "red"
SEMI_DARK_RED = "semi-dark-red"
DARK_RED = "dark-red"
BLUE = "blue"
# Grafana's palette has no named grey; stale data is "unknown", not good or bad.
GREY = "#8e8e8e"

# Codes are str enums from the contracts or plain strings from the database.
Code = TypeVar("Code", bound=str)

# Worst first, as the alert digest orders them (and ioc.target_overview.status_rank).
RISK_STATUSES: dict[RiskStatus, tuple[str, str]] = {
    RiskStatus.MISSED: ("Không đạt", DARK_RED),
    RiskStatus.DETERIORATING: ("Đang đi xuống", SEMI_DARK_RED),
    RiskStatus.OFF_TRACK: ("Chậm tiến độ", RED),
    RiskStatus.AT_RISK: ("Có nguy cơ chậm", ORANGE),
    RiskStatus.STALE: ("Thiếu số liệu", GREY),
    # Not good or bad either: the unit was merged or removed; its successor carries on.
    RiskStatus.SCOPE_RETIRED: ("Đơn vị đã sáp nhập hoặc giải thể", BLUE),
    RiskStatus.ON_TRACK: ("Đúng tiến độ", GREEN),
    RiskStatus.ACHIEVED: ("Đạt mục tiêu", DARK_GREEN),
}
NOT_ASSESSED = ("Chưa đánh giá", GREY)
# How the scorecards group the statuses.
GOING_WELL = (RiskStatus.ACHIEVED, RiskStatus.ON_TRACK)
BEHIND = (RiskStatus.OFF_TRACK, RiskStatus.DETERIORATING, RiskStatus.MISSED)
NEEDS_ATTENTION = (*BEHIND, RiskStatus.AT_RISK)

ALERT_STATES: dict[AlertState, tuple[str, str]] = {
    AlertState.FIRING: ("Đang cảnh báo", RED),
    AlertState.ACKNOWLEDGED: ("Đã xác nhận", ORANGE),
    AlertState.RESOLVED: ("Đã kết thúc", GREEN),
}
SEVERITIES: dict[Severity, tuple[str, str]] = {
    Severity.CRITICAL: ("Khẩn cấp", RED),
    Severity.WARNING: ("Cần chú ý", ORANGE),
    Severity.INFO: ("Thông tin", BLUE),
}
UNITS: dict[Unit, str] = {
    Unit.PERCENT: "%",
    Unit.COUNT: "số lượng",
    Unit.RANK: "thứ hạng",
    Unit.RATIO: "tỷ số",
    Unit.SCORE: "điểm",
    Unit.DAYS: "ngày",
    Unit.HOURS: "giờ",
    Unit.VND: "đồng",
}
CADENCES: dict[Cadence, str] = {
    Cadence.DAILY: "Hằng ngày",
    Cadence.WEEKLY: "Hằng tuần",
    Cadence.MONTHLY: "Hằng tháng",
    Cadence.QUARTERLY: "Hằng quý",
    Cadence.YEARLY: "Hằng năm",
}
TARGET_KINDS: dict[TargetKind, str] = {
    TargetKind.DEADLINE: "Đạt trước hạn",
    TargetKind.FLOOR: "Không thấp hơn",
    TargetKind.CEILING: "Không cao hơn",
    TargetKind.RANK: "Thứ hạng",
    TargetKind.FRESHNESS: "Báo cáo đúng kỳ",
}
# Whether a series reported within its cadence (computed in the panels' SQL).
REPORTING: dict[str, tuple[str, str]] = {
    "on_time": ("Đúng kỳ", GREEN),
    "overdue": ("Chậm báo cáo", ORANGE),
}
REVISION_STATES: dict[str, tuple[str, str]] = {
    "of_record": ("Chính thức", GREEN),
    "superseded": ("Đã được thay", GREY),
}
QUALITY_CHECKS: dict[QualityCheck | str, tuple[str, str]] = {
    QualityCheck.OUT_OF_RANGE: ("Ngoài khoảng hợp lệ", RED),
    QualityCheck.NUMERATOR_ABOVE_DENOMINATOR: ("Tử số lớn hơn mẫu số", RED),
    QualityCheck.RATIO_MISMATCH: ("Giá trị lệch tỷ lệ tử/mẫu", ORANGE),
    QualityCheck.COUNTER_DECREASE: ("Số cộng dồn giảm", ORANGE),
    QualityCheck.JUMP: ("Thay đổi bất thường", ORANGE),
    # Flagged by the derived-indicator service, not by a catalog check.
    FORMULA_MISMATCH: ("Lệch công thức tính", ORANGE),
}
NOTIFICATION_STATUSES: dict[str, tuple[str, str]] = {
    "pending": ("Đang chờ gửi", ORANGE),
    "sent": ("Đã gửi", GREEN),
    "failed": ("Gửi thất bại", RED),
    "suppressed": ("Không gửi (giờ yên lặng, tạm tắt)", GREY),
}
NOTIFICATION_KINDS: dict[str, str] = {
    "firing": "Cảnh báo",
    "changed": "Đổi tình trạng",
    "repeat": "Nhắc lại",
    "escalation": "Chuyển cấp",
    "resolved": "Hết cảnh báo",
    "digest": "Tổng hợp",
}
DELIVERY_OUTCOMES: dict[str, tuple[str, str]] = {
    "sent": ("Đã gửi", GREEN),
    "retryable": ("Lỗi tạm thời, gửi lại", ORANGE),
    "permanent": ("Lỗi không gửi lại", RED),
}


def coloured(labels: Mapping[Code, tuple[str, str]]) -> list[ValueMapping]:
    """A value mapping that shows each code as its label, in its colour."""
    return [
        ValueMap(
            options={
                str(code): ValueMappingResult(text=text, color=colour, index=index)
                for index, (code, (text, colour)) in enumerate(labels.items())
            }
        )
    ]


def worded(labels: Mapping[Code, str]) -> list[ValueMapping]:
    """A value mapping that only translates codes, leaving the colour alone."""
    return [
        ValueMap(
            options={
                str(code): ValueMappingResult(text=text, index=index)
                for index, (code, text) in enumerate(labels.items())
            }
        )
    ]


def risk_status() -> list[ValueMapping]:
    """Every status of the alert service, and a target it has not assessed yet."""
    text, colour = NOT_ASSESSED
    return [
        *coloured(RISK_STATUSES),
        SpecialValueMap(
            options=DashboardSpecialValueMapOptions(
                match=SpecialValueMatch.NULL,
                result=ValueMappingResult(text=text, color=colour, index=len(RISK_STATUSES)),
            )
        ),
    ]


def sql_list(statuses: tuple[RiskStatus, ...]) -> str:
    """The statuses as an SQL list for IN: ('off_track', 'missed')."""
    return "(" + ", ".join(f"'{status.value}'" for status in statuses) + ")"
