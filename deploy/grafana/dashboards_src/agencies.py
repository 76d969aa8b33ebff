"""Bảng điểm sở, ngành và địa phương — the 19 departments beside the 9 districts.

One scorecard per kind of agency, side by side: how the agency's targets stand, its
open alerts, the figures the province watches for every agency (digital data set,
on-time dossiers, paperless services), how much it reported in the range and how
recent its newest figure is. Then reporting compliance: per agency, the reports due in
the range that came on time, late or not at all (the reporting calendar of the catalog).

The panels are in agency_scorecards.py and reporting_compliance.py.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard

from . import board
from .agency_scorecards import (
    DATA_SET,
    ON_TIME,
    PAPERLESS,
    data_set_progress,
    latest_by_agency,
    scorecard,
)
from .reporting_compliance import reporting_compliance, reports_not_on_time


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
