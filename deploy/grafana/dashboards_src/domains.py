"""Lĩnh vực — drill-down into one of the IOC's 27 socio-economic domains.

Choose a domain, then some of its indicators and whose figures (the province, a
department, a district): the latest figures and whether they came in on time, the
series over time rolled up the way the catalog says, and the domain's targets.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/test_dashboards.py runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import common, dashboard, stat, table, timeseries
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    BigValueTextMode,
    TableCellHeight,
)

from . import board
from .columns import VIETNAM_DATE_TIME, Column, Link, hidden, with_columns
from .datasources import TIMESCALEDB, sql_series, sql_table
from .target_panels import TARGET_PAGE
from .value_labels import (
    ALERT_STATES,
    BLUE,
    CADENCES,
    GREY,
    NEEDS_ATTENTION,
    ORANGE,
    QUALITY_CHECKS,
    RED,
    REPORTING,
    REVISION_STATES,
    UNITS,
    coloured,
    risk_status,
    sql_list,
    worded,
)

DOMAIN = "${domain:sqlstring}"
INDICATORS = board.selected("indicator")
SCOPES = board.selected("scope")
# A series is late when its newest figure is older than one reporting period at the
# end of the range being viewed (the same rule as the alert service's "stale").
REPORTING_STATE = (
    "CASE WHEN observed_at < $__timeTo()::timestamptz - cadence_period "
    "THEN 'overdue' ELSE 'on_time' END"
)
SAME_SERIES = Link(
    "Chỉ xem chuỗi này",
    board.url(
        board.DOMAINS,
        "var-domain=${domain}",
        "var-indicator=${__data.fields.indicator}",
        "var-scope=${__data.fields.scope}",
    ),
)


def build() -> dashboard.Dashboard:
    return (
        board.new(
            board.DOMAINS,
            "Lĩnh vực",
            description=(
                "Số liệu và chỉ tiêu của từng lĩnh vực trong 27 lĩnh vực của IOC. "
                "Domain drill-down: latest figures, series, targets."
            ),
            tags=["linh-vuc"],
            since="now-5y",
        )
        .with_variable(
            board.sql_variable(
                "domain",
                "Lĩnh vực",
                "SELECT code AS __value, name_vi AS __text FROM ioc.domains ORDER BY name_vi",
                multi=False,
                default=("dich-vu-cong", "Dịch vụ công trực tuyến"),
            )
        )
        .with_variable(
            board.sql_variable(
                "indicator",
                "Chỉ số",
                f"""
                SELECT code AS __value, name_vi AS __text
                FROM ioc.indicators
                WHERE domain = {DOMAIN}
                ORDER BY name_vi
                """,
                multi=True,
            )
        )
        .with_variable(
            board.sql_variable(
                "scope",
                "Phạm vi",
                f"""
                SELECT DISTINCT g.scope AS __value, COALESCE(a.name_vi, g.scope) AS __text
                FROM ioc.publish_grants g
                LEFT JOIN ioc.agencies a ON a.code = g.scope
                WHERE g.indicator = ANY({INDICATORS})
                ORDER BY 2
                """,
                multi=True,
            )
        )
        .with_panel(domain_summary())
        .with_panel(latest_figures())
        .with_panel(series())
        .with_panel(domain_targets())
        .with_panel(revision_history())
        .with_panel(flagged_figures())
        .with_panel(derived_figures())
    )


def domain_summary() -> stat.Panel:
    sql = f"""
        SELECT
            (SELECT count(*) FROM ioc.indicators WHERE domain = {DOMAIN}) AS "Chỉ số",
            (SELECT count(*) FROM ioc.series_overview WHERE domain = {DOMAIN}) AS "Chuỗi có số liệu",
            (SELECT count(*) FROM ioc.series_overview
                WHERE domain = {DOMAIN} AND {REPORTING_STATE} = 'overdue') AS "Chuỗi chậm báo cáo",
            (SELECT count(*) FROM ioc.target_overview WHERE domain = {DOMAIN}) AS "Chỉ tiêu",
            (SELECT count(*) FROM ioc.target_overview
                WHERE domain = {DOMAIN} AND status IN {sql_list(NEEDS_ATTENTION)}) AS "Chỉ tiêu cần chú ý"
    """
    panel = (
        stat.Panel()
        .id(1)
        .title("Tổng quan lĩnh vực")
        .description(
            "Cả lĩnh vực, không phụ thuộc chỉ số đã chọn. Chậm báo cáo: số liệu mới nhất cũ hơn "
            "một kỳ báo cáo tính đến cuối khoảng thời gian. Whole domain."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(4)
        .span(24)
        .unit("none")
        .decimals(0)
        .color_mode(BigValueColorMode.VALUE)
        .graph_mode(BigValueGraphMode.NONE)
        .text_mode(BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    columns = [
        Column("Chỉ số", colour=BLUE),
        Column("Chuỗi có số liệu", colour=BLUE),
        Column("Chuỗi chậm báo cáo", colour=ORANGE),
        Column("Chỉ tiêu", colour=GREY),
        Column("Chỉ tiêu cần chú ý", colour=RED),
    ]
    return with_columns(panel, columns)


def latest_figures() -> table.Panel:
    sql = f"""
        SELECT
            indicator,
            scope,
            indicator_name_vi AS "Chỉ số",
            scope_name_vi AS "Phạm vi",
            value AS "Giá trị",
            unit AS "Đơn vị đo",
            observed_at AS "Số liệu lúc",
            cadence AS "Kỳ báo cáo",
            {REPORTING_STATE} AS "Báo cáo",
            publisher AS "Đơn vị gửi"
        FROM ioc.series_overview
        WHERE domain = {DOMAIN}
          AND indicator = ANY({INDICATORS})
          AND scope = ANY({SCOPES})
        ORDER BY indicator_name_vi, scope_name_vi
    """
    columns = [
        *hidden("indicator", "scope"),
        Column("Chỉ số", width=420, links=[SAME_SERIES]),
        Column("Phạm vi", width=220),
        Column("Giá trị", decimals=2),
        Column("Đơn vị đo", mappings=worded(UNITS)),
        Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
        Column("Kỳ báo cáo", mappings=worded(CADENCES)),
        Column("Báo cáo", mappings=coloured(REPORTING), cell="color-text"),
    ]
    panel = (
        table.Panel()
        .id(2)
        .title("Số liệu mới nhất")
        .description(
            "Giá trị mới nhất của mỗi chuỗi (chỉ số × phạm vi). Latest figure of each series."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(9)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


def series() -> timeseries.Panel:
    # ioc.series_rollup is the rollup the alert service reads too; the catalog says per
    # indicator whether a bucket keeps its last figure, the sum or the mean.
    sql = f"""
        SELECT
            r.bucket AS "time",
            s.indicator_name_vi || ' — ' || s.scope_name_vi AS metric,
            CASE s.rollup WHEN 'sum' THEN r.sum_value WHEN 'mean' THEN r.mean_value ELSE r.last_value END AS value
        FROM ioc.series_overview s
        CROSS JOIN LATERAL ioc.series_rollup(
            s.indicator, s.scope, '$__interval'::interval, $__timeFrom()::timestamptz, $__timeTo()::timestamptz
        ) r
        WHERE s.domain = {DOMAIN}
          AND s.indicator = ANY({INDICATORS})
          AND s.scope = ANY({SCOPES})
        ORDER BY 1
    """
    return (
        timeseries.Panel()
        .id(3)
        .title("Diễn biến theo thời gian")
        .description(
            "Mỗi đường là một chỉ số của một phạm vi, gộp theo khoảng thời gian như danh mục quy định "
            "(giá trị cuối, tổng hoặc trung bình). Series rolled up as the catalog says."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_series(sql))
        .height(10)
        .span(24)
        .span_nulls(True)
        .legend(board.legend_with_latest())
        .tooltip(board.every_series())
    )


def domain_targets() -> table.Panel:
    sql = f"""
        SELECT
            code,
            title_vi AS "Chỉ tiêu",
            scope_name_vi AS "Đơn vị",
            status AS "Tình trạng",
            current_value AS "Hiện tại",
            target_value AS "Mục tiêu",
            to_char(deadline, 'DD/MM/YYYY') AS "Hạn",
            alert_state AS "Cảnh báo"
        FROM ioc.target_overview
        WHERE domain = {DOMAIN} AND indicator = ANY({INDICATORS})
        ORDER BY status_rank, code
    """
    columns = [
        *hidden("code"),
        Column("Chỉ tiêu", width=460, links=[TARGET_PAGE]),
        Column("Tình trạng", width=140, mappings=risk_status(), cell="color-background"),
        Column("Hiện tại", decimals=2),
        Column("Mục tiêu", decimals=2),
        Column("Cảnh báo", mappings=coloured(ALERT_STATES), cell="color-text"),
    ]
    panel = (
        table.Panel()
        .id(4)
        .title("Chỉ tiêu của lĩnh vực")
        .description("Chỉ tiêu đặt trên các chỉ số đã chọn. Targets on the chosen indicators.")
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(8)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


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
    columns = [
        Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
        Column("Chỉ số", width=360),
        Column("Giá trị", decimals=2),
        Column("Báo cáo lúc", unit=VIETNAM_DATE_TIME),
        Column("Nhận lúc", unit=VIETNAM_DATE_TIME),
        Column("Hiệu lực", mappings=coloured(REVISION_STATES), cell="color-text"),
    ]
    panel = (
        table.Panel()
        .id(5)
        .title("Lịch sử sửa đổi số liệu")
        .description(
            "Các số liệu đã được gửi lại (sửa đổi): mỗi lần gửi, ai gửi, khi nào; lần mới nhất "
            "theo thời điểm báo cáo là số liệu chính thức. Revised figures: every revision, "
            "who sent it and when; the newest is the figure of record."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(9)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


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
    columns = [
        Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
        Column("Chỉ số", width=320),
        Column("Giá trị", decimals=2),
        Column("Kiểm tra", mappings=coloured(QUALITY_CHECKS), cell="color-text"),
        Column("Lý do", width=480),
    ]
    panel = (
        table.Panel()
        .id(6)
        .title("Số liệu bị gắn cờ chất lượng")
        .description(
            "Số liệu chính thức không qua một kiểm tra chất lượng mà danh mục đặt ở mức gắn cờ: "
            "được lưu nhưng không dùng để cảnh báo cho đến khi được xem xét. Figures of record "
            "flagged by a data-quality check: stored, not used for alerts."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(8)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


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
    columns = [
        Column("Số liệu lúc", unit=VIETNAM_DATE_TIME),
        Column("Chỉ số tính toán", width=300),
        Column("Giá trị", decimals=2),
        Column("Số liệu đầu vào", width=300),
        Column("Giá trị đầu vào", decimals=2),
        Column("Đầu vào lúc", unit=VIETNAM_DATE_TIME),
    ]
    panel = (
        table.Panel()
        .id(7)
        .title("Chỉ số tính toán và số liệu đầu vào")
        .description(
            "Số liệu do công thức trong danh mục tính ra (tổng, hiệu, tỷ lệ của tổng) và "
            "từng số liệu đầu vào đã dùng: đơn vị gửi, giá trị, thời điểm. Derived figures "
            "of record and the input figures (lineage) each was computed from."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(9)
        .span(24)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)
