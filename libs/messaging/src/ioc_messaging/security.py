"""Kafka settings → how a client authenticates and encrypts, for aiokafka and FastStream.

Every client the project builds (producers, consumers, the admin client, FastStream
brokers) takes its security from here, so one set of IOC_KAFKA_* settings means the same
connection everywhere.
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from ioc_messaging.settings import KafkaSettings, SaslMechanism

_FASTSTREAM_SASL: dict[SaslMechanism, type[SASLPlaintext | SASLScram256 | SASLScram512]] = {
    SaslMechanism.PLAIN: SASLPlaintext,
    SaslMechanism.SCRAM_SHA_256: SASLScram256,
    SaslMechanism.SCRAM_SHA_512: SASLScram512,
}


def tls_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    """The TLS context for SSL and SASL_SSL (verifying the broker's name), else None."""
    if not settings.security_protocol.uses_tls:
        return None
    context: ssl.SSLContext = create_ssl_context(
        cafile=str(settings.ssl_cafile) if settings.ssl_cafile is not None else None
    )
    return context


def _sasl_credentials(settings: KafkaSettings) -> tuple[SaslMechanism, str, str]:
    mechanism, username, password = (
        settings.sasl_mechanism,
        settings.sasl_username,
        settings.sasl_password,
    )
    if mechanism is None or username is None or password is None:
        # KafkaSettings refuses this; only a hand-built (model_construct) one gets here.
        msg = "a SASL protocol needs the mechanism, username and password"
        raise ValueError(msg)
    return mechanism, username, password.get_secret_value()


def connection_options(settings: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "client_id": settings.client_id,
        "security_protocol": settings.security_protocol.value,
    }
    context = tls_context(settings)
    if context is not None:
        options["ssl_context"] = context
    if settings.security_protocol.uses_sasl:
        mechanism, username, password = _sasl_credentials(settings)
        options["sasl_mechanism"] = mechanism.value
        options["sasl_plain_username"] = username
        options["sasl_plain_password"] = password
    return options


def broker_security(settings: KafkaSettings) -> BaseSecurity | None:
    """The same connection as FastStream's `security=` object; None for PLAINTEXT."""
    protocol = settings.security_protocol
    context = tls_context(settings)
    if protocol.uses_sasl:
        mechanism, username, password = _sasl_credentials(settings)
        return _FASTSTREAM_SASL[mechanism](
            username,
            password,
            ssl_context=context,
            use_ssl=protocol.uses_tls,
        )
    if context is not None:
        return BaseSecurity(ssl_context=context, use_ssl=True)
    return None
