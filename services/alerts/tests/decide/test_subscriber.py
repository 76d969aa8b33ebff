"""The alert service never creates the topic it reads: FastStream would make a missing one
with a single partition, against the contract's."""

from faststream.kafka.subscriber.usecase import BatchSubscriber
from pydantic import SecretStr

from ioc_alerts.config import AlertsSettings
from ioc_alerts.main import create_app


def test_the_subscriber_reads_series_updates_without_declaring_the_topic() -> None:
    settings = AlertsSettings(
        database_url=SecretStr("postgresql://ioc_alerts@127.0.0.1/ioc"),  # never connected here
        ack_secret=SecretStr("a-secret-of-sixteen-or-more"),
        api_token=SecretStr("a-token-of-sixteen-or-more"),
        alerts_updates_topic="ioc.series-updated.elsewhere",
    )
    app = create_app(settings)
    broker = app.state.broker
    (subscriber,) = broker.subscribers
    assert isinstance(subscriber, BatchSubscriber)
    assert [topic.name for topic in subscriber.topics] == ["ioc.series-updated.elsewhere"]
    assert subscriber.topics_to_create == []
