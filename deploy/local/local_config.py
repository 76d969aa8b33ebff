"""The shipped Prometheus, Alertmanager and Grafana configuration, rewritten for one
machine: the loopback ports `IOC_*_PORT` chose and the repository's own folders.

The shipped files are written for compose.yaml (service names, container paths); the
local runner reads them as YAML and sets every address and path it knows, and refuses
to start on a file it does not recognise (a new job, a new provider) rather than run a
Prometheus that scrapes nothing or a Grafana that shows no dashboard.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
ALERTMANAGER_DIR = ROOT / "deploy" / "alertmanager"
GRAFANA_DIR = ROOT / "deploy" / "grafana"
DASHBOARDS_DIR = GRAFANA_DIR / "dashboards"


class ConfigMismatchError(RuntimeError):
    """A shipped configuration file holds something the local runner cannot place."""


@dataclass(frozen=True, slots=True)
class LocalPorts:
    """Every loopback port of the local system, from `IOC_*_PORT` or the defaults."""

    ingest: int = 8080
    aggregator: int = 9102
    alerts: int = 8082
    derived: int = 9104
    lag_exporter: int = 9105
    mailbox: int = 1025
    prometheus: int = 9090
    # Not Alertmanager's usual 9093: that is the local Kafka's controller port.
    alertmanager: int = 9099
    grafana: int = 3000
    postgres: int = 5432

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LocalPorts:
        def port(name: str, default: int) -> int:
            return int(env.get(name, default))

        defaults = cls()
        return cls(
            ingest=port("IOC_INGEST_PORT", defaults.ingest),
            aggregator=port("IOC_AGGREGATOR_PORT", defaults.aggregator),
            alerts=port("IOC_ALERTS_PORT", defaults.alerts),
            derived=port("IOC_DERIVED_PORT", defaults.derived),
            lag_exporter=port("IOC_LAG_EXPORTER_PORT", defaults.lag_exporter),
            mailbox=port("IOC_MAILBOX_PORT", defaults.mailbox),
            prometheus=port("IOC_PROMETHEUS_PORT", defaults.prometheus),
            alertmanager=port("IOC_ALERTMANAGER_PORT", defaults.alertmanager),
            grafana=port("IOC_GRAFANA_PORT", defaults.grafana),
            postgres=port("IOC_PG_PORT", defaults.postgres),
        )

    def scrape_targets(self) -> dict[str, int]:
        """Prometheus job name → the port its service's /metrics is on."""
        return {
            "ingest": self.ingest,
            "aggregator": self.aggregator,
            "alerts": self.alerts,
            "derived": self.derived,
            "lag-exporter": self.lag_exporter,
        }


def _load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ConfigMismatchError(f"{path} is not a YAML mapping")
    return loaded


def _write(path: Path, content: Mapping[str, Any], source: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Written by deploy/local/run_system.py from {source.relative_to(ROOT)}.\n"
    path.write_text(header + yaml.safe_dump(dict(content), sort_keys=False), encoding="utf-8")
    return path


def prometheus_config(ports: LocalPorts, folder: Path) -> Path:
    """prometheus.local.yml with each job scraping its service's port, the rules by
    absolute path, and alerts sent to the local Alertmanager's port."""
    source = PROMETHEUS_DIR / "prometheus.local.yml"
    config = _load(source)
    targets = ports.scrape_targets()
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    if jobs != set(targets):
        raise ConfigMismatchError(
            f"{source}: jobs {sorted(jobs)} are not the local services {sorted(targets)}"
        )
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [f"127.0.0.1:{targets[job['job_name']]}"]}]
    config["rule_files"] = [str(PROMETHEUS_DIR / pattern) for pattern in config["rule_files"]]
    config["alerting"]["alertmanagers"] = [
        {"static_configs": [{"targets": [f"127.0.0.1:{ports.alertmanager}"]}]}
    ]
    return _write(folder / "prometheus.yml", config, source)


def alertmanager_config(ports: LocalPorts, folder: Path) -> Path:
    """alertmanager.yml mailing the duty desk through the demo mailbox, with the
    repository's templates."""
    source = ALERTMANAGER_DIR / "alertmanager.yml"
    config = _load(source)
    if "smtp_smarthost" not in config.get("global", {}):
        raise ConfigMismatchError(f"{source}: no global smtp_smarthost to point at the mailbox")
    config["global"]["smtp_smarthost"] = f"127.0.0.1:{ports.mailbox}"
    config["templates"] = [
        str(ALERTMANAGER_DIR / Path(template).name) for template in config.get("templates", [])
    ]
    return _write(folder / "alertmanager.yml", config, source)


def grafana_provisioning(ports: LocalPorts, folder: Path) -> Path:
    """The repository's provisioning with the data sources on this machine's database
    and Prometheus, and every dashboard provider reading deploy/grafana/dashboards."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(GRAFANA_DIR / "provisioning", folder)
    urls = {
        "grafana-postgresql-datasource": f"127.0.0.1:{ports.postgres}",
        "prometheus": f"http://127.0.0.1:{ports.prometheus}",
    }
    for path in sorted((folder / "datasources").glob("*.y*ml")):
        config = _load(path)
        for source in config.get("datasources", []):
            if source["type"] not in urls:
                raise ConfigMismatchError(f"{path}: no local address for a {source['type']}")
            source["url"] = urls[source["type"]]
        _write(path, config, GRAFANA_DIR / "provisioning" / "datasources" / path.name)
    for path in sorted((folder / "dashboards").glob("*.y*ml")):
        config = _load(path)
        for provider in config.get("providers", []):
            provider.setdefault("options", {})["path"] = str(DASHBOARDS_DIR)
        _write(path, config, GRAFANA_DIR / "provisioning" / "dashboards" / path.name)
    return folder
