"""The local runner's Prometheus, Alertmanager and Grafana configuration agree with the
ports `IOC_*_PORT` chose and with the folders the shipped files name.

Each test fails on one mismatch that once shipped: Grafana's dashboards written where
its provisioning did not read, and a local Prometheus scraping default ports after the
services had moved.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _local_config() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "local_config", ROOT / "deploy/local/local_config.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["local_config"] = module
    spec.loader.exec_module(module)
    return module


local_config = _local_config()

MOVED = local_config.LocalPorts.from_env(
    {
        "IOC_INGEST_PORT": "18080",
        "IOC_AGGREGATOR_PORT": "19102",
        "IOC_ALERTS_PORT": "18082",
        "IOC_DERIVED_PORT": "19104",
        "IOC_LAG_EXPORTER_PORT": "19105",
        "IOC_MAILBOX_PORT": "11025",
        "IOC_PROMETHEUS_PORT": "19090",
        "IOC_ALERTMANAGER_PORT": "19093",
        "IOC_PG_PORT": "15432",
    }
)


def _yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def test_grafana_reads_its_dashboards_from_the_repository(tmp_path: Path) -> None:
    folder = local_config.grafana_provisioning(MOVED, tmp_path / "provisioning")
    (provider_file,) = (folder / "dashboards").glob("*.y*ml")
    providers = _yaml(provider_file)["providers"]
    assert providers
    shipped = {p.name for p in (ROOT / "deploy/grafana/dashboards").glob("*.json")}
    for provider in providers:
        path = Path(provider["options"]["path"])
        assert path.is_dir(), f"Grafana would read dashboards from {path}, which is not there"
        assert {p.name for p in path.glob("*.json")} == shipped


def test_grafana_data_sources_follow_the_moved_ports(tmp_path: Path) -> None:
    folder = local_config.grafana_provisioning(MOVED, tmp_path / "provisioning")
    (datasources_file,) = (folder / "datasources").glob("*.y*ml")
    urls = {s["uid"]: s["url"] for s in _yaml(datasources_file)["datasources"]}
    assert urls == {
        "ioc-timescaledb": "127.0.0.1:15432",
        "ioc-prometheus": "http://127.0.0.1:19090",
    }
    # Grafana expands the password from its environment; the rewrite keeps it a reference.
    assert "$IOC_DB_PASSWORD_READER" in datasources_file.read_text(encoding="utf-8")


def test_compose_mounts_the_dashboards_where_the_provisioning_reads_them() -> None:
    provisioning = ROOT / "deploy/grafana/provisioning/dashboards"
    (provider_file,) = provisioning.glob("*.y*ml")
    paths = {p["options"]["path"] for p in _yaml(provider_file)["providers"]}
    volumes = _yaml(ROOT / "compose.yaml")["services"]["grafana"]["volumes"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in volumes if isinstance(v, str)}
    for path in paths:
        assert path in mounts, f"compose.yaml mounts nothing at {path}"
        assert mounts[path] == "./deploy/grafana/dashboards"


def test_the_local_prometheus_scrapes_the_ports_the_services_moved_to(tmp_path: Path) -> None:
    config = _yaml(local_config.prometheus_config(MOVED, tmp_path))
    targets = {
        job["job_name"]: [t for c in job["static_configs"] for t in c["targets"]]
        for job in config["scrape_configs"]
    }
    assert targets == {
        "ingest": ["127.0.0.1:18080"],
        "aggregator": ["127.0.0.1:19102"],
        "alerts": ["127.0.0.1:18082"],
        "derived": ["127.0.0.1:19104"],
        "lag-exporter": ["127.0.0.1:19105"],
    }
    (manager,) = config["alerting"]["alertmanagers"]
    assert manager["static_configs"][0]["targets"] == ["127.0.0.1:19093"]
    for pattern in config["rule_files"]:
        assert list(Path(pattern).parent.glob(Path(pattern).name)), pattern


def test_every_service_the_runner_starts_is_scraped() -> None:
    runner = (ROOT / "deploy/local/run_system.py").read_text(encoding="utf-8")
    for module in (
        "ioc_ingest",
        "ioc_aggregator",
        "ioc_alerts",
        "ioc_derived",
        "ioc_messaging.lag_exporter",
    ):
        assert f'"{module}"' in runner
    jobs = {
        j["job_name"]
        for j in _yaml(local_config.PROMETHEUS_DIR / "prometheus.local.yml")["scrape_configs"]
    }
    assert jobs == set(MOVED.scrape_targets())


def test_alertmanager_mails_the_local_mailbox_with_the_repository_templates(
    tmp_path: Path,
) -> None:
    config = _yaml(local_config.alertmanager_config(MOVED, tmp_path))
    assert config["global"]["smtp_smarthost"] == "127.0.0.1:11025"
    for template in config["templates"]:
        assert list(Path(template).parent.glob(Path(template).name)), template


def test_the_rewritten_files_are_valid_for_prometheus_and_alertmanager(tmp_path: Path) -> None:
    checks = [
        ("promtool", "config", local_config.prometheus_config(MOVED, tmp_path / "prometheus")),
        ("amtool", "check-config", local_config.alertmanager_config(MOVED, tmp_path / "am")),
    ]
    for tool, *arguments in checks:
        binary = shutil.which(tool)
        if binary is None:
            continue  # tests/prometheus/test_promtool.py and tests/alertmanager require them
        command = (
            [binary, "check", *map(str, arguments)]
            if tool == "promtool"
            else [binary, *map(str, arguments)]
        )
        run = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert run.returncode == 0, run.stdout + run.stderr
