"""The local runner's lag exporter measures the consumer groups the services it starts
will actually use: a group or topic renamed in the environment is watched under its new
name, read through each service's own settings, not left unwatched."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from ioc_aggregator.config import AggregatorSettings
from ioc_alerts.config import AlertsSettings
from ioc_derived.config import DerivedSettings
from ioc_messaging.lag_exporter.settings import LagExporterSettings, pipeline_groups

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

import run_system  # noqa: E402  (a script beside its helpers, not a package)

SETTINGS = {
    f"IOC_DATABASE_URL_{role}": f"postgresql://{role.lower()}@127.0.0.1:5432/ioc"
    for role in ("INGEST", "WRITER", "ALERTS", "DERIVED", "READER", "MIGRATOR")
} | {"IOC_ACK_SECRET": "a local secret of thirty-two chars or more"}
RENAMED = {
    "IOC_AGGREGATOR_GROUP_ID": "ioc-aggregator-blue",
    "IOC_AGGREGATOR_SOURCE_TOPIC": "ioc.indicator-events.v2",
    "IOC_DERIVED_GROUP_ID": "ioc-derived-blue",
}


def _children(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, Any]:
    for key in [k for k in os.environ if k.startswith("IOC_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    arguments = argparse.Namespace(speed=1.0, prometheus=False, grafana=False, demo=False)
    return {child.name: child for child in run_system.build(arguments, dict(SETTINGS))}


def _read(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], settings: type[Any]) -> Any:
    """The settings a service would read from `env`, its process's whole environment."""
    with monkeypatch.context() as scoped:
        for key in [k for k in os.environ if k.startswith("IOC_")]:
            scoped.delenv(key)
        for key, value in env.items():
            if key.startswith("IOC_"):
                scoped.setenv(key, value)
        return settings()


def test_renamed_groups_and_topics_are_watched_under_their_new_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    children = _children(monkeypatch, RENAMED)

    watched = {
        g.service: (g.group, g.topic)
        for g in _read(monkeypatch, children["lag-exporter"].env, LagExporterSettings).lag_watched
    }
    aggregator = _read(monkeypatch, children["aggregator"].env, AggregatorSettings)
    alerts = _read(monkeypatch, children["alerts"].env, AlertsSettings)
    derived = _read(monkeypatch, children["derived"].env, DerivedSettings)
    assert watched == {
        "aggregator": (aggregator.aggregator_group_id, aggregator.aggregator_source_topic),
        "alerts": (alerts.alerts_group_id, alerts.alerts_updates_topic),
        "derived": (derived.derived_group_id, derived.derived_updates_topic),
    }
    assert watched["aggregator"] == ("ioc-aggregator-blue", "ioc.indicator-events.v2")
    assert watched["derived"][0] == "ioc-derived-blue"


def test_without_renames_the_pipeline_defaults_are_watched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    children = _children(monkeypatch, {})
    exporter = _read(monkeypatch, children["lag-exporter"].env, LagExporterSettings)
    assert exporter.lag_watched == pipeline_groups()


def test_a_list_given_by_the_caller_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    own = '[{"service": "aggregator", "group": "mine", "topic": "ioc.indicator-events"}]'
    children = _children(monkeypatch, {**RENAMED, "IOC_LAG_WATCHED": own})
    assert children["lag-exporter"].env["IOC_LAG_WATCHED"] == own
