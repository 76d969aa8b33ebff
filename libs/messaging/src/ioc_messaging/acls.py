"""Who may do what on Kafka: the least-privilege ACLs of each principal, as code.

Pure: derived from the contract's topic names, no I/O. `ioc-topics acls` applies them
to a broker through the admin API; deploy/k8s's KafkaUser resources are checked against
them (tests/k8s/test_manifests.py), so the local broker and the cluster grant the same.

A principal is a Kafka user name (User:<name>): one per service, one per agency that
publishes straight to Kafka instead of through the ingest gateway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from ioc_contracts.topics import (
    ALERTS_TOPIC,
    INDICATOR_EVENTS_DLQ_TOPIC,
    INDICATOR_EVENTS_TOPIC,
    SERIES_UPDATED_TOPIC,
)

ADMIN_PRINCIPAL = "ioc-admin"
INGEST_PRINCIPAL = "ioc-ingest"
AGGREGATOR_PRINCIPAL = "ioc-aggregator"
ALERTS_PRINCIPAL = "ioc-alerts"
DERIVED_PRINCIPAL = "ioc-derived"
LAG_EXPORTER_PRINCIPAL = "ioc-lag-exporter"
SERVICE_PRINCIPALS = (
    INGEST_PRINCIPAL,
    AGGREGATOR_PRINCIPAL,
    ALERTS_PRINCIPAL,
    DERIVED_PRINCIPAL,
    LAG_EXPORTER_PRINCIPAL,
)
AGENCY_PRINCIPAL_PREFIX = "agency-"


class ResourceType(IntEnum):
    """Kafka's wire codes (org.apache.kafka.common.resource.ResourceType)."""

    ANY = 1
    TOPIC = 2
    GROUP = 3
    CLUSTER = 4
    TRANSACTIONAL_ID = 5
    DELEGATION_TOKEN = 6
    USER = 7


class Operation(IntEnum):
    """Kafka's wire codes (org.apache.kafka.common.acl.AclOperation)."""

    ANY = 1
    ALL = 2
    READ = 3
    WRITE = 4
    CREATE = 5
    DELETE = 6
    ALTER = 7
    DESCRIBE = 8
    CLUSTER_ACTION = 9
    DESCRIBE_CONFIGS = 10
    ALTER_CONFIGS = 11
    IDEMPOTENT_WRITE = 12
    CREATE_TOKENS = 13
    DESCRIBE_TOKENS = 14


class PatternType(IntEnum):
    ANY = 1
    LITERAL = 3


class Permission(IntEnum):
    ANY = 1
    ALLOW = 3


# The one resource name the cluster resource has.
CLUSTER_NAME = "kafka-cluster"


