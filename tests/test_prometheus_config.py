"""Prometheus's configurations and the pipeline's alerting rules.

Parsed: every service is scraped where it listens, the rules name only metrics and labels
the services really expose, and every alert has unit tests that see it fire and stay
quiet. tests/prometheus/test_promtool.py has promtool check them and run those unit tests.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.metrics import AggregatorMetrics
from ioc_alerts.config import AlertsSettings
from ioc_alerts.metrics import AlertMetrics
from ioc_alerts.notify.delivery import DeliveryOutcome
from ioc_derived.config import DerivedSettings
from ioc_ingest.config import IngestSettings
from ioc_ingest.metrics import IngestMetrics
from ioc_messaging.lag_exporter.metrics import LagMetrics
from ioc_messaging.lag_exporter.settings import LagExporterSettings

ROOT = Path(__file__).resolve().parents[1]
PROMETHEUS = ROOT / "deploy" / "prometheus"
CONFIG = PROMETHEUS / "prometheus.yml"
LOCAL_CONFIG = PROMETHEUS / "prometheus.local.yml"
UNIT_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
SERVICE_TARGETS = {
    "ingest": "ingest:8080",
    "aggregator": "aggregator:9102",
    "alerts": "alerts:8082",
    "derived": "derived:9104",
    "lag-exporter": "lag-exporter:9105",
}
# The ports the services listen on when nothing else is said: the local runner's.
DEFAULT_PORTS = {
    "ingest": IngestSettings.model_fields["http_port"].default,
    "aggregator": AggregatorSettings.model_fields["http_port"].default,
    "alerts": AlertsSettings.model_fields["http_port"].default,
    "derived": DerivedSettings.model_fields["http_port"].default,
    "lag-exporter": LagExporterSettings.model_fields["http_port"].default,
}
SEVERITIES = {"critical", "warning", "info"}
# Vietnamese first, English beside it.
ANNOTATIONS = {"summary", "description", "summary_en", "description_en"}
# Labels Prometheus adds to every scraped series.
TARGET_LABELS = {"job", "instance"}


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


@functools.cache
def config(path: Path = CONFIG) -> dict[str, Any]:
    return load(path)


def rule_files(path: Path = CONFIG) -> list[Path]:
    folder = path.parent
    return sorted(found for glob in config(path)["rule_files"] for found in folder.glob(glob))


def all_rules() -> list[dict[str, Any]]:
    return [
        rule for path in rule_files() for group in load(path)["groups"] for rule in group["rules"]
    ]


def alert_rules() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in all_rules() if "alert" in rule}


def scrape_targets(path: Path = CONFIG) -> dict[str, list[str]]:
    return {
        job["job_name"]: [t for static in job["static_configs"] for t in static["targets"]]
        for job in config(path)["scrape_configs"]
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


def test_local_config_scrapes_the_default_ports_on_loopback_with_the_same_jobs() -> None:
    expected = {job: [f"127.0.0.1:{port}"] for job, port in DEFAULT_PORTS.items()}
    assert scrape_targets(LOCAL_CONFIG) == expected
    # Same job names and rules as compose, so the alerts work the same on one machine.
    assert rule_files(LOCAL_CONFIG) == rule_files()


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


def test_the_pipeline_alerts_the_issue_asks_for_exist() -> None:
    watched = {
        "IocServiceDown": "up",
        "IocConsumerLagGrowing": "service_group_topic:ioc_consumer_group_lag:sum",
        "IocConsumerStalled": "ioc_consumer_group_stalled_seconds",
        "IocConsumerLagUnmeasured": "ioc_lag_exporter_unreadable_groups",
        "IocDeadLettersHigh": "ioc_aggregator_dead_letters_total",
        "IocRecordsQuarantined": "ioc_aggregator_quarantined_total",
        "IocIngestServerErrors": "ioc_ingest_requests_total",
        "IocIngestKafkaPublishFailing": "ioc_ingest_kafka_publish_failures_total",
        "IocAggregatorDatabaseDown": "ioc_aggregator_database_up",
        "IocNotificationsFailing": "ioc_alerts_notifications_total",
        "IocNotificationsPilingUp": "ioc_alerts_notifications_pending",
    }
    rules = alert_rules()
    for alert, metric in watched.items():
        assert alert in rules, alert
        assert metric in rules[alert]["expr"], alert


# --- the rules against the services' own metrics -------------------------------------------


def exposed_metrics() -> dict[str, set[str]]:
    """Every series name the services can expose, with the labels it carries."""
    registry = CollectorRegistry()
    collections: list[object] = [
        AggregatorMetrics.create(registry),
        AlertMetrics.create(registry),
        IngestMetrics.build(registry),
        LagMetrics.create(registry),
    ]
    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}
    exposed: dict[str, set[str]] = {}
    for collection in collections:
        for field in dataclasses.fields(collection):  # type: ignore[arg-type]
            metric = getattr(collection, field.name)
            if not isinstance(metric, MetricWrapperBase):
                continue
            for family in metric.describe():
                for suffix in suffixes[family.type]:
                    labels = set(metric._labelnames) | TARGET_LABELS
                    if suffix == "_bucket":
                        labels.add("le")
                    exposed[family.name + suffix] = labels
    return exposed


# A metric name not glued to a recording rule's `level:` prefix or `:operation` suffix.
METRIC_NAME = re.compile(r"(?<![\w:])(ioc_\w+)(?![\w:])")
SELECTOR = re.compile(r"(?<![\w:])(ioc_\w+)\{([^}]*)\}")
MATCHER = re.compile(r'(\w+)\s*(?:=~|!~|!=|=)\s*"([^"]*)"')


def test_rules_name_only_metrics_and_labels_the_services_expose() -> None:
    exposed = exposed_metrics()
    recorded = {rule["record"] for rule in all_rules() if "record" in rule}
    for rule in all_rules():
        name = rule.get("alert") or rule["record"]
        for metric in METRIC_NAME.findall(rule["expr"]):
            assert metric in exposed, f"{name}: no service exposes {metric}"
        for metric, matchers in SELECTOR.findall(rule["expr"]):
            for label, _ in MATCHER.findall(matchers):
                assert label in exposed[metric], f"{name}: {metric} has no label {label}"
        for used in re.findall(r"\b\w+:\w+:\w+\b", rule["expr"]):
            assert used in recorded, f"{name}: {used} is not recorded by any rule"


def test_notification_outcomes_in_the_rules_are_the_dispatchers_outcomes() -> None:
    outcomes = {outcome.value for outcome in DeliveryOutcome}
    for rule in all_rules():
        for metric, matchers in SELECTOR.findall(rule["expr"]):
            if metric == "ioc_alerts_notifications_total":
                for label, value in MATCHER.findall(matchers):
                    assert label != "outcome" or value in outcomes, rule.get("alert")


def test_every_alert_is_unit_tested_firing_and_quiet() -> None:
    assert UNIT_TESTS, "no promtool unit tests in deploy/prometheus/tests"
    fires: set[str] = set()
    quiet: set[str] = set()
    for path in UNIT_TESTS:
        for case in load(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert set(alert_rules()) - fires == set(), "alerts never seen firing"
    assert set(alert_rules()) - quiet == set(), "alerts never seen staying quiet"
