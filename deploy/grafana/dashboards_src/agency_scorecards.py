"""The agencies dashboard's scorecards: per agency, how its targets stand, its open
alerts and the key figures the province watches for its kind of agency, with the
latest key figure per agency and the departments' data-set progress over time.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from dataclasses import dataclass

from grafana_foundation_sdk.builders import bargauge, table, timeseries
from grafana_foundation_sdk.models.common import (
    BarGaugeDisplayMode,
    BarGaugeValueMode,
    VizOrientation,
)

from ioc_contracts.status import RiskStatus

from . import board
from .columns import VIETNAM_DATE_TIME, Column, Link, hidden, highlighted_count, percent_gauge
from .datasources import sql_series
from .panels import (
    Steps,
    figures_over_time,
    percent_per_row,
    percentages,
    rows_table,
    sql_panel,
)
from .value_labels import BEHIND, GOING_WELL, GREEN, ORANGE, RED, sql_list

AGENCIES = board.selected("agency")


@dataclass(frozen=True)
class KeyFigure:
    """An indicator every agency of a kind reports, with the levels its targets set."""

    indicator: str
    column: str
    steps: Steps


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
        highlighted_count("Đạt, đúng tiến độ", GREEN),
        highlighted_count("Có nguy cơ", ORANGE),
        highlighted_count("Chậm, không đạt", RED),
        highlighted_count("Cảnh báo mở", RED),
        *(percent_gauge(f.column, f.steps, decimals=1, width=130) for f in figures),
        Column("Số liệu đã gửi", decimals=0),
        Column("Số liệu mới nhất", unit=VIETNAM_DATE_TIME),
    ]
    return rows_table(
        panel_id,
        title,
        "Số chỉ tiêu theo tình trạng, cảnh báo mở, số liệu chính mới nhất; “Số liệu đã gửi” "
        "đếm trong khoảng thời gian đang xem. Targets by status, open alerts, key figures.",
        sql=sql,
        columns=columns,
        height=14,
        span=12,
    )


def latest_by_agency(panel_id: int, title: str, kind: str, figure: KeyFigure) -> bargauge.Panel:
    sql = f"""
        SELECT a.name_vi AS "Đơn vị", lv.value AS "{figure.column}"
        FROM ioc.agencies a
        JOIN ioc.latest_values lv ON lv.scope = a.code AND lv.indicator = '{figure.indicator}'
        WHERE a.kind = '{kind}' AND a.code = ANY({AGENCIES})
        ORDER BY lv.value, a.name_vi
    """
    bars = sql_panel(
        bargauge.Panel(),
        panel_id,
        title,
        "Giá trị mới nhất của mỗi đơn vị, thấp nhất trước. Latest value, lowest first.",
        sql=sql,
        height=12,
        span=12,
    )
    return (
        percent_per_row(bars, column=figure.column, steps=figure.steps)
        .display_mode(BarGaugeDisplayMode.BASIC)
        .value_mode(BarGaugeValueMode.COLOR)
        .orientation(VizOrientation.HORIZONTAL)
        .show_unfilled(True)
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
    chart = figures_over_time(
        5,
        "Tiến độ bộ dữ liệu số theo sở",
        "Mọi sở phải hoàn thành bộ dữ liệu số trước 30/6/2023. Data-set completion per department.",
        queries=[sql_series(sql)],
        height=10,
        legend=board.legend_with_latest(),
    )
    return percentages(chart)
