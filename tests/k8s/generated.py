"""The files of deploy/k8s written from the code, and what writes them:

    uv run python tests/k8s/generated.py --write-prometheus-rule
    uv run python tests/k8s/generated.py --write-kafka-users

rewrite the Prometheus Operator's copy of the pipeline rules from deploy/prometheus, and
the KafkaUser resources from libs/messaging/src/ioc_messaging/acls.py. A script as well as
a module of the tests (tests/k8s/test_manifests.py fails when a file is stale), so it
imports nothing of the tests.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from ioc_messaging.acls import (
    ADMIN_PRINCIPAL,
    agency_acls,
    agency_principal,
    service_acls,
    strimzi_kafka_user,
)

Resource = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
MONITORING = ROOT / "deploy" / "k8s" / "components" / "monitoring"
PIPELINE_RULES = ROOT / "deploy" / "prometheus" / "rules" / "pipeline.yml"
PROMETHEUS_RULE = MONITORING / "prometheusrule.yaml"
KAFKA_USERS = BASE / "kafka-users.yaml"
# One agency that publishes straight to Kafka, as the example to copy.
EXAMPLE_AGENCIES = ("so-xd",)


def kafka_cluster_name() -> str:
    """The Strimzi `Kafka` resource's name: the users' `strimzi.io/cluster` label."""
    documents = yaml.safe_load_all((BASE / "kafka.yaml").read_text(encoding="utf-8"))
    (cluster,) = [d for d in documents if d and d["kind"] == "Kafka"]
    return str(cluster["metadata"]["name"])


def kafka_users_documents() -> list[Resource]:
    cluster = kafka_cluster_name()
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
        "# kafka.yaml); tests/k8s/test_manifests.py fails when they differ. Regenerate with\n"
        "#   uv run python tests/k8s/generated.py --write-kafka-users\n"
        "# To let another agency publish straight to Kafka, add its code to EXAMPLE_AGENCIES\n"
        "# there (or copy the agency-so-xd user), and hand it the Secret agency-<code>.\n"
    )
    body = yaml.safe_dump_all(kafka_users_documents(), sort_keys=False, width=4096)
    KAFKA_USERS.write_text(header + body, encoding="utf-8")


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
        "# tests/k8s/test_manifests.py fails when the two differ; regenerate this file with\n"
        "#   uv run python tests/k8s/generated.py --write-prometheus-rule\n"
    )
    body = yaml.safe_dump(
        prometheus_rule_document(), allow_unicode=True, sort_keys=False, width=4096
    )
    PROMETHEUS_RULE.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-prometheus-rule"]:
        write_prometheus_rule()
    elif sys.argv[1:] == ["--write-kafka-users"]:
        write_kafka_users()
    else:
        sys.exit(f"usage: {sys.argv[0]} --write-prometheus-rule | --write-kafka-users")
