"""Panels about targets that more than one dashboard shows: how many targets stand in
each status, and the links from a target to its own page and to its series.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat
from grafana_foundation_sdk.models.common import (
    BigValueJustifyMode,
    VizOrientation,
)

from . import board
from .columns import Column, Link
from .panels import counts
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
    per_status = [
        f"count(*) FILTER (WHERE status = '{status.value}') AS \"{label}\""
        for status, (label, _) in RISK_STATUSES.items()
    ]
    unassessed, grey = NOT_ASSESSED
    per_status.append(f'count(*) FILTER (WHERE status IS NULL) AS "{unassessed}"')
    sql = "SELECT\n    " + ",\n    ".join(per_status) + f"\nFROM ioc.target_overview\nWHERE {where}"
    columns = [Column(label, colour=colour) for label, colour in RISK_STATUSES.values()]
    columns.append(Column(unassessed, colour=grey))
    return (
        counts(
            panel_id,
            title,
            "Số chỉ tiêu theo tình trạng do dịch vụ cảnh báo đánh giá gần nhất. "
            "Targets by the alert service's latest status.",
            sql=sql,
            columns=columns,
            height=5,
            span=span,
        )
        .justify_mode(BigValueJustifyMode.CENTER)
        .orientation(VizOrientation.AUTO)
        .links([board.panel_link("Danh sách chỉ tiêu có nguy cơ", board.url(board.TARGETS))])
    )
