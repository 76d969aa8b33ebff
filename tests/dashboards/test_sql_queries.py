"""Every SQL query of every panel and variable, expanded as Grafana's PostgreSQL data
source would and run on the real TimescaleDB as `ioc_reader`, returns the columns its
panel shows, for each dashboard's defaults and a few other choices."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from ioc_testing import ScratchDatabase

from .dashboard_json import load_dashboards
from .dashboard_runs import run_dashboard

# Besides each dashboard's defaults: one target (the alert link), a domain without any
# indicator yet (the indicator list is empty), one agency out of the multi-value list.
SCENARIOS: dict[str, list[dict[str, tuple[str, ...]]]] = {
    "ioc-overview": [{}],
    "ioc-domains": [{}, {"domain": ("thue",)}, {"domain": ("chuyen-doi-so",)}],
    "ioc-agencies": [{}, {"agency": ("so-tnmt",)}],
    "ioc-targets": [{}, {"target": ("dvc.paperless-100",)}],
    "ioc-pipeline": [{}],
}


@pytest.mark.connected
@pytest.mark.parametrize("uid", sorted(SCENARIOS))
async def test_every_sql_query_runs_as_the_reader_and_returns_its_columns(
    demo_database: ScratchDatabase, uid: str
) -> None:
    dashboard = load_dashboards()[uid]
    connection = await asyncpg.connect(demo_database.dsns["reader"])
    try:
        problems = []
        for choose in SCENARIOS[uid]:
            run = await run_dashboard(connection, dashboard, now=datetime.now(UTC), choose=choose)
            problems += [f"{choose or 'defaults'}: {problem}" for problem in run.problems]
        if uid == "ioc-domains":
            assert run.options["indicator"], "chuyen-doi-so should offer indicators"
    finally:
        await connection.close()
    assert not problems, "\n".join(problems)


@pytest.mark.connected
async def test_a_panel_naming_a_column_its_query_lacks_fails(
    demo_database: ScratchDatabase,
) -> None:
    dashboard = load_dashboards()["ioc-targets"]
    (table,) = [p for p in dashboard["panels"] if p["title"] == "Chỉ tiêu có nguy cơ"]
    table["targets"][0]["rawSql"] = table["targets"][0]["rawSql"].replace(
        'AS "Tình trạng"', 'AS "status"'
    )
    connection = await asyncpg.connect(demo_database.dsns["reader"])
    try:
        run = await run_dashboard(connection, dashboard, now=datetime.now(UTC), choose={})
    finally:
        await connection.close()
    assert any("'Tình trạng'" in problem for problem in run.problems), run.problems
