"""The Kafka ACLs as code: each service and agency gets only what it needs (no broker
needed)."""

from __future__ import annotations

import pytest

from ioc_contracts.topics import (
    ALERTS_TOPIC,
    INDICATOR_EVENTS_DLQ_TOPIC,
    INDICATOR_EVENTS_TOPIC,
    SERIES_UPDATED_TOPIC,
)
from ioc_messaging.acls import (
    AGGREGATOR_PRINCIPAL,
    ALERTS_PRINCIPAL,
    DERIVED_PRINCIPAL,
    INGEST_PRINCIPAL,
    Acl,
    Operation,
    ResourceType,
    agency_acls,
    agency_principal,
    all_acls,
    service_acls,
)
from ioc_messaging.cli import main as ioc_topics


def rules_of(principal: str) -> set[tuple[ResourceType, str, Operation]]:
    return {(r.resource_type, r.resource_name, r.operation) for r in service_acls()[principal]}


def reads_and_writes(principal: str) -> tuple[set[tuple[ResourceType, str]], set[str]]:
    """What a service may read (topics and its group) and the topics it may write."""
    rules = rules_of(principal)
    reads = {(kind, name) for kind, name, op in rules if op is Operation.READ}
    return reads, {name for _, name, op in rules if op is Operation.WRITE}


def test_ingest_writes_events_only() -> None:
    assert rules_of(INGEST_PRINCIPAL) == {
        (ResourceType.TOPIC, INDICATOR_EVENTS_TOPIC, Operation.WRITE),
        (ResourceType.TOPIC, INDICATOR_EVENTS_TOPIC, Operation.DESCRIBE),
        (ResourceType.CLUSTER, "kafka-cluster", Operation.IDEMPOTENT_WRITE),
    }


def test_the_aggregator_reads_events_and_writes_the_dlq_and_updates() -> None:
    reads, writes = reads_and_writes(AGGREGATOR_PRINCIPAL)
    assert reads == {
        (ResourceType.TOPIC, INDICATOR_EVENTS_TOPIC),
        (ResourceType.GROUP, "ioc-aggregator"),
    }
    assert writes == {INDICATOR_EVENTS_DLQ_TOPIC, SERIES_UPDATED_TOPIC}


def test_the_alert_service_reads_updates_and_writes_alerts() -> None:
    reads, writes = reads_and_writes(ALERTS_PRINCIPAL)
    assert reads == {(ResourceType.TOPIC, SERIES_UPDATED_TOPIC), (ResourceType.GROUP, "ioc-alerts")}
    assert writes == {ALERTS_TOPIC}


def test_the_derived_service_reads_updates_and_writes_events_only() -> None:
    reads, writes = reads_and_writes(DERIVED_PRINCIPAL)
    assert reads == {
        (ResourceType.TOPIC, SERIES_UPDATED_TOPIC),
        (ResourceType.GROUP, "ioc-derived"),
    }
    # Its figures go through the aggregator's screening: never the DLQ or the updates.
    assert writes == {INDICATOR_EVENTS_TOPIC}


def test_no_service_may_alter_delete_or_create_anything() -> None:
    allowed = {Operation.READ, Operation.WRITE, Operation.DESCRIBE, Operation.IDEMPOTENT_WRITE}
    for rule in all_acls(["so-xd"]):
        assert rule.operation in allowed, rule
        assert rule.resource_name != "*", rule


def test_an_agency_may_only_write_the_events_topic() -> None:
    assert agency_acls("so-xd") == [
        Acl("agency-so-xd", ResourceType.TOPIC, INDICATOR_EVENTS_TOPIC, Operation.WRITE)
    ]
    assert str(agency_acls("so-xd")[0]) == "User:agency-so-xd WRITE on topic ioc.indicator-events"


@pytest.mark.parametrize("code", ["", "so xd", "*", "a:b", "a,b"])
def test_agency_codes_that_would_widen_a_rule_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="not an agency code"):
        agency_principal(code)


def test_all_acls_is_stable_and_without_duplicates() -> None:
    rules = all_acls(["so-xd", "vp-ubnd", "so-xd"])
    assert rules == sorted(set(rules))
    assert len([r for r in rules if r.principal == "agency-so-xd"]) == 1


def test_ioc_topics_acls_dry_run_prints_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert ioc_topics(["acls", "--dry-run", "--agency", "vp-ubnd"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == [str(rule) for rule in all_acls(["vp-ubnd"])]
    assert "User:agency-vp-ubnd WRITE on topic ioc.indicator-events" in printed
