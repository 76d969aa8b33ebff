"""How soon a running replica hears that the group changed: a replica that joins gets
partitions only after every member's next heartbeat, so the interval is how long a new
replica may sit idle. These read the consumer settings FastStream will build aiokafka's
consumer with."""

from typing import Any

import pytest
from faststream.kafka.subscriber.usecase import BatchSubscriber
from pydantic import SecretStr, ValidationError

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.main import create_app

DSN = SecretStr("postgresql://ioc_writer@127.0.0.1/ioc")  # never connected here


def consumer_settings(settings: AggregatorSettings) -> dict[str, Any]:
    broker = create_app(settings).broker
    assert broker is not None
    (subscriber,) = broker.subscribers
    assert isinstance(subscriber, BatchSubscriber)
    # FastStream keeps the consumer's keyword arguments until it starts it.
    return dict(subscriber._connection_args)


def test_a_joining_replica_waits_at_most_a_second_for_the_others_to_hear_of_it() -> None:
    consumer = consumer_settings(AggregatorSettings(database_url=DSN))
    assert consumer["heartbeat_interval_ms"] == 1000
    # Kafka's rule: several heartbeats per session, or a busy member is evicted.
    assert consumer["heartbeat_interval_ms"] * 3 <= consumer["session_timeout_ms"]


def test_the_heartbeat_is_a_setting() -> None:
    settings = AggregatorSettings(database_url=DSN, aggregator_heartbeat_ms=500)
    assert consumer_settings(settings)["heartbeat_interval_ms"] == 500


@pytest.mark.parametrize("interval", [50, 3001])
def test_a_heartbeat_that_would_flood_or_outlast_the_session_is_refused(interval: int) -> None:
    with pytest.raises(ValidationError, match="aggregator_heartbeat_ms"):
        AggregatorSettings(database_url=DSN, aggregator_heartbeat_ms=interval)
