"""Creates the contract's topics with their partitions and retention, idempotently."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError

from ioc_contracts.topics import ALL_TOPICS, TopicSpec
from ioc_messaging.settings import KafkaSettings


def _new_topic(spec: TopicSpec) -> NewTopic:
    return NewTopic(
        name=spec.name,
        num_partitions=spec.partitions,
        replication_factor=spec.replication,
        topic_configs=spec.kafka_config(),
    )


async def connect_admin(settings: KafkaSettings, *, timeout_s: float = 60.0) -> AIOKafkaAdminClient:
    """Connects, retrying with backoff while the broker is still starting."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    delay = 0.2
    while True:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=settings.bootstrap_servers, client_id=settings.client_id
        )
        try:
            await admin.start()
            return admin
        except KafkaConnectionError:
            await admin.close()
            if asyncio.get_running_loop().time() + delay > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def ensure_topics(
    settings: KafkaSettings,
    specs: Iterable[TopicSpec] = ALL_TOPICS,
    *,
    on_created: Callable[[TopicSpec], None] | None = None,
) -> list[TopicSpec]:
    """Creates the missing topics; returns those it created. Existing ones are kept."""
    admin = await connect_admin(settings)
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            response = await admin.create_topics([_new_topic(spec) for spec in missing])
            for name, code, *_ in getattr(response, "topic_errors", []):
                # 36 = TOPIC_ALREADY_EXISTS: another process won the race, which is fine.
                if code not in (0, 36):
                    raise KafkaError(f"creating topic {name} failed with error code {code}")
        for spec in missing:
            if on_created is not None:
                on_created(spec)
        return missing
    finally:
        await admin.close()
