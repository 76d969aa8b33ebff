"""The Grafana dashboards (deploy/grafana), proven without a Grafana server.

- The committed JSON is exactly what deploy/grafana/dashboards_src generates.
- Shape: uids, Vietnamese titles, the Bình Dương time zone, provisioned data sources,
  status colours, links that land on a dashboard, variable and panel that exist.
- Every SQL query of every panel and variable is expanded as Grafana's PostgreSQL data
  source would (tests/dashboards_support.py says how) and run on the real TimescaleDB,
  loaded with the seed report's figures and a small alert story, as `ioc_reader`; it
  must return the columns its panel shows, and the key panels must tell the story.
- Every PromQL expression reads only metrics and labels the three services register.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
import yaml
from prometheus_client import CollectorRegistry

from ioc_aggregator.metrics import AggregatorMetrics
from ioc_alerts.metrics import AlertMetrics
from ioc_catalog.seed import seed_figures
from ioc_contracts.status import RiskStatus
from ioc_contracts.types import VIETNAM_TIME
from ioc_ingest.metrics import IngestMetrics
from ioc_storage.connection import Connection
from ioc_testing import ScratchDatabase

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = GRAFANA / "dashboards"
GENERATOR = GRAFANA / "dashboards_src" / "generate.py"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "datasources.yaml"


def _load_support() -> ModuleType:
    # Tests are collected with --import-mode=importlib: a sibling module is loaded by path.
    spec = importlib.util.spec_from_file_location(
        "dashboards_support", HERE / "dashboards_support.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from tests import dashboards_support as support
else:
    support = _load_support()

Json = dict[str, Any]
UIDS = {
    "ioc-overview": "Tổng quan tỉnh Bình Dương",
    "ioc-domains": "Lĩnh vực",
    "ioc-agencies": "Bảng điểm sở, ngành và địa phương",
    "ioc-targets": "Chỉ tiêu có nguy cơ",
    "ioc-pipeline": "Sức khỏe hệ thống",
}
# Grafana's width for a panel's data points when the browser does not say: the test
# uses the same for every panel (Grafana uses the panel's width in pixels).
MAX_DATA_POINTS = 1000
ALL = "$__all"


def load_dashboards() -> dict[str, Json]:
    loaded = {}
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard: Json = json.loads(path.read_text(encoding="utf-8"))
        loaded[dashboard["uid"]] = dashboard
    return loaded


def provisioned_sources() -> dict[str, str]:
    document = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))
    return {source["uid"]: source["type"] for source in document["datasources"]}


def sql_min_interval() -> timedelta:
    document = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))
    (source,) = [s for s in document["datasources"] if s["uid"] == "ioc-timescaledb"]
    return support.parse_duration(source["jsonData"]["timeInterval"])


# --- generated, committed ------------------------------------------------------------------


def run_generator(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_committed_json_is_what_the_code_generates() -> None:
    run = run_generator("--check")
    assert run.returncode == 0, run.stdout + run.stderr


def test_generation_is_deterministic_and_check_notices_a_hand_edit(tmp_path: Path) -> None:
    assert run_generator("--output", str(tmp_path)).returncode == 0
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.json")}
    assert run_generator("--output", str(tmp_path)).returncode == 0
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.json")} == first
    assert first == {p.name: p.read_bytes() for p in DASHBOARDS.glob("*.json")}
    edited = tmp_path / "targets.json"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("Chỉ tiêu", "Chi tieu", 1), encoding="utf-8"
    )
    run = run_generator("--check", "--output", str(tmp_path))
    assert run.returncode == 1
    assert "targets.json" in run.stderr


def test_the_generator_explains_itself() -> None:
    run = run_generator("--help")
    assert run.returncode == 0
    assert "--check" in run.stdout


# --- shape -----------------------------------------------------------------------------------


def test_the_five_dashboards_have_their_uids_vietnamese_titles_and_vietnam_time() -> None:
    dashboards = load_dashboards()
    assert {uid: d["title"] for uid, d in dashboards.items()} == UIDS
    for uid, dashboard in dashboards.items():
        assert dashboard["timezone"] == "Asia/Ho_Chi_Minh", uid
        for panel in support.panels(dashboard):
            # An unaccented "Vietnamese" title is a bug (the words lose their meaning).
            assert re.search(r"[^\x00-\x7f]", panel["title"]), f"{uid}: {panel['title']!r}"


def test_panels_have_unique_ids_and_fit_the_grid() -> None:
    for uid, dashboard in load_dashboards().items():
        ids = [panel["id"] for panel in support.panels(dashboard)]
        assert len(ids) == len(set(ids)), f"{uid}: panel ids repeat: {ids}"
        for panel in support.panels(dashboard):
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, f"{uid}: {panel['title']} overflows"


def test_every_query_uses_a_provisioned_data_source_by_uid() -> None:
    sources = provisioned_sources()
    for uid, dashboard in load_dashboards().items():
        for panel in support.panels(dashboard):
            if panel["type"] == "row":
                continue
            assert sources.get(panel["datasource"]["uid"]) == panel["datasource"]["type"], uid
            for query in panel["targets"]:
                source = query.get("datasource", panel["datasource"])
                assert sources.get(source["uid"]) == source["type"], f"{uid}: {panel['title']}"
        for variable in support.variables(dashboard):
            assert variable["datasource"]["uid"] in sources, f"{uid}: ${variable['name']}"


def mappings_of(panel: Json) -> list[dict[str, Any]]:
    field_config = panel.get("fieldConfig", {})
    found: list[dict[str, Any]] = list(field_config.get("defaults", {}).get("mappings", []))
    for override in field_config.get("overrides", []):
        for setting in override["properties"]:
            if setting["id"] == "mappings":
                found.extend(setting["value"])
    return found


COLOUR_OF_STATUS = {
    RiskStatus.ACHIEVED: "green",
    RiskStatus.ON_TRACK: "green",
    RiskStatus.AT_RISK: "orange",
    RiskStatus.OFF_TRACK: "red",
    RiskStatus.DETERIORATING: "red",
    RiskStatus.MISSED: "red",
    RiskStatus.STALE: "#8e8e8e",
    RiskStatus.SCOPE_RETIRED: "blue",
}


def test_every_status_reads_in_vietnamese_in_its_colour() -> None:
    mapped, counted = 0, 0
    words: dict[str, RiskStatus] = {}
    for uid, dashboard in load_dashboards().items():
        for panel in support.panels(dashboard):
            for mapping in mappings_of(panel):
                options = mapping.get("options", {})
                if mapping["type"] != "value" or RiskStatus.AT_RISK.value not in options:
                    continue
                mapped += 1
                assert set(options) == {s.value for s in RiskStatus}, f"{uid}: {panel['title']}"
                for status, colour in COLOUR_OF_STATUS.items():
                    shown = options[status.value]
                    assert re.search(r"[^\x00-\x7f]", shown["text"]), shown
                    # Grafana's shades of a colour share its name (dark-red, semi-dark-red).
                    assert shown["color"].endswith(colour), f"{uid}: {status} is {shown['color']}"
                    words[shown["text"]] = status
    # The status counts show one number per status, named by the same words.
    for uid, dashboard in load_dashboards().items():
        for panel in support.panels(dashboard):
            for override in panel.get("fieldConfig", {}).get("overrides", []):
                named = words.get(override["matcher"]["options"])
                colours = [
                    p["value"]["fixedColor"] for p in override["properties"] if p["id"] == "color"
                ]
                if named is not None and colours:
                    counted += 1
                    assert colours[0].endswith(COLOUR_OF_STATUS[named]), f"{uid}: {panel['title']}"
    assert mapped >= 5, "the status columns lost their value mappings"
    assert counted == 2 * len(RiskStatus), "the status counts lost their colours"


LINK = re.compile(r"/d/([\w-]+)/\?([^\s\"]*)")


def all_links(dashboard: Json) -> list[str]:
    urls = [link.get("url", "") for link in dashboard.get("links", [])]
    for panel in support.panels(dashboard):
        urls.extend(link.get("url", "") for link in panel.get("links", []))
        for override in panel.get("fieldConfig", {}).get("overrides", []):
            for setting in override["properties"]:
                if setting["id"] == "links":
                    urls.extend(link["url"] for link in setting["value"])
    return urls


def test_links_land_on_a_dashboard_variable_and_panel_that_exist() -> None:
    dashboards = load_dashboards()
    followed = 0
    for uid, dashboard in dashboards.items():
        for url in all_links(dashboard):
            for target_uid, query in LINK.findall(url):
                followed += 1
                assert target_uid in dashboards, f"{uid}: {url}"
                target = dashboards[target_uid]
                names = {v["name"] for v in support.variables(target)}
                for name in re.findall(r"var-([\w]+)=", query):
                    assert name in names, f"{uid}: {url} sets ${name}, unknown to {target_uid}"
                ids = {p["id"] for p in support.panels(target)}
                for panel_id in re.findall(r"viewPanel=panel-(\d+)", query):
                    assert int(panel_id) in ids, f"{uid}: {url}"
    assert followed >= 8


def test_the_alert_services_chart_link_selects_one_target() -> None:
    # ioc_alerts builds {grafana}/d/ioc-targets/?var-target={code}.
    (variable,) = [
        v for v in support.variables(load_dashboards()["ioc-targets"]) if v["name"] == "target"
    ]
    assert variable["type"] == "query"
    assert "code AS __value" in variable["query"]


# --- SQL on the real TimescaleDB ----------------------------------------------------------

SYNTHETIC = uuid.UUID("3f0c9d5e-5b7a-4d53-9a51-7d0a2b2023aa")


@dataclass(frozen=True)
class Point:
    indicator: str
    scope: str
    agency: str
    day: date
    value: float


def weekly(
    indicator: str, scope: str, agency: str, first: date, start: float, step: float, weeks: int
) -> list[Point]:
    return [
        Point(indicator, scope, agency, first + timedelta(weeks=n), start + step * n)
        for n in range(weeks)
    ]


DISTRICTS = ("tp-thu-dau-mot", "tp-thuan-an", "tp-di-an", "tp-tan-uyen", "tp-ben-cat")
DEMO_POINTS = [
    # Paperless phase 1 climbs 0.6 points a week from the report's 37% on 1/6/2023.
    *weekly("dvc.paperless-rate", "province", "vp-ubnd", date(2023, 6, 8), 37.6, 0.6, 12),
    # The two departments the Chairman named lag on their data sets; Sở TT&TT finishes.
    *weekly("cds.dataset-completion-rate", "so-tnmt", "so-tttt", date(2023, 3, 1), 30, 2.5, 14),
    *weekly("cds.dataset-completion-rate", "so-xd", "so-tttt", date(2023, 3, 1), 45, -0.5, 14),
    *weekly("cds.dataset-completion-rate", "so-tttt", "so-tttt", date(2023, 3, 1), 70, 5, 7),
]
# The on-time dossier rate of some districts, reported by the one-stop office.
DEMO_POINTS += [
    Point("dvc.ontime-rate", code, "vp-ubnd", date(2023, 3, 31), 93.0 + index)
    for index, code in enumerate(DISTRICTS)
]
STATUSES = {
    "dvc.paperless-100": ("off_track", 0.14, 0.0857, 0.6, 44.2, 53.0),
    "cds.dataset.so-tnmt": ("at_risk", 0.7, 0.36, 0.5, 62.5, 92.0),
    "cds.dataset.so-xd": ("deteriorating", -0.1, -0.07, 0.6, 38.5, 30.0),
    "cds.dataset.so-tttt": ("achieved", None, None, None, 100.0, None),
    "dvc.ontime-95": ("achieved", None, None, None, 96.09, None),
    "fresh.service-index.total.province": ("stale", None, None, None, None, None),
}
FIRING_ALERT = uuid.UUID("00000000-0000-4000-8000-000000000001")
ACKNOWLEDGED_ALERT = uuid.UUID("00000000-0000-4000-8000-000000000002")
RESOLVED_ALERT = uuid.UUID("00000000-0000-4000-8000-000000000003")


async def load_demo(database: ScratchDatabase) -> None:
    """The seed report's figures and weekly points as the aggregator would store them
    (as the writer role), then the alert service's verdicts and alerts (as the owner)."""
    figures = [figure.event() for figure in seed_figures()]
    rows = [
        (
            e.event_id,
            e.observed_at,
            e.indicator,
            e.scope,
            e.agency,
            e.value,
            e.numerator,
            e.denominator,
        )
        for e in figures
    ]
    rows += [
        (
            uuid.uuid5(SYNTHETIC, f"{p.indicator}|{p.scope}|{p.day}"),
            datetime.combine(p.day, datetime.min.time().replace(hour=17), tzinfo=VIETNAM_TIME),
            p.indicator,
            p.scope,
            p.agency,
            p.value,
            None,
            None,
        )
        for p in DEMO_POINTS
    ]
    writer = await asyncpg.connect(database.dsns["writer"])
    try:
        await writer.executemany(
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,"
            " numerator, denominator) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            rows,
        )
        # The office first sent the newest paperless figure 0.4 lower, a day earlier.
        await writer.execute(
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,"
            " revised_at, note) SELECT gen_random_uuid(), observed_at, indicator, scope, agency,"
            " value - 0.4, now() - interval '1 day', 'bản đầu' FROM ioc.observations"
            " WHERE indicator = 'dvc.paperless-rate' AND scope = 'province'"
            " ORDER BY observed_at DESC LIMIT 1"
        )
        await writer.execute(
            """
            INSERT INTO ioc.figures (indicator, scope, observed_at, value, numerator, denominator,
                agency, event_id, reported_at, received_at, revised_at)
            SELECT DISTINCT ON (indicator, scope, observed_at) indicator, scope, observed_at,
                value, numerator, denominator, agency, event_id, reported_at, received_at,
                revised_at
            FROM ioc.observations
            ORDER BY indicator, scope, observed_at, revised_at DESC
            """
        )
        # A running total reported lower than the month before: flagged, not refused.
        await writer.execute(
            """
            UPDATE ioc.figures SET quality_flags = '[{"check": "counter_decrease",
                "reason": "số cộng dồn giảm / the cumulative count fell"}]'
            WHERE indicator = 'dvc.paperless-rate' AND scope = 'province'
              AND observed_at = (SELECT min(observed_at) FROM ioc.figures
                                 WHERE indicator = 'dvc.paperless-rate' AND scope = 'province')
            """
        )
        await writer.execute(
            """
            INSERT INTO ioc.latest_values (indicator, scope, observed_at, value, numerator,
                denominator, event_id, agency)
            SELECT DISTINCT ON (indicator, scope) indicator, scope, observed_at, value,
                numerator, denominator, event_id, agency
            FROM ioc.figures
            ORDER BY indicator, scope, observed_at DESC
            """
        )
    finally:
        await writer.close()
    owner = await asyncpg.connect(database.dsns["migrator"])
    try:
        evaluated = datetime(2023, 8, 31, 17, tzinfo=VIETNAM_TIME)
        for code, (status, ratio, observed, required, current, projected) in STATUSES.items():
            await owner.execute(
                "INSERT INTO ioc.target_status (target, status, ratio, observed_rate, required_rate,"
                " current_value, current_at, projected_value, eta, reason_vi, reason_en, evaluated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                code, status, ratio, observed, required, current,
                evaluated - timedelta(days=2) if current is not None else None,
                projected, date(2025, 1, 15) if observed and observed > 0 else None,
                f"Minh hoạ: {status}", f"Example: {status}", evaluated,
            )  # fmt: skip
        await owner.executemany(
            "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value,"
            " opened_at, acknowledged_at, acknowledged_by, resolved_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                (FIRING_ALERT, "dvc.paperless-100", "firing", "off_track", "critical", 44.2,
                 evaluated, None, None, None),
                (ACKNOWLEDGED_ALERT, "cds.dataset.so-tnmt", "acknowledged", "at_risk", "critical", 62.5,
                 evaluated, evaluated + timedelta(hours=1), "giam-doc-so-tnmt", None),
                (RESOLVED_ALERT, "dvc.ontime-95", "resolved", "off_track", "warning", 94.1,
                 evaluated - timedelta(days=30), None, None, evaluated - timedelta(days=20)),
            ],
        )  # fmt: skip
        # Deliveries are stamped with the wall clock, whatever day the figures describe.
        delivered = datetime.now(UTC) - timedelta(hours=1)
        sent, failed = uuid.uuid4(), uuid.uuid4()
        await owner.executemany(
            "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, status,"
            " dedup_key, attempts, created_at, sent_at) VALUES ($1, $2, $3, $4, 'firing', $5, $6, $7, $8, $9)",
            [
                (sent, FIRING_ALERT, "truc-ban-ioc", "email", "sent", "demo-sent", 1, delivered, delivered),
                (failed, FIRING_ALERT, None, "webhook", "failed", "demo-failed", 2, delivered, None),
            ],
        )  # fmt: skip
        await owner.executemany(
            "INSERT INTO ioc.notification_attempts (notification_id, attempt, started_at, finished_at,"
            " outcome, status_code, error) VALUES ($1, $2, $3, $3, $4, $5, $6)",
            [
                (sent, 1, delivered, "sent", 250, None),
                (failed, 1, delivered, "retryable", 503, "Service Unavailable"),
                (failed, 2, delivered + timedelta(minutes=1), "permanent", 410, "Gone"),
            ],
        )
    finally:
        await owner.close()


