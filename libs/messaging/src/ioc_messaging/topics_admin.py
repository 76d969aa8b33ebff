"""Creates the contract's topics with their partitions and retention, idempotently."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError

from ioc_contracts.topics import ALL_TOPICS, TopicSpec
from ioc_messaging.clients import check_login
from ioc_messaging.security import connection_options
from ioc_messaging.settings import KafkaSettings, SecurityProtocol
from ioc_runtime.backoff import Backoff

# Kafka's error code when a topic asks for more replicas than there are brokers.
INVALID_REPLICATION_FACTOR = 38


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
    backoff = Backoff(initial=0.2, ceiling=2.0)
    while True:
        admin = AIOKafkaAdminClient(**connection_options(settings))
        try:
            await admin.start()
            return admin
        except KafkaConnectionError:
            await admin.close()
            if settings.security_protocol is not SecurityProtocol.PLAINTEXT:
                # A refused login is not a broker still starting: fail now, saying so.
                await check_login(settings)
            delay = backoff.next_delay()
            if asyncio.get_running_loop().time() + delay > deadline:
                raise
            await asyncio.sleep(delay)


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
        missing = [
            dataclasses.replace(spec, replication=settings.replication_factor)
            for spec in specs
            if spec.name not in existing
        ]
        if missing:
            response = await admin.create_topics([_new_topic(spec) for spec in missing])
            for name, code, *_ in getattr(response, "topic_errors", []):
                # 36 = TOPIC_ALREADY_EXISTS: another process won the race, which is fine.
                if code == INVALID_REPLICATION_FACTOR:
                    msg = (
                        f"creating topic {name}: the cluster has fewer brokers than the "
                        f"{settings.replication_factor} copies IOC_KAFKA_REPLICATION_FACTOR asks for"
                    )
                    raise KafkaError(msg)
                if code not in (0, 36):
                    raise KafkaError(f"creating topic {name} failed with error code {code}")
        for spec in missing:
            if on_created is not None:
                on_created(spec)
        return missing
    finally:
        await admin.close()


async def describe_topics(settings: KafkaSettings, names: Iterable[str]) -> dict[str, Any]:
    """The broker's description (partitions, replicas) of each named topic that exists."""
    admin = await connect_admin(settings)
    try:
        described = await admin.describe_topics(list(names))
    finally:
        await admin.close()
    return {entry["topic"]: entry for entry in described if entry.get("error_code", 0) == 0}


async def topic_drift(
    settings: KafkaSettings, specs: Iterable[TopicSpec] = ALL_TOPICS
) -> list[str]:
    """How the broker's topics differ from the contract, one sentence each; [] if not at all.

    A partition count that differs matters most: keys map to partitions by count, so a
    topic grown by hand silently reorders the events of a series in flight.
    """
    wanted = list(specs)
    described = await describe_topics(settings, [spec.name for spec in wanted])
    problems: list[str] = []
    for spec in wanted:
        entry = described.get(spec.name)
        if entry is None:
            problems.append(f"{spec.name}: missing (run `ioc-topics create`)")
            continue
        partitions = entry.get("partitions", [])
        if len(partitions) != spec.partitions:
            problems.append(
                f"{spec.name}: {len(partitions)} partitions, the contract says {spec.partitions}"
            )
        copies = min((len(p.get("replicas", [])) for p in partitions), default=0)
        if copies < settings.replication_factor:
            problems.append(
                f"{spec.name}: {copies} replicas, IOC_KAFKA_REPLICATION_FACTOR asks for "
                f"{settings.replication_factor}"
            )
    return problems
