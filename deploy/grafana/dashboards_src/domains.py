"""Lĩnh vực — drill-down into one of the IOC's 27 socio-economic domains.

Choose a domain, then some of its indicators and whose figures (the province, a
department, a district): the latest figures and whether they came in on time, the
series over time rolled up the way the catalog says, and the domain's targets; then
the figures' history (revisions, quality flags, derived figures and their inputs).

The panels are in domain_figures.py and figure_history.py.
"""

# ruff: noqa: S608 - SQL text written into Grafana's JSON, composed only from constants of
# this package; nothing here runs a query. tests/dashboards/ runs every one.

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard

from . import board
from .domain_figures import (
    DOMAIN,
    INDICATORS,
    domain_summary,
    domain_targets,
    latest_figures,
    series,
)
from .figure_history import derived_figures, flagged_figures, revision_history


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
