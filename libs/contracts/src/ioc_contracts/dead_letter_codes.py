"""Why an event was dead-lettered: the stable error codes and what each means to its sender."""

from enum import StrEnum


class DeadLetterErrorCode(StrEnum):
    """Why an event was refused; stable values for dashboards and alerting rules."""

    INVALID_JSON = "invalid_json"
    SCHEMA_VIOLATION = "schema_violation"
    UNKNOWN_INDICATOR = "unknown_indicator"
    # The agency may not publish this indicator, or not for this scope.
    NOT_GRANTED = "not_granted"
    UNKNOWN_AGENCY = "unknown_agency"
    VALUE_OUT_OF_RANGE = "value_out_of_range"
    # observed_at later than the accepted clock skew allows.
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    # observed_at earlier than the indicator's first reporting period (catalog floor).
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    # The agency sent this event_id before with other content: not a duplicate.
    EVENT_ID_CONFLICT = "event_id_conflict"
    # A data-quality check the catalog sets to refuse (numerator above denominator,
    # a value inconsistent with its ratio, a cumulative counter going down, a jump).
    QUALITY_CHECK_FAILED = "quality_check_failed"
    # Valid by contract and catalog, yet the database refused the row (a constraint
    # the checks above do not know about); isolated so the rest of its batch is stored.
    STORAGE_REJECTED = "storage_rejected"
    # The decoded (decompressed) record is larger than the contract allows
    # (MAX_EVENT_BYTES); its DLQ copy is cut to MAX_DEAD_LETTER_VALUE_BYTES.
    TOO_LARGE = "too_large"
    # The scope no longer existed at observed_at (merged, split, renamed, its level
    # removed); the reason names the successor. Or it did not exist yet.
    SCOPE_RETIRED = "scope_retired"
    SCOPE_NOT_YET_VALID = "scope_not_yet_valid"


# What each code means to the agency that sent the event, Vietnamese first: the
# read-back API shows it beside the reason the aggregator wrote.
ERROR_CODE_MEANINGS: dict[DeadLetterErrorCode, tuple[str, str]] = {
    DeadLetterErrorCode.INVALID_JSON: ("Bản tin không phải JSON hợp lệ", "Not valid JSON"),
    DeadLetterErrorCode.SCHEMA_VIOLATION: (
        "Bản tin không đúng hợp đồng IndicatorEvent v1",
        "Does not follow the IndicatorEvent v1 contract",
    ),
    DeadLetterErrorCode.UNKNOWN_INDICATOR: (
        "Chỉ tiêu không có trong danh mục",
        "Indicator not in the catalog",
    ),
    DeadLetterErrorCode.NOT_GRANTED: (
        "Cơ quan không được giao gửi chỉ tiêu này cho phạm vi này",
        "The agency may not publish this indicator for this scope",
    ),
    DeadLetterErrorCode.UNKNOWN_AGENCY: (
        "Mã cơ quan không có trong danh mục",
        "Agency code not in the catalog",
    ),
    DeadLetterErrorCode.VALUE_OUT_OF_RANGE: (
        "Giá trị nằm ngoài khoảng hợp lệ của chỉ tiêu",
        "Value outside the indicator's valid range",
    ),
    DeadLetterErrorCode.TIMESTAMP_IN_FUTURE: (
        "Thời điểm số liệu ở quá xa trong tương lai",
        "Timestamp too far in the future",
    ),
    DeadLetterErrorCode.TIMESTAMP_TOO_OLD: (
        "Thời điểm số liệu sớm hơn kỳ báo cáo đầu tiên của chỉ tiêu",
        "Timestamp before the indicator's first reporting period",
    ),
    DeadLetterErrorCode.EVENT_ID_CONFLICT: (
        "Mã sự kiện (event_id) đã được dùng cho nội dung khác",
        "The event_id was already used for other content",
    ),
    DeadLetterErrorCode.QUALITY_CHECK_FAILED: (
        "Số liệu không qua kiểm tra chất lượng",
        "Failed a data-quality check",
    ),
    DeadLetterErrorCode.STORAGE_REJECTED: (
        "Cơ sở dữ liệu từ chối lưu số liệu",
        "The database refused to store it",
    ),
    DeadLetterErrorCode.TOO_LARGE: (
        "Bản tin vượt quá kích thước tối đa cho phép (sau khi giải nén)",
        "The record is larger than the contract allows (once decompressed)",
    ),
    DeadLetterErrorCode.SCOPE_RETIRED: (
        "Đơn vị đã ngừng tồn tại vào thời điểm số liệu; gửi cho đơn vị kế thừa",
        "The scope no longer existed at that time; send it for the successor",
    ),
    DeadLetterErrorCode.SCOPE_NOT_YET_VALID: (
        "Đơn vị chưa được thành lập vào thời điểm số liệu",
        "The scope did not exist yet at that time",
    ),
}
