"""Topic specifications and series keys."""

import dataclasses

import pytest

from ioc_contracts import (
    ALERTS,
    ALL_TOPICS,
    INDICATOR_EVENTS,
    INDICATOR_EVENTS_DLQ,
    SERIES_UPDATED,
    IndicatorEvent,
    TopicSpec,
    series_key,
    series_key_bytes,
)

DAY_MS = 86_400_000


def test_topics_have_the_agreed_names_and_sizes() -> None:
    sizes = {(t.name, t.partitions, t.replication, t.cleanup_policy) for t in ALL_TOPICS}

    assert sizes == {
        ("ioc.indicator-events", 6, 1, "delete"),
        ("ioc.indicator-events.dlq", 3, 1, "delete"),
        ("ioc.series-updated", 6, 1, "delete"),
        ("ioc.alerts", 3, 1, "delete"),
    }


def test_retention_keeps_dead_letters_and_alerts_longer_than_the_event_stream() -> None:
    assert INDICATOR_EVENTS.retention_ms == 7 * DAY_MS
    assert SERIES_UPDATED.retention_ms == 7 * DAY_MS
    assert INDICATOR_EVENTS_DLQ.retention_ms == 30 * DAY_MS
    assert ALERTS.retention_ms == 30 * DAY_MS


def test_every_topic_is_described_and_named_once() -> None:
    names = [topic.name for topic in ALL_TOPICS]

    assert len(set(names)) == len(names)
    assert all(topic.description for topic in ALL_TOPICS)


def test_kafka_config_is_in_admin_api_string_form() -> None:
    assert INDICATOR_EVENTS_DLQ.kafka_config() == {
        "retention.ms": str(30 * DAY_MS),
        "cleanup.policy": "delete",
        "min.insync.replicas": "1",
        "max.message.bytes": "1048576",
        "compression.type": "producer",
    }


@pytest.mark.parametrize(("replication", "min_insync"), [(1, 1), (2, 1), (3, 2), (5, 2)])
def test_min_insync_replicas_leaves_one_broker_to_lose_from_three_copies(
    replication: int, min_insync: int
) -> None:
    spec = dataclasses.replace(INDICATOR_EVENTS, replication=replication)
    assert spec.kafka_config()["min.insync.replicas"] == str(min_insync)


def test_specs_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        INDICATOR_EVENTS.partitions = 12  # type: ignore[misc]


@pytest.mark.parametrize(
    "sizing",
    [
        {"partitions": 0, "retention_ms": 1},
        {"partitions": 1, "retention_ms": 0},
        {"partitions": 1, "retention_ms": 1, "replication": 0},
    ],
)
def test_impossible_sizing_is_refused(sizing: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"at least 1|positive"):
        TopicSpec(
            name="ioc.test",
            description="test",
            partitions=sizing["partitions"],
            retention_ms=sizing["retention_ms"],
            replication=sizing.get("replication", 1),
        )


def test_series_key_joins_indicator_and_scope() -> None:
    assert series_key("grdp.growth", "province") == "grdp.growth|province"
    assert (
        series_key_bytes("dvc.online-rate", "tp-thu-dau-mot") == b"dvc.online-rate|tp-thu-dau-mot"
    )


def test_series_key_refuses_codes_that_would_collide() -> None:
    with pytest.raises(ValueError, match="must not contain"):
        series_key("a|b", "c")


def test_event_series_key_matches_the_topic_key() -> None:
    event = IndicatorEvent.model_validate(
        {
            "event_id": "6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11",
            "agency": "so-tttt",
            "indicator": "grdp.growth",
            "scope": "province",
            "observed_at": "2024-06-30T17:00:00Z",
            "value": 6.1,
        }
    )

    assert event.series_key.encode() == series_key_bytes(event.indicator, event.scope)
