"""A service's broker: its brokers from the service's settings unless Kafka settings are
given whole."""

from __future__ import annotations

from ioc_messaging.clients import service_broker
from ioc_messaging.settings import KafkaSettings


def test_the_service_s_own_brokers_are_used_when_no_kafka_settings_are_given() -> None:
    broker = service_broker("derived", "kafka-a:9092, kafka-b:9092")

    assert broker.specification.url == ["kafka-a:9092", "kafka-b:9092"]


def test_kafka_settings_given_whole_win() -> None:
    kafka = KafkaSettings.model_construct(bootstrap_servers="elsewhere:9093", client_id="x")

    broker = service_broker("derived", "kafka-a:9092", kafka=kafka)

    assert broker.specification.url == ["elsewhere:9093"]
