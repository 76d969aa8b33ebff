"""Kafka clients with the project's reliability rules instead of the libraries' defaults.

The defaults are not safe for "nothing lost": producers must wait for every in-sync
replica and be idempotent, consumers must never commit on a timer.
"""

from __future__ import annotations

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import KafkaBroker

from ioc_messaging.settings import KafkaSettings

# Shared by every producer so a retry after a lost acknowledgement is deduplicated
# by the broker rather than stored twice.
SAFE_PRODUCER_OPTIONS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "request_timeout_ms": 15_000,
}

# Offsets are committed by the application, per partition, after its database
# transaction committed; read_committed ignores aborted transactional writes.
SAFE_CONSUMER_OPTIONS: dict[str, Any] = {
    "enable_auto_commit": False,
    "auto_offset_reset": "earliest",
    "isolation_level": "read_committed",
}


def safe_producer(settings: KafkaSettings, **overrides: Any) -> AIOKafkaProducer:
    options = {**SAFE_PRODUCER_OPTIONS, **overrides}
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers, client_id=settings.client_id, **options
    )


def safe_consumer(
    settings: KafkaSettings, *topics: str, group_id: str | None, **overrides: Any
) -> AIOKafkaConsumer:
    options = {**SAFE_CONSUMER_OPTIONS, **overrides}
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.bootstrap_servers,
        client_id=settings.client_id,
        group_id=group_id,
        **options,
    )


def safe_broker(bootstrap_servers: str, *, client_id: str, logger_name: str) -> KafkaBroker:
    """A FastStream broker whose producer follows the same rules as `safe_producer`.

    FastStream logs every consumed message at its log level; at DEBUG those
    per-message lines stay out of a service's normal JSON log.
    """
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        logger=logging.getLogger(logger_name),
        log_level=logging.DEBUG,
        **SAFE_PRODUCER_OPTIONS,
    )
