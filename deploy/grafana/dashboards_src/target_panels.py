"""Panels about targets that more than one dashboard shows: how many targets stand in
each status, and the links from a target to its own page and to its series.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import common, stat
from grafana_foundation_sdk.models.common import (
    BigValueColorMode,
    BigValueGraphMode,
    BigValueJustifyMode,
    BigValueTextMode,
    VizOrientation,
)

from . import board
from .columns import Column, Link, with_columns
from .datasources import TIMESCALEDB, sql_table
from .value_labels import NOT_ASSESSED, RISK_STATUSES

TARGET_PAGE = Link(
    "Chi tiết chỉ tiêu: số liệu, lộ trình, cảnh báo",
    board.url(board.TARGETS, "var-target=${__data.fields.code}"),
)
SERIES_PAGE = Link(
    "Chuỗi số liệu của chỉ số (theo lĩnh vực)",
    board.url(
        board.DOMAINS,
        "var-domain=${__data.fields.domain}",
        "var-indicator=${__data.fields.indicator}",
        "var-scope=${__data.fields.scope}",
    ),
)


def status_counts(panel_id: int, title: str, *, where: str, span: int = 24) -> stat.Panel:
    """One coloured number per status: how many targets stand there now."""
    counts = [
        f"count(*) FILTER (WHERE status = '{status.value}') AS \"{label}\""
        for status, (label, _) in RISK_STATUSES.items()
    ]
    unassessed, grey = NOT_ASSESSED
    counts.append(f'count(*) FILTER (WHERE status IS NULL) AS "{unassessed}"')
    sql = "SELECT\n    " + ",\n    ".join(counts) + f"\nFROM ioc.target_overview\nWHERE {where}"
    columns = [Column(label, colour=colour) for label, colour in RISK_STATUSES.values()]
    columns.append(Column(unassessed, colour=grey))
    panel = (
        stat.Panel()
        .id(panel_id)
        .title(title)
        .description(
            "Số chỉ tiêu theo tình trạng do dịch vụ cảnh báo đánh giá gần nhất. "
            "Targets by the alert service's latest status."
        )
        .datasource(TIMESCALEDB)
        .with_target(sql_table(sql))
        .height(5)
        .span(span)
        .unit("none")
        .decimals(0)
        .color_mode(BigValueColorMode.BACKGROUND)
        .graph_mode(BigValueGraphMode.NONE)
        .text_mode(BigValueTextMode.VALUE_AND_NAME)
        .justify_mode(BigValueJustifyMode.CENTER)
        .orientation(VizOrientation.AUTO)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .links([board.panel_link("Danh sách chỉ tiêu có nguy cơ", board.url(board.TARGETS))])
    )
    return with_columns(panel, columns)
