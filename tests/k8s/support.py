"""The Kubernetes manifests (deploy/k8s), checked without a cluster: what the tests of
tests/k8s share. The operators' custom resources (Strimzi, CloudNativePG, the Prometheus
Operator) have no bundled schema, so the fields their operators need are checked by the
tests; the manifests are checked against the code too (settings, topics, ACLs).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings

from ioc_aggregator.config import AggregatorSettings
from ioc_alerts.config import AlertsSettings
from ioc_derived.config import DerivedSettings
from ioc_ingest.config import IngestSettings
from ioc_messaging.acls import (
    AGGREGATOR_PRINCIPAL,
    ALERTS_PRINCIPAL,
    DERIVED_PRINCIPAL,
    INGEST_PRINCIPAL,
    LAG_EXPORTER_PRINCIPAL,
)
from ioc_messaging.lag_exporter.settings import LagExporterSettings
from ioc_messaging.settings import KafkaSettings
from ioc_storage.settings import BootstrapSettings, DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]


K8S = ROOT / "deploy" / "k8s"


BASE = K8S / "base"


MONITORING = K8S / "components" / "monitoring"


OVERLAY = K8S / "overlays" / "binh-duong"


# A version kubernetes-validate bundles; the manifests use nothing newer.
KUBERNETES_VERSION = "1.30"


BUILT_IN_API_VERSIONS = {
    "v1",
    "apps/v1",
    "batch/v1",
    "policy/v1",
    "autoscaling/v2",
    "networking.k8s.io/v1",
}


CUSTOM_KINDS = {
    ("kafka.strimzi.io/v1", "Kafka"),
    ("kafka.strimzi.io/v1", "KafkaNodePool"),
    ("kafka.strimzi.io/v1", "KafkaTopic"),
    ("kafka.strimzi.io/v1", "KafkaUser"),
    ("postgresql.cnpg.io/v1", "Cluster"),
    ("postgresql.cnpg.io/v1", "ScheduledBackup"),
    ("barmancloud.cnpg.io/v1", "ObjectStore"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("monitoring.coreos.com/v1", "Alertmanager"),
}


SERVICES: dict[str, type[BaseSettings]] = {
    "ingest": IngestSettings,
    "aggregator": AggregatorSettings,
    "alerts": AlertsSettings,
    "derived": DerivedSettings,
}


# Each service logs in to Kafka as its own principal, with its ACLs (kafka-users.yaml).
# Run from a service's image without being a service: name -> (command, settings, image).
EXPORTERS: dict[str, tuple[str, type[BaseSettings], str]] = {
    "lag-exporter": ("python -m ioc_messaging.lag_exporter", LagExporterSettings, "aggregator"),
}


DEPLOYED: dict[str, type[BaseSettings]] = {
    **SERVICES,
    **{name: settings for name, (_, settings, _) in EXPORTERS.items()},
}


KAFKA_PRINCIPALS = {
    "ingest": INGEST_PRINCIPAL,
    "aggregator": AGGREGATOR_PRINCIPAL,
    "alerts": ALERTS_PRINCIPAL,
    "derived": DERIVED_PRINCIPAL,
    "lag-exporter": LAG_EXPORTER_PRINCIPAL,
}


# Each service connects as its own role (the least-privilege model of docs/design.md).
DATABASE_ROLES = {
    "ingest": "ioc_ingest",
    "aggregator": "ioc_writer",
    "alerts": "ioc_alerts",
    "derived": "ioc_derived",
    "init": "ioc_migrator",
}


# What the init Job runs: `ioc-db` (storage settings) and `ioc-topics` (Kafka settings).
INIT_SETTINGS: tuple[type[BaseSettings], ...] = (BootstrapSettings, DatabaseSettings, KafkaSettings)


# Secrets an operator creates, not these manifests: CloudNativePG's superuser, Strimzi's
# cluster CA certificate, and the User Operator's one Secret per KafkaUser (added below).
GENERATED_SECRETS = {"ioc-timescaledb-superuser", "ioc-kafka-cluster-ca-cert"}


PLACEHOLDER = "change-me"


Resource = dict[str, Any]


def load_all(path: Path) -> list[Resource]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def kustomization(folder: Path) -> Resource:
    return load_all(folder / "kustomization.yaml")[0]


def listed_files(folder: Path) -> list[Path]:
    return [folder / name for name in kustomization(folder)["resources"]]


@functools.cache
def base_resources() -> tuple[Resource, ...]:
    return tuple(doc for path in listed_files(BASE) for doc in load_all(path))


@functools.cache
def monitoring_resources() -> tuple[Resource, ...]:
    return tuple(doc for path in listed_files(MONITORING) for doc in load_all(path))


def all_resources() -> tuple[Resource, ...]:
    return base_resources() + monitoring_resources()


def resource_id(resource: Resource) -> str:
    return f"{resource['kind']}/{resource['metadata']['name']}"


def of_kind(kind: str, resources: tuple[Resource, ...] | None = None) -> list[Resource]:
    return [r for r in (resources or all_resources()) if r["kind"] == kind]


def named(kind: str, name: str) -> Resource:
    found = [r for r in of_kind(kind) if r["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def deployment(service: str) -> Resource:
    return named("Deployment", f"ioc-{service}")


def pod_spec(workload: Resource) -> Resource:
    if workload["kind"] == "CronJob":
        spec: Resource = workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return spec
    spec = workload["spec"]["template"]["spec"]
    return spec


def workloads(resources: tuple[Resource, ...] | None = None) -> list[Resource]:
    return [
        r for r in (resources or all_resources()) if r["kind"] in {"Deployment", "Job", "CronJob"}
    ]


def containers(workload: Resource) -> list[Resource]:
    spec = pod_spec(workload)
    found: list[Resource] = [*spec.get("initContainers", []), *spec["containers"]]
    return found


def main_container(service: str) -> Resource:
    (container,) = pod_spec(deployment(service))["containers"]
    found: Resource = container
    return found


def env_values(container: Resource) -> dict[str, Resource]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def config_map_data(name: str) -> dict[str, str]:
    data: dict[str, str] = named("ConfigMap", name)["data"]
    return data


def secret_data(name: str) -> dict[str, str]:
    data: dict[str, str] = named("Secret", name)["stringData"]
    return data


def built_in(resources: tuple[Resource, ...]) -> list[Resource]:
    return [r for r in resources if r["apiVersion"] in BUILT_IN_API_VERSIONS]


def kafka() -> Resource:
    (cluster,) = of_kind("Kafka")
    return cluster


def database() -> Resource:
    (cluster,) = of_kind("Cluster")
    return cluster
