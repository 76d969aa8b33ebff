"""The words of a notification in Vietnamese (first) and English.

Kept apart from the layout so a translator reads every phrase in one place and a
test can check the exact Vietnamese a leader will see.
"""

from __future__ import annotations

from dataclasses import dataclass

from ioc_alerts.messages.context import NotificationKind
from ioc_contracts.catalog import Language, TargetKind
from ioc_contracts.status import RiskStatus, Severity


@dataclass(frozen=True, slots=True)
class Wording:
    status: dict[RiskStatus, str]
    severity: dict[Severity, str]
    headline: dict[NotificationKind, str]
    """First line of the message; {level} is the escalation level."""
    subject_tag: dict[NotificationKind, str]
    target_phrase: dict[TargetKind, str]
    """How the goal reads, with {value} and {deadline}."""
    resolved_lead: str
    resolved_lead_from: str
    changed_lead: str
    label_status: str
    label_scope: str
    label_indicator: str
    label_current: str
    label_latest: str
    label_goal: str
    label_required_pace: str
    label_observed_pace: str
    label_projected: str
    label_eta: str
    eta_never: str
    label_fired_at: str
    label_severity: str
    no_data: str
    observed_when: str
    """{moment} of the figure: "số liệu lúc {moment}"."""
    link_chart: str
    link_ack: str
    chart_alt: str
    digest_subject: str
    """{count} and {day}."""
    digest_headline: str
    digest_empty: str


VIETNAMESE = Wording(
    status={
        RiskStatus.ACHIEVED: "đạt mục tiêu",
        RiskStatus.ON_TRACK: "đúng tiến độ",
        RiskStatus.AT_RISK: "có nguy cơ chậm",
        RiskStatus.OFF_TRACK: "chậm tiến độ",
        RiskStatus.DETERIORATING: "đang đi xuống",
        RiskStatus.MISSED: "không đạt",
        RiskStatus.STALE: "thiếu số liệu",
        RiskStatus.SCOPE_RETIRED: "đơn vị đã ngừng (xem đơn vị kế thừa)",
    },
    severity={
        Severity.INFO: "thông tin",
        Severity.WARNING: "cần chú ý",
        Severity.CRITICAL: "khẩn cấp",
    },
    headline={
        NotificationKind.FIRING: "CẢNH BÁO MỤC TIÊU",
        NotificationKind.CHANGED: "CẢNH BÁO: TÌNH TRẠNG THAY ĐỔI",
        NotificationKind.REPEAT: "NHẮC LẠI: CẢNH BÁO CHƯA ĐƯỢC XÁC NHẬN",
        NotificationKind.ESCALATION: "CHUYỂN CẤP {level}: CẢNH BÁO CHƯA ĐƯỢC XÁC NHẬN",
        NotificationKind.RESOLVED: "ĐÃ HẾT CẢNH BÁO",
        NotificationKind.DIGEST: "TỔNG HỢP CẢNH BÁO",
    },
    subject_tag={
        NotificationKind.FIRING: "Cảnh báo",
        NotificationKind.CHANGED: "Cảnh báo",
        NotificationKind.REPEAT: "Nhắc lại",
        NotificationKind.ESCALATION: "Chuyển cấp {level}",
        NotificationKind.RESOLVED: "Đã hết cảnh báo",
        NotificationKind.DIGEST: "Tổng hợp",
    },
    target_phrase={
        TargetKind.DEADLINE: "{value}, hạn {deadline}",
        TargetKind.FLOOR: "tối thiểu {value}",
        TargetKind.CEILING: "tối đa {value}",
        TargetKind.RANK: "{value} hoặc cao hơn",
        TargetKind.FRESHNESS: "báo cáo số liệu đúng kỳ",
    },
    resolved_lead="Mục tiêu không còn ở tình trạng cảnh báo.",
    resolved_lead_from="Mục tiêu không còn ở tình trạng cảnh báo (trước đó: {previous}).",
    changed_lead="Tình trạng đã chuyển từ “{previous}” sang “{status}”.",
    label_status="Tình trạng",
    label_scope="Đơn vị / địa bàn",
    label_indicator="Chỉ số",
    label_current="Giá trị hiện tại",
    label_latest="Số liệu gần nhất",
    label_goal="Mục tiêu",
    label_required_pace="Tốc độ cần thiết",
    label_observed_pace="Tốc độ thực tế",
    label_projected="Dự báo đến hạn",
    label_eta="Dự kiến đạt mục tiêu",
    eta_never="chưa đạt được với tốc độ hiện tại",
    label_fired_at="Cảnh báo từ",
    label_severity="Mức độ",
    no_data="chưa có số liệu",
    observed_when="số liệu lúc {moment}",
    link_chart="Biểu đồ",
    link_ack="Xác nhận đã nhận cảnh báo",
    chart_alt="Biểu đồ số liệu so với mục tiêu",
    digest_subject="[Tổng hợp] {count} mục tiêu cần chú ý – ngày {day}",
    digest_headline="TỔNG HỢP CẢNH BÁO NGÀY {day}",
    digest_empty="Không có mục tiêu nào cần chú ý.",
)

