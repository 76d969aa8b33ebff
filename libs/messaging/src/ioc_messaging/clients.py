"""Kafka clients with the project's reliability rules instead of the libraries' defaults.

The defaults are not safe for "nothing lost": producers must wait for every in-sync
replica and be idempotent, consumers must never commit on a timer.
"""

from __future__ import annotations

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.conn import create_conn
from aiokafka.errors import (
    IllegalSaslStateError,
    KafkaError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

from ioc_messaging.security import broker_security, connection_options
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
    options = {**connection_options(settings), **SAFE_PRODUCER_OPTIONS, **overrides}
    return AIOKafkaProducer(**options)


def safe_consumer(
    settings: KafkaSettings, *topics: str, group_id: str | None, **overrides: Any
) -> AIOKafkaConsumer:
    options = {**connection_options(settings), **SAFE_CONSUMER_OPTIONS, **overrides}
    return AIOKafkaConsumer(*topics, group_id=group_id, **options)


def bootstrap_list(servers: str) -> list[str]:
    """'host:port,host:port' as the list every client accepts."""
    return [server.strip() for server in servers.split(",") if server.strip()]


def safe_broker(
    connection: KafkaSettings | str,
    *,
    client_id: str,
    logger_name: str,
    registry: CollectorRegistry | None = None,
    app_name: str | None = None,
) -> KafkaBroker:
    """A FastStream broker whose producer follows the same rules as `safe_producer`.

    `connection` is the service's KafkaSettings (brokers, TLS, SASL); a bare
    bootstrap string still means PLAINTEXT, as before security settings existed.
    FastStream logs every consumed message at its log level; at DEBUG those
    per-message lines stay out of a service's normal JSON log. With `registry`,
    FastStream's own Prometheus middleware counts and times what the broker receives
    and publishes there (`faststream_*`, labelled `app_name`: the service's name).
    """
    settings = (
        KafkaSettings.model_construct(bootstrap_servers=connection)
        if isinstance(connection, str)
        else connection
    )
    return KafkaBroker(
        # A list: FastStream hands a string to aiokafka as one host, and
        # "a:9092,b:9092,c:9092" (three brokers) would never resolve.
        bootstrap_list(settings.bootstrap_servers),
        client_id=client_id,
        security=broker_security(settings),
        logger=logging.getLogger(logger_name),
        log_level=logging.DEBUG,
        middlewares=(
            [KafkaPrometheusMiddleware(registry=registry, app_name=app_name or client_id)]
            if registry is not None
            else []
        ),
        **SAFE_PRODUCER_OPTIONS,
    )


def service_broker(
    service: str,
    bootstrap_servers: str,
    *,
    kafka: KafkaSettings | None = None,
    registry: CollectorRegistry | None = None,
) -> KafkaBroker:
    """The broker of the service `ioc-<service>`: TLS and SASL from IOC_KAFKA_*
    (KafkaSettings) unless `kafka` is given, the brokers from the service's own
    settings, FastStream's Kafka metrics on `registry`."""
    kafka = kafka or KafkaSettings(bootstrap_servers=bootstrap_servers, client_id=f"ioc-{service}")
    return safe_broker(
        kafka,
        client_id=kafka.client_id,
        logger_name=f"ioc_{service}.kafka",
        registry=registry,
        app_name=f"ioc-{service}",
    )


class KafkaLoginError(KafkaError):  # type: ignore[misc]  # aiokafka is untyped
    """The broker refused this client's credentials or security protocol; retrying the
    same settings cannot help."""


async def check_login(settings: KafkaSettings) -> None:
    """Opens one connection to the first broker with the client's security settings.

    aiokafka's clients log a refused login and then report only "Unable to bootstrap",
    as for a broker that is down; this tells the two apart. Raises KafkaLoginError when
    the broker refuses the login; a broker that cannot be reached is not its business.
    """
    host, _, port = settings.bootstrap_servers.split(",")[0].strip().rpartition(":")
    options = connection_options(settings)
    try:
        connection = await create_conn(
            host.strip("[]"),
            int(port),
            client_id=settings.client_id,
            request_timeout_ms=15_000,
            **{k: v for k, v in options.items() if k not in ("bootstrap_servers", "client_id")},
        )
    except (
        SaslAuthenticationFailed,
        UnsupportedSaslMechanismError,
        IllegalSaslStateError,
    ) as error:
        msg = (
            f"Kafka at {settings.bootstrap_servers} refused the login of "
            f"{settings.sasl_username!r} ({settings.security_protocol.value}, "
            f"{settings.sasl_mechanism.value if settings.sasl_mechanism else 'no mechanism'}): "
            f"{error}; check IOC_KAFKA_SASL_USERNAME, IOC_KAFKA_SASL_PASSWORD and "
            "IOC_KAFKA_SASL_MECHANISM"
        )
        raise KafkaLoginError(msg) from error
    except (OSError, TimeoutError, KafkaError):
        return
    connection.close()
