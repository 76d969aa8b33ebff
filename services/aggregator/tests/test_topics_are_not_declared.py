"""The service never creates the topic it reads: FastStream would make a missing one with a
single partition, and keys would then map to partitions against the contract's six."""

from faststream.kafka.subscriber.usecase import BatchSubscriber
from pydantic import SecretStr

from ioc_aggregator.config import AggregatorSettings
from ioc_aggregator.main import create_app


def test_the_subscriber_reads_its_topic_without_declaring_it() -> None:
    settings = AggregatorSettings(
        database_url=SecretStr("postgresql://ioc_writer@127.0.0.1/ioc"),  # never connected here
        aggregator_source_topic="ioc.indicator-events.elsewhere",
    )
    broker = create_app(settings).broker
    assert broker is not None
    (subscriber,) = broker.subscribers
    assert isinstance(subscriber, BatchSubscriber)
    assert [topic.name for topic in subscriber.topics] == ["ioc.indicator-events.elsewhere"]
    assert subscriber.topics_to_create == []