ENGLISH = Wording(
    status={
        RiskStatus.ACHIEVED: "achieved",
        RiskStatus.ON_TRACK: "on track",
        RiskStatus.AT_RISK: "at risk",
        RiskStatus.OFF_TRACK: "off track",
        RiskStatus.DETERIORATING: "deteriorating",
        RiskStatus.MISSED: "missed",
        RiskStatus.STALE: "no recent data",
        RiskStatus.SCOPE_RETIRED: "scope retired (see its successor)",
    },
    severity={
        Severity.INFO: "info",
        Severity.WARNING: "warning",
        Severity.CRITICAL: "critical",
    },
    headline={
        NotificationKind.FIRING: "TARGET ALERT",
        NotificationKind.CHANGED: "ALERT: STATUS CHANGED",
        NotificationKind.REPEAT: "REMINDER: ALERT NOT YET ACKNOWLEDGED",
        NotificationKind.ESCALATION: "ESCALATION LEVEL {level}: ALERT NOT YET ACKNOWLEDGED",
        NotificationKind.RESOLVED: "ALERT RESOLVED",
        NotificationKind.DIGEST: "ALERT DIGEST",
    },
    subject_tag={
        NotificationKind.FIRING: "Alert",
        NotificationKind.CHANGED: "Alert",
        NotificationKind.REPEAT: "Reminder",
        NotificationKind.ESCALATION: "Escalation {level}",
        NotificationKind.RESOLVED: "Resolved",
        NotificationKind.DIGEST: "Digest",
    },
    target_phrase={
        TargetKind.DEADLINE: "{value} by {deadline}",
        TargetKind.FLOOR: "at least {value}",
        TargetKind.CEILING: "at most {value}",
        TargetKind.RANK: "{value} or better",
        TargetKind.FRESHNESS: "report within the cadence",
    },
    resolved_lead="The target is no longer in an alerting state.",
    resolved_lead_from="The target is no longer in an alerting state (was: {previous}).",
    changed_lead="Status changed from “{previous}” to “{status}”.",
    label_status="Status",
    label_scope="Agency / area",
    label_indicator="Indicator",
    label_current="Current value",
    label_latest="Latest figure",
    label_goal="Target",
    label_required_pace="Required pace",
    label_observed_pace="Actual pace",
    label_projected="Projected at deadline",
    label_eta="Expected to reach target",
    eta_never="not at the current pace",
    label_fired_at="Alert raised",
    label_severity="Severity",
    no_data="no data yet",
    observed_when="as of {moment}",
    link_chart="Chart",
    link_ack="Acknowledge this alert",
    chart_alt="Chart of the series against its target",
    digest_subject="[Digest] {count} targets need attention – {day}",
    digest_headline="ALERT DIGEST, {day}",
    digest_empty="No target needs attention.",
)


def wording_for(language: Language) -> Wording:
    return VIETNAMESE if language is Language.VI else ENGLISH
