"""The domains dashboard's history of figures: revised figures with every submission,
figures flagged by a quality check, and derived figures with the inputs they came from.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import table

from .columns import VIETNAM_DATE_TIME, Column
from .domain_figures import DOMAIN, INDICATORS, SCOPES
from .panels import rows_table
from .value_labels import QUALITY_CHECKS, REVISION_STATES, coloured


def revision_history() -> table.Panel:
    # Every submission of every figure in the range, newest first: answers "what did the
    # dashboard show on that day, and who changed it?" (a revision shows from "Nhận lúc").
    sql = f"""
        SELECT
            r.observed_at AS "Số liệu lúc",
            i.name_vi AS "Chỉ số",
            COALESCE(sa.name_vi, r.scope) AS "Phạm vi",
            r.revision AS "Lần gửi",
            r.value AS "Giá trị",
            COALESCE(pa.name_vi, r.agency) AS "Đơn vị gửi",
            r.revised_at AS "Báo cáo lúc",
            r.received_at AS "Nhận lúc",
            CASE WHEN r.of_record THEN 'of_record' ELSE 'superseded' END AS "Hiệu lực",
            r.note AS "Ghi chú"
        FROM ioc.figure_revisions r
        JOIN ioc.indicators i ON i.code = r.indicator
        LEFT JOIN ioc.agencies sa ON sa.code = r.scope
        LEFT JOIN ioc.agencies pa ON pa.code = r.agency
        WHERE i.domain = {DOMAIN}
          AND r.indicator = ANY({INDICATORS})
          AND r.scope = ANY({SCOPES})
          AND $__timeFilter(r.observed_at)
          AND EXISTS (
              SELECT 1 FROM ioc.observations o
              WHERE o.indicator = r.indicator AND o.scope = r.scope
                AND o.observed_at = r.observed_at AND o.event_id <> r.event_id
          )
        ORDER BY r.observed_at DESC, r.indicator, r.scope, r.revision DESC
        LIMIT 500
    """
    return rows_table(
        5,
        "Lịch sử sửa đổi số liệu",
        "Các số liệu đã được gửi lại (sửa đổi): mỗi lần gửi, ai gửi, khi nào; lần mới nhất "
        "theo thời điểm báo cáo là số liệu chính thức. Revised figures: every revision, "
        "who sent it and when; the newest is the figure of record.",
        sql=sql,
        columns=[
            Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
            Column("Chỉ số", width=360),
            Column("Giá trị", decimals=2),
            Column("Báo cáo lúc", unit=VIETNAM_DATE_TIME),
            Column("Nhận lúc", unit=VIETNAM_DATE_TIME),
            Column("Hiệu lực", mappings=coloured(REVISION_STATES), cell="color-text"),
        ],
        height=9,
    )


def flagged_figures() -> table.Panel:
    sql = f"""
        SELECT
            f.observed_at AS "Số liệu lúc",
            i.name_vi AS "Chỉ số",
            COALESCE(sa.name_vi, f.scope) AS "Phạm vi",
            f.value AS "Giá trị",
            COALESCE(pa.name_vi, f.agency) AS "Đơn vị gửi",
            flag ->> 'check' AS "Kiểm tra",
            flag ->> 'reason' AS "Lý do"
        FROM ioc.figures f
        CROSS JOIN LATERAL jsonb_array_elements(f.quality_flags) AS flag
        JOIN ioc.indicators i ON i.code = f.indicator
        LEFT JOIN ioc.agencies sa ON sa.code = f.scope
        LEFT JOIN ioc.agencies pa ON pa.code = f.agency
        WHERE i.domain = {DOMAIN}
          AND f.indicator = ANY({INDICATORS})
          AND f.scope = ANY({SCOPES})
          AND $__timeFilter(f.observed_at)
        ORDER BY f.observed_at DESC
        LIMIT 500
    """
    return rows_table(
        6,
        "Số liệu bị gắn cờ chất lượng",
        "Số liệu chính thức không qua một kiểm tra chất lượng mà danh mục đặt ở mức gắn cờ: "
        "được lưu nhưng không dùng để cảnh báo cho đến khi được xem xét. Figures of record "
        "flagged by a data-quality check: stored, not used for alerts.",
        sql=sql,
        columns=[
            Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
            Column("Chỉ số", width=320),
            Column("Giá trị", decimals=2),
            Column("Kiểm tra", mappings=coloured(QUALITY_CHECKS), cell="color-text"),
            Column("Lý do", width=480),
        ],
        height=8,
    )


def derived_figures() -> table.Panel:
    """Drill-down of derived figures: each figure of record a formula computed, with the
    input figures (and their revisions) it came from."""
    sql = f"""
        SELECT
            f.observed_at AS "Số liệu lúc",
            i.name_vi AS "Chỉ số tính toán",
            COALESCE(sa.name_vi, f.scope) AS "Phạm vi",
            f.value AS "Giá trị",
            ii.name_vi AS "Số liệu đầu vào",
            COALESCE(ia.name_vi, l.input_scope) AS "Phạm vi đầu vào",
            l.input_value AS "Giá trị đầu vào",
            COALESCE(pa.name_vi, l.input_agency) AS "Đơn vị gửi",
            l.input_observed_at AS "Đầu vào lúc"
        FROM ioc.figures f
        JOIN ioc.derived_lineage l ON l.event_id = f.event_id
        JOIN ioc.indicators i ON i.code = f.indicator
        JOIN ioc.indicators ii ON ii.code = l.input_indicator
        LEFT JOIN ioc.agencies sa ON sa.code = f.scope
        LEFT JOIN ioc.agencies ia ON ia.code = l.input_scope
        LEFT JOIN ioc.agencies pa ON pa.code = l.input_agency
        WHERE i.domain = {DOMAIN}
          AND f.indicator = ANY({INDICATORS})
          AND f.scope = ANY({SCOPES})
          AND $__timeFilter(f.observed_at)
        ORDER BY f.observed_at DESC, f.indicator, l.input_indicator, l.input_scope
        LIMIT 500
    """
    return rows_table(
        7,
        "Chỉ số tính toán và số liệu đầu vào",
        "Số liệu do công thức trong danh mục tính ra (tổng, hiệu, tỷ lệ của tổng) và "
        "từng số liệu đầu vào đã dùng: đơn vị gửi, giá trị, thời điểm. Derived figures "
        "of record and the input figures (lineage) each was computed from.",
        sql=sql,
        columns=[
            Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
            Column("Chỉ số tính toán", width=300),
            Column("Giá trị", decimals=2),
            Column("Số liệu đầu vào", width=300),
            Column("Giá trị đầu vào", decimals=2),
            Column("Đầu vào lúc", unit=VIETNAM_DATE_TIME),
        ],
        height=9,
    )