@dataclass
class DashboardRun:
    """Every SQL query of one dashboard, run for one choice of its variables."""

    problems: list[str] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)
    runs: list[support.QueryRun] = field(default_factory=list)

    def panel(self, title: str, ref_id: str = "A") -> support.QueryRun:
        (found,) = [
            r
            for r in self.runs
            if r.target.panel["title"] == title and r.target.query["refId"] == ref_id
        ]
        return found


async def fetch(connection: Connection, sql: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    statement = await connection.prepare(sql)
    columns = {attribute.name: attribute.type.name for attribute in statement.get_attributes()}
    return columns, [dict(record) for record in await statement.fetch()]


async def run_dashboard(
    connection: Connection,
    dashboard: Json,
    *,
    now: datetime,
    choose: dict[str, tuple[str, ...]],
) -> DashboardRun:
    """Fills the variables in order (each may read the ones before it), then runs every
    SQL target with them: what Grafana does when the dashboard opens."""
    result = DashboardRun()
    start = support.relative_time(dashboard["time"]["from"], now)
    end = support.relative_time(dashboard["time"]["to"], now)
    window = support.QueryWindow(
        start,
        end,
        support.grafana_interval(
            start, end, max_data_points=MAX_DATA_POINTS, minimum=sql_min_interval()
        ),
    )
    chosen: dict[str, support.Chosen] = {}
    for variable in support.variables(dashboard):
        name = variable["name"]
        where = f"{dashboard['uid']} / ${name}"
        try:
            columns, rows = await fetch(
                connection, support.SqlExpander(window, chosen).expand(variable["query"])
            )
        except (support.ExpansionError, asyncpg.PostgresError) as error:
            result.problems.append(f"{where}: {error}")
            return result
        if not {"__value", "__text"} <= set(columns):
            result.problems.append(f"{where}: returns {sorted(columns)}, not __value and __text")
        options = [str(row.get("__value")) for row in rows]
        result.options[name] = options
        values = variable["current"]["value"]
        values = tuple(values) if isinstance(values, list) else (values,)
        if name in choose:
            values = choose[name]
        elif values == (ALL,):
            values = tuple(options)
        else:
            missing = set(values) - set(options)
            if missing:
                result.problems.append(f"{where}: default {sorted(missing)} is not an option")
        multi_or_all = bool(variable.get("multi") or variable.get("includeAll"))
        chosen[name] = support.Chosen(values, multi_or_all)
    for target in support.targets(dashboard, "grafana-postgresql-datasource"):
        try:
            sql = support.SqlExpander(window, chosen).expand(target.query["rawSql"])
            columns, rows = await fetch(connection, sql)
        except (support.ExpansionError, asyncpg.PostgresError) as error:
            result.problems.append(f"{target.where}: {type(error).__name__}: {error}")
            continue
        result.problems.extend(
            f"{target.where}: {p}" for p in support.column_problems(target, columns)
        )
        result.runs.append(support.QueryRun(target, columns, rows))
    if not choose:
        # Judged on the defaults (everything selected): one chosen target may lack a line.
        result.problems.extend(support.series_name_problems(result.runs))
    return result


# Besides each dashboard's defaults: one target (the alert link), a domain without any
# indicator yet (the indicator list is empty), one agency out of the multi-value list.
SCENARIOS: dict[str, list[dict[str, tuple[str, ...]]]] = {
    "ioc-overview": [{}],
    "ioc-domains": [{}, {"domain": ("thue",)}, {"domain": ("chuyen-doi-so",)}],
    "ioc-agencies": [{}, {"agency": ("so-tnmt",)}],
    "ioc-targets": [{}, {"target": ("dvc.paperless-100",)}],
    "ioc-pipeline": [{}],
}


@pytest.fixture
async def demo_database(catalog_database: ScratchDatabase) -> ScratchDatabase:
    await load_demo(catalog_database)
    return catalog_database


@pytest.mark.connected
@pytest.mark.parametrize("uid", sorted(UIDS))
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
async def test_the_key_panels_tell_the_demo_story(demo_database: ScratchDatabase) -> None:
    dashboards = load_dashboards()
    now = datetime.now(UTC)
    connection = await asyncpg.connect(demo_database.dsns["reader"])
    try:
        overview = await run_dashboard(connection, dashboards["ioc-overview"], now=now, choose={})
        targets = await run_dashboard(connection, dashboards["ioc-targets"], now=now, choose={})
        one_target = await run_dashboard(
            connection,
            dashboards["ioc-targets"],
            now=now,
            choose={"target": ("dvc.paperless-100",)},
        )
        domains = await run_dashboard(connection, dashboards["ioc-domains"], now=now, choose={})
        empty_domain = await run_dashboard(
            connection, dashboards["ioc-domains"], now=now, choose={"domain": ("thue",)}
        )
        agencies = await run_dashboard(connection, dashboards["ioc-agencies"], now=now, choose={})
        pipeline = await run_dashboard(connection, dashboards["ioc-pipeline"], now=now, choose={})
        total_targets = await connection.fetchval("SELECT count(*) FROM ioc.targets")
    finally:
        await connection.close()
    for run in (overview, targets, one_target, domains, empty_domain, agencies, pipeline):
        assert not run.problems, run.problems

    # Targets at risk: worst first, the paperless goal among them with its firing alert,
    # and the acknowledged alert says who acknowledged it.
    at_risk = targets.panel("Chỉ tiêu có nguy cơ").rows
    order = [row["code"] for row in at_risk[:3]]
    assert order == ["cds.dataset.so-xd", "dvc.paperless-100", "cds.dataset.so-tnmt"]
    paperless = at_risk[1]
    assert (paperless["Tình trạng"], paperless["Cảnh báo"]) == ("off_track", "firing")
    assert paperless["Tốc độ cần (/tháng)"] == pytest.approx(0.6 * 365.25 / 12)
    assert at_risk[2]["Người xác nhận"] == "Giám đốc Sở Tài nguyên và Môi trường"
    assert len(at_risk) == total_targets

    # The alert link's view of one target: its series, its goal, the needed and projected paths.
    lines = {row["metric"] for row in one_target.panel("Số liệu so với mục tiêu", "B").rows}
    assert lines == {
        f"{kind} — dvc.paperless-100" for kind in ("Mục tiêu", "Lộ trình cần thiết", "Dự báo")
    }
    series = one_target.panel("Số liệu so với mục tiêu", "A").rows
    assert series
    assert max(row["value"] for row in series) == pytest.approx(37.6 + 0.6 * 11)
    alerts = one_target.panel("Cảnh báo").rows
    assert [row["alert_id"] for row in alerts] == [FIRING_ALERT]
    sent = one_target.panel("Thông báo đã gửi").rows
    assert {row["Kết quả"] for row in sent} == {"sent", "failed"}

    # Overview: the status counts add up, the headline figures all come from the seed.
    (counts,) = overview.panel("Tình trạng tất cả chỉ tiêu").rows
    assert sum(counts.values()) == total_targets
    assert counts["Đạt mục tiêu"] == 2
    assert counts["Thiếu số liệu"] == 1
    assert counts["Chưa đánh giá"] == total_targets - len(STATUSES)
    assert len(overview.panel("Số liệu mới nhất").rows) == 6
    (alert_counts,) = overview.panel("Cảnh báo đang mở").rows
    assert alert_counts == {"Chưa xác nhận": 1, "Đã xác nhận": 1}

    # Agencies: 19 departments beside 9 districts.
    assert len(agencies.panel("Sở, ban, ngành").rows) == 19
    assert len(agencies.panel("Huyện, thị xã, thành phố").rows) == 9
    tnmt = [r for r in agencies.panel("Sở, ban, ngành").rows if r["code"] == "so-tnmt"]
    assert tnmt[0]["Có nguy cơ"] == 1
    assert tnmt[0]["Cảnh báo mở"] == 1

    # Domains: online public services show the paperless rate's latest weekly figure.
    latest = {
        (r["indicator"], r["scope"]): r["Giá trị"] for r in domains.panel("Số liệu mới nhất").rows
    }
    assert latest[("dvc.paperless-rate", "province")] == pytest.approx(37.6 + 0.6 * 11)
    # The revised figure shows both submissions, the newest of record; the flagged one
    # says which check and why.
    revisions = domains.panel("Lịch sử sửa đổi số liệu").rows
    assert [(r["Lần gửi"], r["Hiệu lực"]) for r in revisions] == [
        (2, "of_record"),
        (1, "superseded"),
    ]
    assert revisions[0]["Giá trị"] - revisions[1]["Giá trị"] == pytest.approx(0.4)
    flagged = domains.panel("Số liệu bị gắn cờ chất lượng").rows
    assert [r["Kiểm tra"] for r in flagged] == ["counter_decrease"]
    assert empty_domain.options["indicator"] == []
    assert empty_domain.panel("Số liệu mới nhất").rows == []

    # Pipeline: the failed delivery attempts, newest first.
    failures = pipeline.panel("Lần gửi thất bại gần đây").rows
    assert [row["Kết quả"] for row in failures] == ["permanent", "retryable"]


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


# --- PromQL --------------------------------------------------------------------------------

# Labels Prometheus adds to every scraped series (prometheus.yml's jobs).
TARGET_LABELS = {"job", "instance"}


def exposed_metrics() -> dict[str, set[str]]:
    """Every series name the three services expose, with its labels, from their own
    metric definitions built on a fresh registry."""
    registry = CollectorRegistry()
    owners: list[AggregatorMetrics | IngestMetrics | AlertMetrics] = [
        AggregatorMetrics.create(registry),
        IngestMetrics.build(registry),
        AlertMetrics.create(registry),
    ]
    exposed: dict[str, set[str]] = {"up": set(TARGET_LABELS)}  # written by Prometheus per target
    suffixes = {
        "counter": ["_total", "_created"],
        "gauge": [""],
        "histogram": ["_bucket", "_sum", "_count", "_created"],
    }
    for owner in owners:
        for part in dataclasses.fields(owner):
            metric = getattr(owner, part.name)
            if metric is registry:
                continue
            labels = set(metric._labelnames) | TARGET_LABELS
            for family in metric.describe():
                for suffix in suffixes[family.type]:
                    exposed[family.name + suffix] = labels | (
                        {"le"} if suffix == "_bucket" else set()
                    )
    return exposed


def promql_problems(dashboards: dict[str, Json]) -> list[str]:
    exposed = exposed_metrics()
    problems = []
    for dashboard in dashboards.values():
        for target in support.targets(dashboard, "prometheus"):
            use = support.promql_uses(target.query["expr"])
            if not use.metrics:
                problems.append(f"{target.where}: no metric in {target.query['expr']!r}")
            known_labels = set(TARGET_LABELS)
            for metric in use.metrics:
                if metric not in exposed:
                    problems.append(f"{target.where}: no service exposes {metric}")
                    continue
                known_labels |= exposed[metric]
                for label in use.matched_labels.get(metric, set()) - exposed[metric]:
                    problems.append(f"{target.where}: {metric} has no label {label}")
            for label in use.grouping_labels - known_labels:
                problems.append(f"{target.where}: grouped by {label}, which no metric there has")
    return problems


def test_every_promql_expression_reads_metrics_and_labels_the_services_expose() -> None:
    dashboards = load_dashboards()
    assert sum(1 for d in dashboards.values() for _ in support.targets(d, "prometheus")) >= 15
    assert promql_problems(dashboards) == []


def test_an_unknown_metric_or_label_fails_the_promql_check() -> None:
    dashboards = load_dashboards()
    panel = next(
        p for p in dashboards["ioc-pipeline"]["panels"] if p["title"] == "Từ chối theo lý do"
    )
    panel["targets"][0]["expr"] = "sum by (reason) (rate(ioc_aggregator_dead_letter_total[5m]))"
    problems = promql_problems(dashboards)
    assert any("ioc_aggregator_dead_letter_total" in p for p in problems), problems
    assert any("grouped by reason" in p for p in problems), problems


def test_promtool_parses_every_expression(tmp_path: Path) -> None:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.skip("promtool is not installed (Debian's prometheus package)")
    # Grafana replaces its own variables before Prometheus parses the expression.
    grafana = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "6h"}
    rules = []
    for uid, dashboard in load_dashboards().items():
        for index, target in enumerate(support.targets(dashboard, "prometheus")):
            expr = target.query["expr"]
            for variable, value in grafana.items():
                expr = expr.replace(variable, value)
            rules.append({"record": f"dashboard:{uid.replace('-', '_')}:{index}", "expr": expr})
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}), encoding="utf-8"
    )
    run = subprocess.run(
        [binary, "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


# --- the expander itself -------------------------------------------------------------------


def test_the_expander_writes_what_grafanas_postgres_macros_write() -> None:
    start = datetime(2023, 6, 1, 0, 0, tzinfo=UTC)
    end = datetime(2023, 6, 2, 12, 30, 15, 120_000, tzinfo=UTC)
    window = support.QueryWindow(start, end, timedelta(hours=1))
    chosen = {
        "one": support.Chosen(("it's",), multi_or_all=False),
        "many": support.Chosen(("a", "b'c"), multi_or_all=True),
    }
    expand = support.SqlExpander(window, chosen).expand
    assert (
        expand("$__timeFilter(t)")
        == "t BETWEEN '2023-06-01T00:00:00Z' AND '2023-06-02T12:30:15.12Z'"
    )
    assert expand("$__timeGroupAlias(t, $__interval)") == "time_bucket('3600.000s',t) AS \"time\""
    assert (
        expand("SELECT $__timeGroup(t, '5m'), x")
        == "SELECT time_bucket('300.000s',t) AS \"time\", x"
    )
    assert expand("$__timeGroup(t, 1d, 0)") == "time_bucket('86400.000s',t)"
    assert expand("'$__interval'::interval, $__interval_ms") == "'1h'::interval, 3600000"
    assert expand("$__unixEpochFrom()") == str(int(start.timestamp()))
    assert expand("= '$one' OR x IN ($many)") == "= 'it''s' OR x IN ('a','b''c')"
    assert expand("ARRAY[${many:sqlstring}] ${one:sqlstring}") == "ARRAY['a','b''c'] 'it''s'"
    assert (
        expand("ARRAY[${none:sqlstring}]::text[]".replace("none", "many"))
        == "ARRAY['a','b''c']::text[]"
    )
    for unknown in ("$nope", "${many:csv}", "$__timeShift(t)", "$__range"):
        with pytest.raises(support.ExpansionError):
            expand(unknown)
    assert (
        support.SqlExpander(window, {"e": support.Chosen((), True)}).expand("ARRAY[${e:sqlstring}]")
        == "ARRAY[]"
    )


def test_the_interval_follows_grafanas_rounding() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    minute = timedelta(minutes=1)
    assert (
        support.interval_text(
            support.grafana_interval(
                now - timedelta(hours=6), now, max_data_points=1000, minimum=minute
            )
        )
        == "1m"
    )
    five_years = support.relative_time("now-5y", now)
    assert (
        support.interval_text(
            support.grafana_interval(five_years, now, max_data_points=1000, minimum=minute)
        )
        == "1d"
    )
    assert support.interval_text(timedelta(weeks=1)) == "7d"
    assert support.round_interval(timedelta(days=40)) == timedelta(days=30)


def test_promql_uses_separates_metrics_functions_and_labels() -> None:
    use = support.promql_uses(
        'histogram_quantile(0.95, sum by (le, channel) (rate(ioc_alerts_delivery_seconds_bucket{channel!="x"}[$__rate_interval])))'
        " / on (channel) group_left sum(up) offset 5m"
    )
    assert use.metrics == {"ioc_alerts_delivery_seconds_bucket", "up"}
    assert use.matched_labels == {"ioc_alerts_delivery_seconds_bucket": {"channel"}}
    assert use.grouping_labels == {"le", "channel"}
