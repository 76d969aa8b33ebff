"""Prometheus's configuration and pipeline alert rules.

The structure is checked by parsing; promtool, where installed, validates the files and
unit-tests the alert rule on synthetic series.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROMETHEUS = ROOT / "deploy" / "prometheus"
CONFIG = PROMETHEUS / "prometheus.yml"
SERVICE_TARGETS = {
    "ingest": "ingest:8080",
    "aggregator": "aggregator:9102",
    "alerts": "alerts:8082",
}
SEVERITIES = {"critical", "warning", "info"}
# Vietnamese first, English beside it.
ANNOTATIONS = {"summary", "description", "summary_en", "description_en"}


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


@functools.cache
def config() -> dict[str, Any]:
    return load(CONFIG)


def rule_files() -> list[Path]:
    return sorted(path for glob in config()["rule_files"] for path in PROMETHEUS.glob(glob))


def alert_rules() -> dict[str, dict[str, Any]]:
    rules = {}
    for path in rule_files():
        for group in load(path)["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    rules[rule["alert"]] = rule
    return rules


def scrape_targets() -> dict[str, list[str]]:
    return {
        job["job_name"]: [t for static in job["static_configs"] for t in static["targets"]]
        for job in config()["scrape_configs"]
    }


def test_prometheus_scrapes_each_service_and_itself() -> None:
    expected = {name: [target] for name, target in SERVICE_TARGETS.items()}
    assert scrape_targets() == {**expected, "prometheus": ["localhost:9090"]}


def test_scraped_ports_are_the_ports_the_services_answer_health_checks_on() -> None:
    compose = load(ROOT / "compose.yaml")["services"]
    for job, target in SERVICE_TARGETS.items():
        host, port = target.split(":")
        assert host in compose, f"{job}: no compose service {host}"
        probe = " ".join(compose[host]["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/healthz" in probe


def test_rule_files_include_the_pipeline_rules() -> None:
    assert PROMETHEUS / "rules" / "pipeline.yml" in rule_files()


def test_alerts_have_a_severity_and_annotations_in_vietnamese_and_english() -> None:
    assert alert_rules(), "no alert rules"
    for name, rule in alert_rules().items():
        assert rule["labels"]["severity"] in SEVERITIES, name
        assert set(rule["annotations"]) >= ANNOTATIONS, name
        # Vietnamese text carries diacritics; an unaccented "translation" is a bug.
        assert re.search(r"[^\x00-\x7f]", rule["annotations"]["summary"]), name
        assert rule["annotations"]["summary"] != rule["annotations"]["summary_en"], name


def test_service_down_alert_watches_every_service_for_two_minutes() -> None:
    rule = alert_rules()["IocServiceDown"]
    assert rule["for"] == "2m"
    assert rule["labels"]["severity"] == "critical"
    for job in SERVICE_TARGETS:
        assert re.search(rf"\b{job}\b", rule["expr"]), job


# --- promtool ------------------------------------------------------------------------------


def promtool(*arguments: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.skip(
            "promtool is not installed: it comes with Debian's `prometheus` package "
            "(apt-get install prometheus)"
        )
    return subprocess.run(
        [binary, *arguments], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_promtool_accepts_the_config() -> None:
    run = promtool("check", "config", str(CONFIG))
    assert run.returncode == 0, run.stdout + run.stderr


def test_promtool_accepts_the_rules() -> None:
    run = promtool("check", "rules", *map(str, rule_files()))
    assert run.returncode == 0, run.stdout + run.stderr


def rendered(template: str, labels: dict[str, str]) -> str:
    text = re.sub(r"\{\{\s*\$labels\.(\w+)\s*\}\}", lambda m: labels[m[1]], template)
    assert "{{" not in text, f"this test renders only $labels.NAME: {template!r}"
    return text


def test_service_down_fires_after_two_minutes_for_services_only(tmp_path: Path) -> None:
    rule = alert_rules()["IocServiceDown"]
    # Every target answers at 0m and 1m and is down from 2m on; Prometheus itself too.
    series = {**SERVICE_TARGETS, "prometheus": "localhost:9090"}
    expected = []
    for job, instance in SERVICE_TARGETS.items():
        labels = {"job": job, "instance": instance, **rule["labels"]}
        expected.append(
            {
                "exp_labels": labels,
                "exp_annotations": {k: rendered(v, labels) for k, v in rule["annotations"].items()},
            }
        )
    unit_test = {
        "rule_files": [str(path) for path in rule_files()],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": f'up{{job="{job}", instance="{instance}"}}', "values": "1 1 0x6"}
                    for job, instance in series.items()
                ],
                "alert_rule_test": [
                    {"eval_time": "1m", "alertname": "IocServiceDown", "exp_alerts": []},
                    # Down for one minute only: pending, not firing.
                    {"eval_time": "3m", "alertname": "IocServiceDown", "exp_alerts": []},
                    {"eval_time": "4m", "alertname": "IocServiceDown", "exp_alerts": expected},
                ],
            }
        ],
    }
    path = tmp_path / "pipeline_test.yml"
    path.write_text(yaml.safe_dump(unit_test, allow_unicode=True), encoding="utf-8")
    run = promtool("test", "rules", str(path), cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
