"""Prometheus, Alertmanager and Grafana for the local runner, where they are installed.

Each reads the shipped configuration rewritten for the ports IOC_*_PORT chose
(deploy/local/local_config.py); a tool that is not installed is left out.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping

from local_config import LocalPorts, alertmanager_config, grafana_provisioning, prometheus_config
from local_process import HOME, LOGS, Child

from ioc_messaging.lag_exporter.settings import pipeline_groups

# Where each consumer reads its group and topic from: the variables of its own settings.
_CONSUMERS = (
    ("aggregator", "IOC_AGGREGATOR_GROUP_ID", "IOC_AGGREGATOR_SOURCE_TOPIC"),
    ("alerts", "IOC_ALERTS_GROUP_ID", "IOC_ALERTS_UPDATES_TOPIC"),
    ("derived", "IOC_DERIVED_GROUP_ID", "IOC_DERIVED_UPDATES_TOPIC"),
)


def watched_groups(env: Mapping[str, str]) -> str:
    """IOC_LAG_WATCHED for the lag exporter: the groups and topics the services will use
    with `env`, so a group renamed there is measured under its new name, not left
    unwatched while the exporter measures one that nobody runs any more."""
    defaults = {group.service: group for group in pipeline_groups()}
    return json.dumps(
        [
            {
                "service": service,
                "group": env.get(group, defaults[service].group),
                "topic": env.get(topic, defaults[service].topic),
            }
            for service, group, topic in _CONSUMERS
        ]
    )


def monitoring_children(
    *,
    with_prometheus: bool,
    with_grafana: bool,
    base: dict[str, str],
    settings: dict[str, str],
    ports: LocalPorts,
) -> list[Child]:
    """The monitoring tools asked for that are installed here; Alertmanager comes with
    Prometheus, which sends it the alerts."""
    children: list[Child] = []
    prometheus_port = ports.prometheus
    if with_prometheus and shutil.which("prometheus"):
        # The shipped config with the ports IOC_*_PORT chose (deploy/local/local_config.py).
        local_config = prometheus_config(ports, HOME / "prometheus")
        children.append(
            Child(
                "prometheus",
                [
                    "prometheus",
                    f"--config.file={local_config}",
                    f"--storage.tsdb.path={HOME / 'prometheus'}",
                    f"--web.listen-address=127.0.0.1:{prometheus_port}",
                ],
                base,
                f"http://127.0.0.1:{prometheus_port}/-/ready",
            )
        )
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if alertmanager and "prometheus" in {c.name for c in children}:
        children.append(alertmanager_child(alertmanager, base, ports))
    grafana = shutil.which("grafana-server") or shutil.which("grafana")
    if with_grafana and grafana:
        grafana_port = ports.grafana
        provisioning = grafana_provisioning(ports, HOME / "grafana" / "provisioning")
        command = [grafana] if grafana.endswith("grafana-server") else [grafana, "server"]
        children.append(
            Child(
                "grafana",
                [*command, "--homepath", os.environ.get("GF_HOME", "/usr/share/grafana")],
                {
                    **base,
                    "GF_PATHS_PROVISIONING": str(provisioning),
                    "GF_PATHS_DATA": str(HOME / "grafana" / "data"),
                    "GF_PATHS_LOGS": str(LOGS),
                    "GF_SERVER_HTTP_ADDR": "127.0.0.1",
                    "GF_SERVER_HTTP_PORT": str(grafana_port),
                    "IOC_DB_PASSWORD_READER": settings["IOC_DB_PASSWORD_READER"],
                },
                f"http://127.0.0.1:{grafana_port}/api/health",
            )
        )
    return children


def alertmanager_child(binary: str, env: dict[str, str], ports: LocalPorts) -> Child:
    """Alertmanager on its local port (where the local Prometheus sends alerts), mailing
    the pipeline alerts to the duty desk in the demo mailbox."""
    folder = HOME / "alertmanager"
    config = alertmanager_config(ports, folder)
    return Child(
        "alertmanager",
        [
            binary,
            f"--config.file={config}",
            f"--storage.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{ports.alertmanager}",
            # One instance, and never the gossip port 9094 (Kafka's SASL listener here).
            "--cluster.listen-address=",
        ],
        env,
        f"http://127.0.0.1:{ports.alertmanager}/-/ready",
    )
