"""The agencies dashboard's reporting compliance: per agency, the reports due in the
range that came on time, late or not at all, and the late and missing ones themselves.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import table

from . import board
from .columns import VIETNAM_DATE_TIME, Column, highlighted_count, percent_gauge
from .panels import rows_table
from .value_labels import GREEN, ORANGE, RED

AGENCIES = board.selected("agency")
# The reporting calendar's verdicts for periods that start in the dashboard's range.
COMPLIANCE = """
    ioc.reporting_compliance($__timeFrom()::timestamptz, $__timeTo()::timestamptz) c
    JOIN ioc.agencies a ON a.code = c.agency
"""


def reporting_compliance(panel_id: int) -> table.Panel:
    sql = f"""
        SELECT
            a.name_vi AS "Đơn vị",
            count(*) FILTER (WHERE c.status = 'on_time') AS "Đúng hạn",
            count(*) FILTER (WHERE c.status = 'late') AS "Trễ hạn",
            count(*) FILTER (WHERE c.status = 'missing') AS "Chưa gửi, quá hạn",
            count(*) FILTER (WHERE c.status = 'pending') AS "Chưa đến hạn",
            100.0 * count(*) FILTER (WHERE c.status = 'on_time')
                / nullif(count(*) FILTER (WHERE c.status <> 'pending'), 0) AS "Tỷ lệ đúng hạn"
        FROM {COMPLIANCE}
        WHERE a.code = ANY({AGENCIES})
        GROUP BY a.name_vi
        ORDER BY "Tỷ lệ đúng hạn" NULLS FIRST, a.name_vi
    """
    return rows_table(
        panel_id,
        "Tuân thủ lịch báo cáo",
        "Các kỳ báo cáo bắt đầu trong khoảng thời gian đang xem: số liệu gửi đúng hạn, trễ "
        "hạn, chưa gửi khi đã quá hạn (hạn nộp theo danh mục, giờ Việt Nam; lần gửi đầu "
        "tiên quyết định). Reporting compliance per agency: on time, late, missing.",
        sql=sql,
        columns=[
            Column("Đơn vị", width=230),
            Column("Đúng hạn", decimals=0),
            highlighted_count("Trễ hạn", ORANGE),
            highlighted_count("Chưa gửi, quá hạn", RED),
            Column("Chưa đến hạn", decimals=0),
            percent_gauge(
                "Tỷ lệ đúng hạn", ((None, RED), (80, ORANGE), (95, GREEN)), decimals=0, width=150
            ),
        ],
        height=12,
        span=12,
    )


def reports_not_on_time(panel_id: int) -> table.Panel:
    sql = f"""
        SELECT
            a.name_vi AS "Đơn vị",
            i.name_vi AS "Chỉ tiêu",
            c.scope AS "Phạm vi",
            c.period_start AS "Kỳ từ",
            c.due_at AS "Hạn nộp",
            c.first_received_at AS "Nhận lúc",
            CASE c.status WHEN 'late' THEN 'Trễ hạn' ELSE 'Chưa gửi' END AS "Tình trạng"
        FROM {COMPLIANCE}
        JOIN ioc.indicators i ON i.code = c.indicator
        WHERE a.code = ANY({AGENCIES}) AND c.status IN ('late', 'missing')
        ORDER BY c.due_at DESC, a.name_vi
        LIMIT 200
    """
    return rows_table(
        panel_id,
        "Báo cáo trễ hạn hoặc chưa gửi",
        "Mới nhất trước, tối đa 200. Reports late or missing, newest due first.",
        sql=sql,
        columns=[
            Column("Đơn vị", width=200),
            Column("Chỉ tiêu", width=320),
            Column("Kỳ từ", unit=VIETNAM_DATE_TIME),
            Column("Hạn nộp", unit=VIETNAM_DATE_TIME),
            Column("Nhận lúc", unit=VIETNAM_DATE_TIME),
        ],
        height=12,
        span=12,
    )
