"""Bảng điểm sở, ngành và địa phương — the 19 departments beside the 9 districts.

One scorecard per kind of agency, side by side: how the agency's targets stand, its
open alerts, the figures the province watches for every agency (digital data set,
on-time dossiers, paperless services), how much it reported in the range and how
recent its newest figure is. Then reporting compliance: per agency, the reports due in
the range that came on time, late or not at all (the reporting calendar of the catalog).
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/test_dashboards.py runs every one.

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import bargauge, common, dashboard, table, timeseries
from grafana_foundation_sdk.models.common import (
    BarGaugeDisplayMode,
    BarGaugeValueMode,
    TableCellHeight,
    VizOrientation,
)
from grafana_foundation_sdk.models.dashboard import Threshold, ThresholdsMode

from ioc_contracts.status import RiskStatus

from . import board
from .columns import VIETNAM_DATE_TIME, Column, Link, hidden, with_columns
from .datasources import TIMESCALEDB, sql_series, sql_table
from .value_labels import BEHIND, GOING_WELL, GREEN, ORANGE, RED, sql_list

AGENCIES = board.selected("agency")
TEXT = "text"


@dataclass(frozen=True)
class KeyFigure:
    """An indicator every agency of a kind reports, with the levels its targets set."""

    indicator: str
    column: str
    steps: tuple[tuple[float | None, str], ...]


DATA_SET = KeyFigure(
    "cds.dataset-completion-rate", "Bộ dữ liệu số", ((None, RED), (80, ORANGE), (100, GREEN))
)
ON_TIME = KeyFigure("dvc.ontime-rate", "Hồ sơ đúng hạn", ((None, RED), (90, ORANGE), (95, GREEN)))
PAPERLESS = KeyFigure(
    "dvc.paperless-rate", "Không hồ sơ giấy", ((None, RED), (60, ORANGE), (100, GREEN))
)
AGENCY_TARGETS = Link(
    "Số liệu của đơn vị theo lĩnh vực",
    board.url(board.DOMAINS, "var-scope=${__data.fields.code}"),
)


def build() -> dashboard.Dashboard:
    return (
        board.new(
            board.AGENCIES,
            "Bảng điểm sở, ngành và địa phương",
            description=(
                "19 sở, ban, ngành và 9 huyện, thị xã, thành phố: chỉ tiêu, cảnh báo, số liệu chính. "
                "Agency scorecard: departments beside districts."
            ),
            tags=["don-vi"],
            since="now-5y",
        )
        .refresh("5m")
        .with_variable(
            board.sql_variable(
                "agency",
                "Cơ quan, địa phương",
                """
                SELECT code AS __value, name_vi AS __text
                FROM ioc.agencies
                WHERE kind IN ('department', 'district')
                ORDER BY kind, name_vi
                """,
                multi=True,
            )
        )
        .with_panel(scorecard(1, "Sở, ban, ngành", kind="department", figures=(DATA_SET, ON_TIME)))
        .with_panel(
            scorecard(2, "Huyện, thị xã, thành phố", kind="district", figures=(ON_TIME, PAPERLESS))
        )
        .with_panel(
            latest_by_agency(3, "Hoàn thành bộ dữ liệu số (hạn 30/6/2023)", "department", DATA_SET)
        )
        .with_panel(
            latest_by_agency(4, "Hồ sơ giải quyết đúng hạn theo địa phương", "district", ON_TIME)
        )
        .with_panel(data_set_progress())
        .with_panel(reporting_compliance(6))
        .with_panel(reports_not_on_time(7))
    )


def scorecard(
    panel_id: int, title: str, *, kind: str, figures: tuple[KeyFigure, ...]
) -> table.Panel:
    figure_columns = "".join(f',\n            latest."{figure.column}"' for figure in figures)
    latest = ",\n                ".join(
        f"max(value) FILTER (WHERE indicator = '{figure.indicator}') AS \"{figure.column}\""
        for figure in figures
    )
    sql = f"""
        SELECT
            a.code,
            a.name_vi AS "Đơn vị",
            targets.good AS "Đạt, đúng tiến độ",
            targets.at_risk AS "Có nguy cơ",
            targets.behind AS "Chậm, không đạt",
            targets.open_alerts AS "Cảnh báo mở"{figure_columns},
            sent.figures AS "Số liệu đã gửi",
            latest.newest AS "Số liệu mới nhất"
        FROM ioc.agencies a
        CROSS JOIN LATERAL (
            SELECT
                count(*) FILTER (WHERE status IN {sql_list(GOING_WELL)}) AS good,
                count(*) FILTER (WHERE status = '{RiskStatus.AT_RISK.value}') AS at_risk,
                count(*) FILTER (WHERE status IN {sql_list(BEHIND)}) AS behind,
                count(alert_id) AS open_alerts
            FROM ioc.target_overview t
            WHERE t.scope = a.code
        ) targets
        CROSS JOIN LATERAL (
            SELECT
                {latest},
                max(observed_at) AS newest
            FROM ioc.latest_values lv
            WHERE lv.scope = a.code
        ) latest
        -- What the agency itself published (its own figures or, for the province's
        -- offices, other agencies'), by when the figures were true.
        CROSS JOIN LATERAL (
            SELECT count(*) AS figures
            FROM ioc.observations o
            WHERE o.agency = a.code AND $__timeFilter(o.observed_at)
        ) sent
        WHERE a.kind = '{kind}' AND a.code = ANY({AGENCIES})
        ORDER BY a.name_vi
    """
    columns = [
        *hidden("code"),
        Column("Đơn vị", width=230, links=[AGENCY_TARGETS]),
        Column(
            "Đạt, đúng tiến độ",
            decimals=0,
            cell="color-text",
            thresholds=[(None, TEXT), (1, GREEN)],
        ),
        Column("Có nguy cơ", decimals=0, cell="color-text", thresholds=[(None, TEXT), (1, ORANGE)]),
        Column(
            "Chậm, không đạt", decimals=0, cell="color-text", thresholds=[(None, TEXT), (1, RED)]
        ),
        Column("Cảnh báo mở", decimals=0, cell="color-text", thresholds=[(None, TEXT), (1, RED)]),
        *(
            Column(
                figure.column,
                unit="percent",
                decimals=1,
                minimum=0,
                maximum=100,
                cell="gauge",
                width=130,
                thresholds=figure.steps,
            )
            for figure in figures
        ),
        Column("Số liệu đã gửi", decimals=0),
        Column("Số liệu mới nhất", unit=VIETNAM_DATE_TIME),
    ]
    panel = (
        table.Panel()
        .id(panel_id)
        .title(title)
        .description(
            "Số chỉ tiêu theo tình trạng, cảnh báo mở, số liệu chính mới nhất; “Số liệu đã gửi” "
            "đếm trong khoảng thời gian đang xem. Targets by status, open alerts, key figures."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(14)
        .span(12)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


def latest_by_agency(panel_id: int, title: str, kind: str, figure: KeyFigure) -> bargauge.Panel:
    sql = f"""
        SELECT a.name_vi AS "Đơn vị", lv.value AS "{figure.column}"
        FROM ioc.agencies a
        JOIN ioc.latest_values lv ON lv.scope = a.code AND lv.indicator = '{figure.indicator}'
        WHERE a.kind = '{kind}' AND a.code = ANY({AGENCIES})
        ORDER BY lv.value, a.name_vi
    """
    return (
        bargauge.Panel()
        .id(panel_id)
        .title(title)
        .description(
            "Giá trị mới nhất của mỗi đơn vị, thấp nhất trước. Latest value, lowest first."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(12)
        .span(12)
        .unit("percent")
        .decimals(1)
        .min(0)
        .max(100)
        .thresholds(
            dashboard.ThresholdsConfig()
            .mode(ThresholdsMode.ABSOLUTE)
            .steps([Threshold(value=value, color=colour) for value, colour in figure.steps])
        )
        .display_mode(BarGaugeDisplayMode.BASIC)
        .value_mode(BarGaugeValueMode.COLOR)
        .orientation(VizOrientation.HORIZONTAL)
        .show_unfilled(True)
        # One bar per row, named by the row's text column (the agency).
        .reduce_options(
            common.ReduceDataOptions().values(True).calcs([]).fields(f"/^{figure.column}$/")
        )
    )


def data_set_progress() -> timeseries.Panel:
    sql = f"""
        SELECT r.bucket AS "time", a.name_vi AS metric, r.last_value AS value
        FROM ioc.agencies a
        CROSS JOIN LATERAL ioc.series_rollup(
            '{DATA_SET.indicator}', a.code, '$__interval'::interval,
            $__timeFrom()::timestamptz, $__timeTo()::timestamptz
        ) r
        WHERE a.kind = 'department' AND a.code = ANY({AGENCIES})
        ORDER BY 1
    """
    return (
        timeseries.Panel()
        .id(5)
        .title("Tiến độ bộ dữ liệu số theo sở")
        .description(
            "Mọi sở phải hoàn thành bộ dữ liệu số trước 30/6/2023. Data-set completion per department."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_series(sql))
        .height(10)
        .span(24)
        .unit("percent")
        .min(0)
        .max(100)
        .span_nulls(True)
        .legend(board.legend_with_latest())
        .tooltip(board.every_series())
    )


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
    columns = [
        Column("Đơn vị", width=230),
        Column("Đúng hạn", decimals=0),
        Column("Trễ hạn", decimals=0, cell="color-text", thresholds=[(None, TEXT), (1, ORANGE)]),
        Column(
            "Chưa gửi, quá hạn",
            decimals=0,
            cell="color-text",
            thresholds=[(None, TEXT), (1, RED)],
        ),
        Column("Chưa đến hạn", decimals=0),
        Column(
            "Tỷ lệ đúng hạn",
            unit="percent",
            decimals=0,
            minimum=0,
            maximum=100,
            cell="gauge",
            width=150,
            thresholds=((None, RED), (80, ORANGE), (95, GREEN)),
        ),
    ]
    panel = (
        table.Panel()
        .id(panel_id)
        .title("Tuân thủ lịch báo cáo")
        .description(
            "Các kỳ báo cáo bắt đầu trong khoảng thời gian đang xem: số liệu gửi đúng hạn, trễ "
            "hạn, chưa gửi khi đã quá hạn (hạn nộp theo danh mục, giờ Việt Nam; lần gửi đầu "
            "tiên quyết định). Reporting compliance per agency: on time, late, missing."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(12)
        .span(12)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)


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
    columns = [
        Column("Đơn vị", width=200),
        Column("Chỉ tiêu", width=320),
        Column("Kỳ từ", unit=VIETNAM_DATE_TIME),
        Column("Hạn nộp", unit=VIETNAM_DATE_TIME),
        Column("Nhận lúc", unit=VIETNAM_DATE_TIME),
    ]
    panel = (
        table.Panel()
        .id(panel_id)
        .title("Báo cáo trễ hạn hoặc chưa gửi")
        .description("Mới nhất trước, tối đa 200. Reports late or missing, newest due first.")
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(12)
        .span(12)
        .cell_height(TableCellHeight.SM)
    )
    return with_columns(panel, columns)