@dataclass(frozen=True, slots=True, order=True)
class Acl:
    """One ALLOW rule: `principal` may do `operation` on a literal resource, from any host."""

    principal: str
    resource_type: ResourceType
    resource_name: str
    operation: Operation

    @property
    def kafka_principal(self) -> str:
        return f"User:{self.principal}"

    def __str__(self) -> str:
        return (
            f"User:{self.principal} {self.operation.name} on "
            f"{self.resource_type.name.lower()} {self.resource_name}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Topology:
    """The topic and group names the ACLs are about; tests give each run its own."""

    events_topic: str = INDICATOR_EVENTS_TOPIC
    dlq_topic: str = INDICATOR_EVENTS_DLQ_TOPIC
    series_updated_topic: str = SERIES_UPDATED_TOPIC
    alerts_topic: str = ALERTS_TOPIC
    aggregator_group: str = "ioc-aggregator"
    alerts_group: str = "ioc-alerts"
    derived_group: str = "ioc-derived"


def _topic(principal: str, name: str, *operations: Operation) -> list[Acl]:
    return [Acl(principal, ResourceType.TOPIC, name, op) for op in operations]


def _group(principal: str, name: str) -> Acl:
    return Acl(principal, ResourceType.GROUP, name, Operation.READ)


def _idempotent_producer(principal: str) -> Acl:
    # Implied by WRITE on any topic since Kafka 3.0; explicit so older brokers and
    # readers of the ACL list see it too.
    return Acl(principal, ResourceType.CLUSTER, CLUSTER_NAME, Operation.IDEMPOTENT_WRITE)


def service_acls(topology: Topology = Topology()) -> dict[str, list[Acl]]:
    """Each service principal's rules: exactly its job in the pipeline, nothing more."""
    t = topology
    return {
        INGEST_PRINCIPAL: [
            *_topic(INGEST_PRINCIPAL, t.events_topic, Operation.WRITE, Operation.DESCRIBE),
            _idempotent_producer(INGEST_PRINCIPAL),
        ],
        AGGREGATOR_PRINCIPAL: [
            *_topic(AGGREGATOR_PRINCIPAL, t.events_topic, Operation.READ, Operation.DESCRIBE),
            _group(AGGREGATOR_PRINCIPAL, t.aggregator_group),
            *_topic(AGGREGATOR_PRINCIPAL, t.dlq_topic, Operation.WRITE, Operation.DESCRIBE),
            *_topic(
                AGGREGATOR_PRINCIPAL, t.series_updated_topic, Operation.WRITE, Operation.DESCRIBE
            ),
            _idempotent_producer(AGGREGATOR_PRINCIPAL),
        ],
        ALERTS_PRINCIPAL: [
            *_topic(ALERTS_PRINCIPAL, t.series_updated_topic, Operation.READ, Operation.DESCRIBE),
            _group(ALERTS_PRINCIPAL, t.alerts_group),
            *_topic(ALERTS_PRINCIPAL, t.alerts_topic, Operation.WRITE, Operation.DESCRIBE),
            _idempotent_producer(ALERTS_PRINCIPAL),
        ],
        # Reads what changed, publishes derived figures as the province's events (they go
        # through the aggregator's screening like any agency's).
        DERIVED_PRINCIPAL: [
            *_topic(DERIVED_PRINCIPAL, t.series_updated_topic, Operation.READ, Operation.DESCRIBE),
            _group(DERIVED_PRINCIPAL, t.derived_group),
            *_topic(DERIVED_PRINCIPAL, t.events_topic, Operation.WRITE, Operation.DESCRIBE),
            _idempotent_producer(DERIVED_PRINCIPAL),
        ],
        # Measures the consumer groups' lag (ioc_messaging.lag_exporter): describing is
        # enough to read a group's committed offsets and a topic's ends; it reads no
        # record and joins no group.
        LAG_EXPORTER_PRINCIPAL: [
            *_topic(LAG_EXPORTER_PRINCIPAL, t.events_topic, Operation.DESCRIBE),
            *_topic(LAG_EXPORTER_PRINCIPAL, t.series_updated_topic, Operation.DESCRIBE),
            *(
                Acl(LAG_EXPORTER_PRINCIPAL, ResourceType.GROUP, group, Operation.DESCRIBE)
                for group in (t.aggregator_group, t.alerts_group, t.derived_group)
            ),
        ],
    }


def agency_principal(agency: str) -> str:
    """The Kafka user of an agency that publishes directly: `agency-<catalog code>`."""
    if not agency or any(c.isspace() or c in ":*," for c in agency):
        msg = f"not an agency code: {agency!r}"
        raise ValueError(msg)
    return f"{AGENCY_PRINCIPAL_PREFIX}{agency}"


def agency_acls(agency: str, topology: Topology = Topology()) -> list[Acl]:
    """An agency may append events to the events topic, and nothing else: not read it
    (other agencies' figures), not write anywhere else.

    Kafka cannot check that the events an agency writes name that agency: the aggregator
    checks the `agency` field against the catalog's grants, but the field is the agency's
    word. Grant direct rights only to agencies trusted with that; the ingest gateway,
    where the agency comes from the API key, is the default path.
    """
    return _topic(agency_principal(agency), topology.events_topic, Operation.WRITE)


def all_acls(agencies: Iterable[str] = (), topology: Topology = Topology()) -> list[Acl]:
    """Every rule for the services and the given agencies, in a stable order."""
    rules = [acl for acls in service_acls(topology).values() for acl in acls]
    rules += [acl for agency in agencies for acl in agency_acls(agency, topology)]
    return sorted(set(rules))


# --- the same rules as Strimzi KafkaUser resources (deploy/k8s/base/kafka-users.yaml) ----

_STRIMZI_OPERATIONS = {
    Operation.READ: "Read",
    Operation.WRITE: "Write",
    Operation.DESCRIBE: "Describe",
    Operation.IDEMPOTENT_WRITE: "IdempotentWrite",
}


def strimzi_acls(rules: Iterable[Acl]) -> list[dict[str, Any]]:
    """`spec.authorization.acls` of a KafkaUser: one entry per resource, literal, any host."""
    by_resource: dict[tuple[ResourceType, str], list[str]] = {}
    for rule in sorted(rules):
        key = (rule.resource_type, rule.resource_name)
        by_resource.setdefault(key, []).append(_STRIMZI_OPERATIONS[rule.operation])
    entries: list[dict[str, Any]] = []
    for (resource_type, name), operations in by_resource.items():
        resource: dict[str, Any] = {"type": resource_type.name.lower()}
        if resource_type is not ResourceType.CLUSTER:
            resource |= {"name": name, "patternType": "literal"}
        entries.append({"resource": resource, "operations": sorted(operations), "host": "*"})
    return entries


def strimzi_kafka_user(
    principal: str, rules: Iterable[Acl] | None, *, cluster: str
) -> dict[str, Any]:
    """A KafkaUser logging in with SCRAM-SHA-512; `rules=None` for a super user (no ACLs).

    Strimzi's User Operator creates the password in a Secret named after the user (key
    `password`) and keeps the broker's ACLs equal to these.
    """
    spec: dict[str, Any] = {"authentication": {"type": "scram-sha-512"}}
    if rules is not None:
        spec["authorization"] = {"type": "simple", "acls": strimzi_acls(rules)}
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaUser",
        "metadata": {
            "name": principal,
            "labels": {"strimzi.io/cluster": cluster, "app.kubernetes.io/part-of": "ioc-monitor"},
        },
        "spec": spec,
    }
