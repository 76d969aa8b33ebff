"""Every PromQL expression of the dashboards reads only metrics and labels the three
services register, and promtool parses every one."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from ioc_aggregator.metrics import AggregatorMetrics
from ioc_alerts.metrics import AlertMetrics
from ioc_ingest.metrics import IngestMetrics

from .dashboard_json import Json, load_dashboards, targets
from .promql import promql_uses

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
        for target in targets(dashboard, "prometheus"):
            use = promql_uses(target.query["expr"])
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
    assert sum(1 for d in dashboards.values() for _ in targets(d, "prometheus")) >= 15
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
        for index, target in enumerate(targets(dashboard, "prometheus")):
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


def test_promql_uses_separates_metrics_functions_and_labels() -> None:
    use = promql_uses(
        'histogram_quantile(0.95, sum by (le, channel) (rate(ioc_alerts_delivery_seconds_bucket{channel!="x"}[$__rate_interval])))'
        " / on (channel) group_left sum(up) offset 5m"
    )
    assert use.metrics == {"ioc_alerts_delivery_seconds_bucket", "up"}
    assert use.matched_labels == {"ioc_alerts_delivery_seconds_bucket": {"channel"}}
    assert use.grouping_labels == {"le", "channel"}
