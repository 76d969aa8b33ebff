"""The cluster's copy of the Alertmanager configuration, for the Prometheus Operator.

On Kubernetes the operator runs Alertmanager: the configuration is a Secret (the relay's
password is one), the templates a ConfigMap it mounts under configmaps/. Written from
deploy/alertmanager by `uv run python tests/alertmanager/cluster_copy.py --write-k8s`;
test_cluster_copy.py fails when the file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ALERTMANAGER = ROOT / "deploy" / "alertmanager"
K8S_ALERTMANAGER = ROOT / "deploy" / "k8s" / "components" / "monitoring" / "alertmanager.yaml"
K8S_TEMPLATES = "ioc-alertmanager-templates"
K8S_GLOBAL = {
    "smtp_smarthost": "smtp.binhduong.example:587",
    "smtp_from": "ioc-giam-sat@binhduong.example",
    "smtp_auth_username": "ioc-giam-sat@binhduong.example",
    "smtp_auth_password": "change-me",
    "smtp_require_tls": True,
    "resolve_timeout": "5m",
}
_PART_OF = {"app.kubernetes.io/part-of": "ioc-monitor"}


def k8s_documents() -> list[dict[str, Any]]:
    config: dict[str, Any] = yaml.safe_load(
        (ALERTMANAGER / "alertmanager.yml").read_text(encoding="utf-8")
    )
    config["global"] = K8S_GLOBAL
    config["templates"] = [f"/etc/alertmanager/configmaps/{K8S_TEMPLATES}/*.tmpl"]
    return [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "Alertmanager",
            "metadata": {"name": "ioc", "labels": _PART_OF},
            "spec": {
                # Two replicas gossip, so a drained node loses no notification state.
                "replicas": 2,
                "configSecret": "ioc-alertmanager",
                "configMaps": [K8S_TEMPLATES],
                "resources": {
                    "requests": {"cpu": "20m", "memory": "64Mi"},
                    "limits": {"memory": "128Mi"},
                },
                "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "fsGroup": 65534},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "ioc-alertmanager", "labels": _PART_OF},
            "type": "Opaque",
            "stringData": {
                "alertmanager.yaml": yaml.safe_dump(
                    config, allow_unicode=True, sort_keys=False, width=4096
                )
            },
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": K8S_TEMPLATES, "labels": _PART_OF},
            "data": {"ioc.tmpl": (ALERTMANAGER / "ioc.tmpl").read_text(encoding="utf-8")},
        },
    ]


def write_k8s_alertmanager() -> None:
    header = (
        "# Alertmanager for the Prometheus Operator, routing the pipeline alerts to the IOC\n"
        "# duty desk: deploy/alertmanager/alertmanager.yml and ioc.tmpl with the province's\n"
        "# mail relay (replace the password). Point the cluster's Prometheus at it (see\n"
        "# docs/operations.md). tests/alertmanager/test_cluster_copy.py fails when it is stale:\n"
        "#   uv run python tests/alertmanager/cluster_copy.py --write-k8s\n"
    )
    body = yaml.safe_dump_all(k8s_documents(), allow_unicode=True, sort_keys=False, width=4096)
    K8S_ALERTMANAGER.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-k8s"]:
        sys.exit(f"usage: {sys.argv[0]} --write-k8s")
    write_k8s_alertmanager()
