"""The Kubernetes manifests (deploy/k8s), checked without a cluster.

Built-in kinds are validated against Kubernetes' own schemas (kubernetes-validate, offline,
strict: an unknown or misspelt field fails). The operators' custom resources (Strimzi,
CloudNativePG, the Prometheus Operator) have no bundled schema, so the fields their
operators need are checked here. Then the manifests are checked against the code: the
IOC_* variables against the settings classes, topics against the contract, the Kafka users'
ACLs against the ACLs as code, the aggregator's replicas against the partitions, ports
against probes and Services, images against each other. Where kubectl is installed, the
Bình Dương overlay is rendered and checked too.

    uv run python tests/test_k8s_manifests.py --write-prometheus-rule
    uv run python tests/test_k8s_manifests.py --write-kafka-users

rewrite the Prometheus Operator's copy of the pipeline rules from deploy/prometheus, and
the KafkaUser resources from libs/messaging/src/ioc_messaging/acls.py.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from pydantic_settings import BaseSettings

from ioc_aggregator.config import AggregatorSettings
from ioc_alerts.config import AlertsSettings
from ioc_contracts.topics import ALL_TOPICS, INDICATOR_EVENTS, SERIES_UPDATED
from ioc_derived.config import DerivedSettings
from ioc_ingest.config import IngestSettings
from ioc_messaging.acls import (
    ADMIN_PRINCIPAL,
    AGGREGATOR_PRINCIPAL,
    ALERTS_PRINCIPAL,
    DERIVED_PRINCIPAL,
    INGEST_PRINCIPAL,
    LAG_EXPORTER_PRINCIPAL,
    agency_acls,
    agency_principal,
    service_acls,
    strimzi_kafka_user,
)
from ioc_messaging.lag_exporter.settings import LagExporterSettings
from ioc_messaging.settings import KafkaSettings
from ioc_storage.settings import BootstrapSettings, DatabaseSettings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
MONITORING = K8S / "components" / "monitoring"
OVERLAY = K8S / "overlays" / "binh-duong"
PIPELINE_RULES = ROOT / "deploy" / "prometheus" / "rules" / "pipeline.yml"
PROMETHEUS_RULE = MONITORING / "prometheusrule.yaml"
KAFKA_USERS = BASE / "kafka-users.yaml"
# One agency that publishes straight to Kafka, as the example to copy.
EXAMPLE_AGENCIES = ("so-xd",)

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


# --- loading --------------------------------------------------------------------------------


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


# --- the files and their kinds --------------------------------------------------------------


@pytest.mark.parametrize("folder", [BASE, MONITORING], ids=lambda f: f.name)
def test_every_manifest_file_is_in_its_kustomization(folder: Path) -> None:
    on_disk = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
    listed = set(kustomization(folder)["resources"])
    assert listed == on_disk


def test_every_kind_is_validated_one_way_or_the_other() -> None:
    for resource in all_resources():
        known = resource["apiVersion"] in BUILT_IN_API_VERSIONS
        known = known or (resource["apiVersion"], resource["kind"]) in CUSTOM_KINDS
        assert known, f"{resource_id(resource)}: {resource['apiVersion']} is checked by nothing"


def built_in(resources: tuple[Resource, ...]) -> list[Resource]:
    return [r for r in resources if r["apiVersion"] in BUILT_IN_API_VERSIONS]


@pytest.mark.parametrize("resource", built_in(all_resources()), ids=resource_id)
def test_built_in_kinds_match_the_kubernetes_schema(resource: Resource) -> None:
    try:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        pytest.fail(f"{resource_id(resource)}: {path}: {error.message}")


def test_resource_names_are_unique_per_kind() -> None:
    ids = [resource_id(r) for r in all_resources()]
    assert len(ids) == len(set(ids))


# --- the operators' custom resources -------------------------------------------------------


def kafka() -> Resource:
    (cluster,) = of_kind("Kafka")
    return cluster


def database() -> Resource:
    (cluster,) = of_kind("Cluster")
    return cluster


def test_kafka_runs_in_kraft_mode_on_three_dual_role_nodes() -> None:
    spec = kafka()["spec"]
    assert "zookeeper" not in spec
    assert "replicas" not in spec["kafka"], "node pools own the nodes"
    assert "storage" not in spec["kafka"], "node pools own the storage"
    assert re.fullmatch(r"\d+\.\d+\.\d+", spec["kafka"]["version"])
    assert "topicOperator" in spec["entityOperator"], "topics.yaml needs the topic operator"
    for listener in spec["kafka"]["listeners"]:
        assert {"name", "port", "type", "tls"} <= set(listener)
    (pool,) = of_kind("KafkaNodePool")
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka()["metadata"]["name"]
    assert pool["spec"]["replicas"] >= 3
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    assert pool["spec"]["storage"]["type"] in {"jbod", "persistent-claim"}


def test_kafka_keeps_acknowledged_events_when_a_node_is_lost() -> None:
    config = kafka()["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == 3
    assert config["transaction.state.log.replication.factor"] == 3
    assert config["transaction.state.log.min.isr"] == 2


def test_topics_are_the_contract_with_three_replicas() -> None:
    (pool,) = of_kind("KafkaNodePool")
    topics = {t["metadata"]["name"]: t for t in of_kind("KafkaTopic")}
    assert set(topics) == {spec.name for spec in ALL_TOPICS}
    for spec in ALL_TOPICS:
        topic = topics[spec.name]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka()["metadata"]["name"]
        assert topic["spec"]["partitions"] == spec.partitions, spec.name
        assert topic["spec"]["replicas"] == 3 <= pool["spec"]["replicas"], spec.name
        config = {key: str(value) for key, value in topic["spec"]["config"].items()}
        assert config == {**spec.kafka_config(), "min.insync.replicas": "2"}, spec.name


def test_timescaledb_cluster_preloads_timescaledb_and_creates_the_ioc_database() -> None:
    spec = database()["spec"]
    assert spec["instances"] >= 2, "a replica to fail over to"
    assert spec["imageName"]
    assert "timescaledb" in spec["postgresql"]["shared_preload_libraries"]
    assert spec["postgresql"]["parameters"]["timescaledb.license"] == "apache"
    assert spec["enableSuperuserAccess"] is True, "ioc-db bootstrap needs the superuser"
    assert spec["storage"]["size"]
    initdb = spec["bootstrap"]["initdb"]
    assert (initdb["database"], initdb["owner"]) == ("ioc", "ioc_migrator")
    owner_secret = named("Secret", initdb["secret"]["name"])
    assert owner_secret["type"] == "kubernetes.io/basic-auth"
    assert owner_secret["stringData"]["username"] == initdb["owner"]


def test_database_is_backed_up_to_the_object_store_daily() -> None:
    (plugin,) = database()["spec"]["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io"
    assert plugin["isWALArchiver"] is True
    store = named("ObjectStore", plugin["parameters"]["barmanObjectName"])
    configuration = store["spec"]["configuration"]
    assert configuration["destinationPath"].startswith("s3://")
    for credential in configuration["s3Credentials"].values():
        assert credential["key"] in secret_data(credential["name"])
    assert re.fullmatch(r"\d+[dwm]", store["spec"]["retentionPolicy"])
    (backup,) = of_kind("ScheduledBackup")
    assert backup["spec"]["cluster"]["name"] == database()["metadata"]["name"]
    assert len(backup["spec"]["schedule"].split()) == 6, "CloudNativePG's cron has seconds"
    assert backup["spec"]["method"] == "plugin"
    assert backup["spec"]["pluginConfiguration"]["name"] == plugin["name"]


# --- the services against the code ----------------------------------------------------------


def variable_names(settings: type[BaseSettings]) -> set[str]:
    prefix = str(settings.model_config.get("env_prefix", ""))
    return {f"{prefix}{name}".upper() for name in settings.model_fields}


def required_names(settings: type[BaseSettings]) -> set[str]:
    prefix = str(settings.model_config.get("env_prefix", ""))
    return {
        f"{prefix}{name}".upper()
        for name, field in settings.model_fields.items()
        if field.is_required()
    }


def settings_of(container: Resource) -> tuple[type[BaseSettings], ...]:
    """The settings classes of what the container runs, judged by its command."""
    command = " ".join(container.get("command", []))
    for service, settings in SERVICES.items():
        if command == f"python -m ioc_{service}":
            # Kafka's security settings are read by KafkaSettings (IOC_KAFKA_*) at start.
            return (settings, KafkaSettings)
    for exporter, exporter_settings, _ in EXPORTERS.values():
        if command == exporter:
            return (exporter_settings, KafkaSettings)
    if "ioc-db" in command or "ioc-topics" in command:
        return INIT_SETTINGS
    if "KafkaSettings()" in command:  # a script, e.g. the init Job's wait for the topics
        return (KafkaSettings,)
    return ()


def known_names(container: Resource) -> set[str]:
    names = set().union(*(variable_names(s) for s in settings_of(container)))
    # A script's own variables, e.g. the init Job's wait for the topics.
    return names | set(re.findall(r"\bIOC_\w+", " ".join(container.get("command", []))))


def config_map_names(container: Resource) -> list[str]:
    return [e["configMapRef"]["name"] for e in container.get("envFrom", []) if "configMapRef" in e]


def given_names(container: Resource) -> set[str]:
    names = set(env_values(container))
    for config_map in config_map_names(container):
        names |= set(config_map_data(config_map))
    return names


def all_containers() -> Iterator[tuple[Resource, Resource]]:
    for workload in workloads():
        for container in containers(workload):
            yield workload, container


def test_each_container_is_given_only_variables_it_reads() -> None:
    for workload, container in all_containers():
        unread = {n for n in env_values(container) if n.startswith("IOC_")} - known_names(container)
        assert unread == set(), f"{resource_id(workload)}/{container['name']} never reads {unread}"


def test_every_config_map_setting_is_read_by_a_container_it_reaches() -> None:
    # Alertmanager's templates are mounted by the Prometheus Operator, read by no service.
    mounted = {m for a in of_kind("Alertmanager") for m in a["spec"].get("configMaps", [])}
    for config_map in of_kind("ConfigMap"):
        name = config_map["metadata"]["name"]
        if name in mounted:
            continue
        readers = [c for _, c in all_containers() if name in config_map_names(c)]
        assert readers, f"ConfigMap {name} reaches no container"
        for key in config_map["data"]:
            assert any(key in known_names(c) for c in readers), f"{name}: nobody reads {key}"


def test_each_service_is_given_every_setting_it_requires() -> None:
    for workload, container in all_containers():
        required = set().union(*(required_names(s) for s in settings_of(container)))
        missing = required - given_names(container)
        assert missing == set(), f"{resource_id(workload)}/{container['name']} lacks {missing}"


def test_kubernetes_adds_no_variables_of_its_own() -> None:
    # Service links would add e.g. IOC_ALERTS_PORT=tcp://... to every pod, and the
    # settings read every IOC_* variable.
    for workload in workloads():
        assert pod_spec(workload)["enableServiceLinks"] is False, resource_id(workload)


def database_url(container: Resource) -> str:
    value: str = env_values(container)["IOC_DATABASE_URL"]["value"]
    return value


def test_each_service_connects_as_its_own_role_to_the_cluster_primary() -> None:
    init = named("Job", "ioc-init")
    (init_container,) = pod_spec(init)["containers"]
    connections = {service: database_url(main_container(service)) for service in SERVICES}
    connections["init"] = database_url(init_container)
    primary = f"{database()['metadata']['name']}-rw"
    for service, url in connections.items():
        parts = urlsplit(url)
        assert parts.username == DATABASE_ROLES[service], service
        assert (parts.hostname, parts.port, parts.path) == (primary, 5432, "/ioc"), service
        # The password is the role's own, from the Secret whose username is that role.
        variable = re.fullmatch(r"\$\((\w+)\)", parts.password or "")
        assert variable, f"{service}: the password is not taken from a Secret"
        container = init_container if service == "init" else main_container(service)
        reference = env_values(container)[variable[1]]["valueFrom"]["secretKeyRef"]
        assert secret_data(reference["name"])["username"] == DATABASE_ROLES[service], service


def test_kafka_bootstrap_is_the_strimzi_bootstrap_service_on_the_authenticated_listener() -> None:
    settings = config_map_data("ioc-settings")
    host, port = settings["IOC_KAFKA_BOOTSTRAP_SERVERS"].split(":")
    assert host == f"{kafka()['metadata']['name']}-kafka-bootstrap"
    (listener,) = [lst for lst in kafka()["spec"]["kafka"]["listeners"] if lst["port"] == int(port)]
    assert listener["tls"] is True
    assert listener["authentication"] == {"type": "scram-sha-512"}
    assert settings["IOC_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert settings["IOC_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"


def test_every_kafka_listener_authenticates_and_acls_are_enforced() -> None:
    spec = kafka()["spec"]["kafka"]
    for listener in spec["listeners"]:
        assert listener["tls"] is True, listener["name"]
        assert listener["authentication"]["type"] == "scram-sha-512", listener["name"]
    authorization = spec["authorization"]
    assert authorization["type"] == "simple"
    assert authorization["superUsers"] == [ADMIN_PRINCIPAL]
    assert "allow.everyone.if.no.acl.found" not in spec["config"]


def kafka_users_documents() -> list[Resource]:
    cluster = kafka()["metadata"]["name"]
    users = [strimzi_kafka_user(ADMIN_PRINCIPAL, None, cluster=cluster)]
    users += [strimzi_kafka_user(p, rules, cluster=cluster) for p, rules in service_acls().items()]
    users += [
        strimzi_kafka_user(agency_principal(code), agency_acls(code), cluster=cluster)
        for code in EXAMPLE_AGENCIES
    ]
    return users


def write_kafka_users() -> None:
    header = (
        "# Kafka principals, each logging in with SCRAM-SHA-512; Strimzi's User Operator makes\n"
        "# a Secret per user (key `password`) and keeps the broker's ACLs equal to these.\n"
        "# Generated from libs/messaging/src/ioc_messaging/acls.py (ioc-admin is a super user,\n"
        "# kafka.yaml); tests/test_k8s_manifests.py fails when they differ. Regenerate with\n"
        "#   uv run python tests/test_k8s_manifests.py --write-kafka-users\n"
        "# To let another agency publish straight to Kafka, add its code to EXAMPLE_AGENCIES\n"
        "# there (or copy the agency-so-xd user), and hand it the Secret agency-<code>.\n"
    )
    body = yaml.safe_dump_all(kafka_users_documents(), sort_keys=False, width=4096)
    KAFKA_USERS.write_text(header + body, encoding="utf-8")


def test_kafka_users_hold_the_acls_of_the_code() -> None:
    assert load_all(KAFKA_USERS) == kafka_users_documents(), (
        "stale: uv run python tests/test_k8s_manifests.py --write-kafka-users"
    )


def test_each_service_logs_in_to_kafka_as_its_own_user() -> None:
    users = {user["metadata"]["name"]: user for user in of_kind("KafkaUser")}
    for service, principal in KAFKA_PRINCIPALS.items():
        env = env_values(main_container(service))
        assert env["IOC_KAFKA_SASL_USERNAME"]["value"] == principal, service
        password = env["IOC_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert (password["name"], password["key"]) == (principal, "password"), service
        assert users[principal]["spec"]["authorization"]["type"] == "simple", service
    # The init Job checks topics and ACLs: the super user, in both containers.
    for container in containers(named("Job", "ioc-init")):
        assert env_values(container)["IOC_KAFKA_SASL_USERNAME"]["value"] == ADMIN_PRINCIPAL
    assert "authorization" not in users[ADMIN_PRINCIPAL]["spec"]


@pytest.mark.parametrize("service", ["aggregator", "alerts"])
def test_each_consumer_replica_is_a_static_member_named_after_its_pod(service: str) -> None:
    # The pod's name survives a container restart, so a crashed consumer rejoins its
    # group under the same id and gets its partitions back without a rebalance.
    env = env_values(main_container(service))
    variable = f"IOC_{service.upper()}_GROUP_INSTANCE_ID"
    assert env[variable]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}


def test_kafka_clients_trust_the_strimzi_cluster_ca() -> None:
    cafile = Path(config_map_data("ioc-settings")["IOC_KAFKA_SSL_CAFILE"])
    ca_secret = f"{kafka()['metadata']['name']}-cluster-ca-cert"
    for workload, container in all_containers():
        if "ioc-settings" not in config_map_names(container):
            continue
        where = f"{resource_id(workload)}/{container['name']}"
        volumes = {v["name"]: v for v in pod_spec(workload)["volumes"]}
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == str(cafile.parent)]
        secret = volumes[mount["name"]]["secret"]
        assert secret["secretName"] == ca_secret, where
        assert {"key": "ca.crt", "path": cafile.name} in secret["items"], where


def test_aggregator_replicas_do_not_exceed_the_events_topic_partitions() -> None:
    replicas = deployment("aggregator")["spec"]["replicas"]
    assert 1 <= replicas <= INDICATOR_EVENTS.partitions
    topic = named("KafkaTopic", INDICATOR_EVENTS.name)
    assert topic["spec"]["partitions"] == INDICATOR_EVENTS.partitions


def test_replicas_of_ingest_alerts_and_derived() -> None:
    assert deployment("ingest")["spec"]["replicas"] == 2
    assert deployment("alerts")["spec"]["replicas"] == 1
    # Idempotent work in one consumer group: at most one replica per updates partition.
    derived = deployment("derived")["spec"]["replicas"]
    assert 1 <= derived <= SERIES_UPDATED.partitions


def test_ports_match_the_settings_the_probes_and_the_services() -> None:
    for service, settings in DEPLOYED.items():
        container = main_container(service)
        port = container["ports"][0]
        assert port["name"] == "http", service
        assert port["containerPort"] == settings.model_fields["http_port"].default, service
        assert env_values(container)["IOC_HTTP_PORT"]["value"] == str(port["containerPort"])
        probes = {kind: container[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe")}
        assert probes["livenessProbe"]["path"] == "/healthz", service
        assert probes["readinessProbe"]["path"] == "/readyz", service
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", service
        for probe in [*probes.values(), container["startupProbe"]["httpGet"]]:
            assert probe["port"] in (port["name"], port["containerPort"]), service
        svc = named("Service", f"ioc-{service}")
        (service_port,) = svc["spec"]["ports"]
        assert service_port["port"] == port["containerPort"], service
        assert service_port["targetPort"] in (port["name"], port["containerPort"]), service


def test_selectors_match_the_pods() -> None:
    for service in DEPLOYED:
        workload = deployment(service)
        pod_labels = workload["spec"]["template"]["metadata"]["labels"]
        selector = workload["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items(), service
        for kind in ("Service", "PodDisruptionBudget"):
            other = named(kind, f"ioc-{service}")
            chosen = other["spec"]["selector"].get("matchLabels", other["spec"]["selector"])
            assert chosen.items() <= pod_labels.items(), f"{kind} of {service}"


def test_disruption_budgets_never_block_a_node_drain() -> None:
    for service in DEPLOYED:
        budget = named("PodDisruptionBudget", f"ioc-{service}")["spec"]
        replicas = deployment(service)["spec"]["replicas"]
        allowed = (
            budget["maxUnavailable"]
            if "maxUnavailable" in budget
            else replicas - budget["minAvailable"]
        )
        assert allowed >= 1, service


def test_images_are_the_services_own_with_one_tag() -> None:
    tags = set()
    for service in SERVICES:
        name, tag = main_container(service)["image"].rsplit(":", 1)
        assert name == f"ioc-monitor/{service}"
        tags.add(tag)
    for exporter, (_, _, image) in EXPORTERS.items():
        name, tag = main_container(exporter)["image"].rsplit(":", 1)
        assert name == f"ioc-monitor/{image}", f"{exporter} runs from the {image} image"
        tags.add(tag)
    for container in containers(named("Job", "ioc-init")):
        name, tag = container["image"].rsplit(":", 1)
        assert name == "ioc-monitor/init", "ioc-db and ioc-topics live in the init image"
        tags.add(tag)
    assert len(tags) == 1, tags
    (retention,) = pod_spec(named("CronJob", "ioc-retention"))["containers"]
    assert retention["image"] == database()["spec"]["imageName"], "psql of the database's version"


def test_pods_run_as_non_root_with_read_only_root_and_bounded_resources() -> None:
    for workload in workloads():
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, resource_id(workload)
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert spec["automountServiceAccountToken"] is False, resource_id(workload)
        for container in containers(workload):
            where = f"{resource_id(workload)}/{container['name']}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert "memory" in resources["limits"], where


def referenced(kind_key: str) -> Iterator[tuple[str, str]]:
    """(workload/container, name) of every Secret or ConfigMap a container reads."""
    for workload, container in all_containers():
        where = f"{resource_id(workload)}/{container['name']}"
        for entry in container.get("env", []):
            reference = entry.get("valueFrom", {}).get(kind_key)
            if reference:
                yield where, reference["name"]
        for entry in container.get("envFrom", []):
            reference = entry.get(kind_key.replace("KeyRef", "Ref"))
            if reference:
                yield where, reference["name"]


def generated_secrets() -> set[str]:
    return GENERATED_SECRETS | {user["metadata"]["name"] for user in of_kind("KafkaUser")}


def secret_volumes() -> Iterator[tuple[str, str]]:
    for workload in workloads():
        for volume in pod_spec(workload).get("volumes", []):
            if "secret" in volume:
                yield resource_id(workload), volume["secret"]["secretName"]


def test_every_secret_and_config_map_a_container_reads_exists() -> None:
    secrets = {r["metadata"]["name"] for r in of_kind("Secret")} | generated_secrets()
    config_maps = {r["metadata"]["name"] for r in of_kind("ConfigMap")}
    for where, name in [*referenced("secretKeyRef"), *secret_volumes()]:
        assert name in secrets, f"{where}: no Secret {name}"
    for where, name in referenced("configMapKeyRef"):
        assert name in config_maps, f"{where}: no ConfigMap {name}"


def test_secret_templates_hold_placeholders_only() -> None:
    for secret in of_kind("Secret"):
        for key, value in secret["stringData"].items():
            if key != "username":
                assert PLACEHOLDER in value, (
                    f"{resource_id(secret)}: {key} looks like a real secret"
                )


def test_the_init_jobs_scripts_are_valid() -> None:
    init = named("Job", "ioc-init")
    (wait,) = pod_spec(init)["initContainers"]
    assert wait["command"][:2] == ["python", "-c"]
    compile(wait["command"][2], "wait-for-topics", "exec")
    (main,) = pod_spec(init)["containers"]
    script = main["command"][-1]
    assert [line.strip() for line in script.splitlines()][-6:] == [
        "ioc-db bootstrap",
        "ioc-db migrate",
        "ioc-db load-catalog",
        "ioc-topics create",
        "ioc-topics check",  # fails the Job when a topic drifted from the contract
        # ... or a KafkaUser's ACLs from the code (the User Operator applies them)
        "ioc-topics acls --check " + " ".join(f"--agency {code}" for code in EXAMPLE_AGENCIES),
    ]
    for variable in sorted(required_names(BootstrapSettings)):
        if variable.startswith("IOC_DB_PASSWORD_"):
            assert f'"${variable}"' in script, f"placeholder check misses {variable}"


def test_retention_calls_the_storage_function_as_its_owner() -> None:
    cron = named("CronJob", "ioc-retention")
    (container,) = pod_spec(cron)["containers"]
    assert "ioc.drop_observations_older_than(" in " ".join(container["command"])
    assert "ioc.drop_refusals_older_than(interval '30 days')" in " ".join(container["command"])
    user = env_values(container)["PGUSER"]["valueFrom"]["secretKeyRef"]
    assert secret_data(user["name"])["username"] == "ioc_migrator"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"


# --- monitoring -----------------------------------------------------------------------------


def prometheus_rule_document() -> Resource:
    groups = yaml.safe_load(PIPELINE_RULES.read_text(encoding="utf-8"))["groups"]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "ioc-pipeline",
            "labels": {"app.kubernetes.io/part-of": "ioc-monitor"},
        },
        "spec": {"groups": groups},
    }


def write_prometheus_rule() -> None:
    header = (
        "# The pipeline's recording and alerting rules for the Prometheus Operator: a copy of\n"
        "# deploy/prometheus/rules/pipeline.yml (comments and unit tests live there).\n"
        "# tests/test_k8s_manifests.py fails when the two differ; regenerate this file with\n"
        "#   uv run python tests/test_k8s_manifests.py --write-prometheus-rule\n"
    )
    body = yaml.safe_dump(
        prometheus_rule_document(), allow_unicode=True, sort_keys=False, width=4096
    )
    PROMETHEUS_RULE.write_text(header + body, encoding="utf-8")


def test_prometheus_rule_is_a_copy_of_the_pipeline_rules() -> None:
    assert load_all(PROMETHEUS_RULE) == [prometheus_rule_document()], (
        "stale: uv run python tests/test_k8s_manifests.py --write-prometheus-rule"
    )


def metrics_port(service: str) -> Resource:
    """The container port /metrics is served on: its own when IOC_METRICS_PORT is set."""
    container = main_container(service)
    ports = {port["name"]: port for port in container["ports"]}
    setting = env_values(container).get("IOC_METRICS_PORT")
    name = "http" if setting is None else "metrics"
    assert set(ports) == {"http", name}, service
    if setting is not None:
        assert ports["metrics"]["containerPort"] == int(setting["value"]), service
    found: Resource = ports[name]
    return found


def test_metrics_with_a_public_port_have_a_port_of_their_own() -> None:
    # Ingest and alerts answer agencies and leaders; their metrics (per-agency labels)
    # must not be on that port.
    for service in ("ingest", "alerts"):
        assert metrics_port(service)["name"] == "metrics", service


def test_network_policies_let_only_monitoring_reach_the_metrics() -> None:
    monitoring = {"kubernetes.io/metadata.name": "monitoring"}
    for service in DEPLOYED:
        (policy,) = [
            p
            for p in of_kind("NetworkPolicy")
            if p["spec"]["podSelector"]["matchLabels"]
            == {"app.kubernetes.io/name": f"ioc-{service}"}
        ]
        assert policy["spec"]["policyTypes"] == ["Ingress"], service
        metrics = metrics_port(service)["name"]
        for rule in policy["spec"]["ingress"]:
            ports = {entry["port"] for entry in rule["ports"]}
            if metrics in ports:
                (source,) = rule["from"]
                assert source == {"namespaceSelector": {"matchLabels": monitoring}}, service
        opened = {entry["port"] for rule in policy["spec"]["ingress"] for entry in rule["ports"]}
        assert metrics in opened, service
        public = named("Service", f"ioc-{service}")["spec"]["ports"]
        assert all(port["targetPort"] != "metrics" for port in public), service


def test_pod_monitors_scrape_every_service_under_its_job_name() -> None:
    jobs = set()
    for monitor in of_kind("PodMonitor"):
        selector = monitor["spec"]["selector"]["matchLabels"]
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        (relabel,) = endpoint["relabelings"]
        assert relabel["targetLabel"] == "job"
        job = relabel["replacement"]
        jobs.add(job)
        pods = deployment(job)["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pods.items(), job
        assert endpoint["port"] == metrics_port(job)["name"], job
        assert endpoint["path"] == "/metrics"
    assert jobs == set(DEPLOYED)


# --- the Bình Dương overlay, rendered -------------------------------------------------------


@functools.cache
def rendered_overlay() -> tuple[Resource, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: its built-in kustomize renders the overlay")
    run = subprocess.run(
        [kubectl, "kustomize", str(OVERLAY)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return tuple(doc for doc in yaml.safe_load_all(run.stdout) if doc)


def test_overlay_renders_the_base_and_the_monitors_in_one_namespace() -> None:
    rendered = rendered_overlay()
    assert sorted(map(resource_id, rendered)) == sorted(map(resource_id, all_resources()))
    for resource in rendered:
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == "ioc-monitor", resource_id(resource)
    for resource in built_in(rendered):
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_overlay_takes_every_image_from_the_registry_with_consistent_tags() -> None:
    rendered = rendered_overlay()
    images = [c["image"] for w in workloads(rendered) for c in containers(w)]
    (cluster,) = of_kind("Cluster", rendered)
    images.append(cluster["spec"]["imageName"])
    registries = {image.split("/ioc-monitor/")[0] for image in images}
    assert len(registries) == 1, registries
    assert "/" not in next(iter(registries)), registries
    service_tags = {i.rsplit(":", 1)[1] for i in images if "timescaledb" not in i}
    assert len(service_tags) == 1, service_tags
    (cron,) = of_kind("CronJob", rendered)
    assert pod_spec(cron)["containers"][0]["image"] == cluster["spec"]["imageName"]


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-prometheus-rule"]:
        write_prometheus_rule()
    elif sys.argv[1:] == ["--write-kafka-users"]:
        write_kafka_users()
    else:
        sys.exit(f"usage: {sys.argv[0]} --write-prometheus-rule | --write-kafka-users")
