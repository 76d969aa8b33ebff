"""Kafka (Strimzi) and TimescaleDB (CloudNativePG) as the manifests run them: KRaft on three
nodes, the contract's topics, authenticated listeners with ACLs, each service its own
Kafka user, backups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ioc_contracts.topics import ALL_TOPICS, INDICATOR_EVENTS
from ioc_messaging.acls import (
    ADMIN_PRINCIPAL,
)

from .containers import all_containers, config_map_names
from .support import (
    KAFKA_PRINCIPALS,
    config_map_data,
    containers,
    database,
    deployment,
    env_values,
    kafka,
    main_container,
    named,
    of_kind,
    pod_spec,
    resource_id,
    secret_data,
)


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
