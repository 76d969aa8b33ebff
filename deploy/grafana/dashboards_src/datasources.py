"""The two data sources every dashboard reads, by the uids provisioning gives them, and
the query builders for them.

Dashboards refer to data sources by uid only (deploy/grafana/provisioning/datasources),
so renaming a data source in Grafana never breaks a panel.
"""

from __future__ import annotations

import textwrap
from typing import Literal

from grafana_foundation_sdk.builders import prometheus
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models.dashboard import DataSourceRef
from grafana_foundation_sdk.models.prometheus import QueryEditorMode

TIMESCALEDB = DataSourceRef(type_val="grafana-postgresql-datasource", uid="ioc-timescaledb")
PROMETHEUS = DataSourceRef(type_val="prometheus", uid="ioc-prometheus")

SqlFormat = Literal["table", "time_series"]
# Prometheus's own rate window for the dashboard's step (at least four scrapes).
RATE = "$__rate_interval"


class _RawSqlQuery(cogvariants.Dataquery):
    """A PostgreSQL data-source query as Grafana stores it in dashboard JSON."""

    def __init__(self, *, ref_id: str, sql: str, result_format: SqlFormat) -> None:
        self.ref_id = ref_id
        self.sql = sql
        self.result_format = result_format

    def to_json(self) -> dict[str, object]:
        return {
            "refId": self.ref_id,
            "datasource": TIMESCALEDB,
            "editorMode": "code",
            "format": self.result_format,
            "rawQuery": True,
            "rawSql": self.sql,
        }


class SqlQuery(cogbuilder.Builder[cogvariants.Dataquery]):
    """Raw SQL for the TimescaleDB data source, in Grafana's PostgreSQL dialect.

    The SDK built for Grafana 10.1 ships no PostgreSQL query type, so this builder
    produces the JSON Grafana's own SQL query editor writes in code mode.
    """

    def __init__(self, sql: str, *, ref_id: str = "A", result_format: SqlFormat = "table") -> None:
        self._query = _RawSqlQuery(
            ref_id=ref_id, sql=textwrap.dedent(sql).strip(), result_format=result_format
        )

    def build(self) -> cogvariants.Dataquery:
        return self._query


def sql_table(sql: str, *, ref_id: str = "A") -> SqlQuery:
    return SqlQuery(sql, ref_id=ref_id, result_format="table")


def sql_series(sql: str, *, ref_id: str = "A") -> SqlQuery:
    """A time series query: a `time` column, then numbers (or `metric` and one number)."""
    return SqlQuery(sql, ref_id=ref_id, result_format="time_series")


def promql(expr: str, *, legend: str, ref_id: str = "A") -> prometheus.Dataquery:
    return (
        prometheus.Dataquery()
        .expr(textwrap.dedent(expr).strip())
        .legend_format(legend)
        .ref_id(ref_id)
        .datasource(PROMETHEUS)
        .editor_mode(QueryEditorMode.CODE)
        .range()
    )


def prometheus_queries(*lines: tuple[str, str]) -> list[prometheus.Dataquery]:
    """One query per (expression, legend), lettered A, B, C… as Grafana letters them."""
    return [
        promql(expr, legend=legend, ref_id=chr(ord("A") + index))
        for index, (expr, legend) in enumerate(lines)
    ]
