"""Publishers declared on a service's broker: what the service writes to a topic, for the
AsyncAPI document (tools/asyncapi.py). Sending itself goes through `broker.publish`."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from ioc_contracts.topics import TopicSpec


def declare_publisher(
    broker: KafkaBroker, topic: str, *, service: str, contract: TopicSpec, schema: Any
) -> None:
    """`service` publishes `schema` to `topic`, the topic `contract` describes (the name
    may differ: a test gives each run topics of its own)."""
    broker.publisher(
        topic, title=f"{topic}:{service}", description=contract.description, schema=schema
    )
