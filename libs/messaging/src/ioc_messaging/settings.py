"""Kafka settings, read once at the edge from the environment."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"

    @property
    def uses_sasl(self) -> bool:
        return self in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL)

    @property
    def uses_tls(self) -> bool:
        return self in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL)


class SaslMechanism(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IOC_KAFKA_", extra="ignore")

    bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Comma-separated host:port list of brokers"
    )
    client_id: str = Field(default="ioc-monitor", description="Shown in broker logs and metrics")
    replication_factor: int = Field(
        default=1,
        ge=1,
        description="Copies of each partition for topics `ioc-topics create` makes: 1 on one "
        "broker, 3 in production (min.insync.replicas follows: 2 from three copies up)",
    )
    security_protocol: SecurityProtocol = Field(
        default=SecurityProtocol.PLAINTEXT,
        description="How to talk to the brokers: PLAINTEXT (local development only), SSL, "
        "SASL_PLAINTEXT or SASL_SSL (production: encrypted and authenticated)",
    )
    sasl_mechanism: SaslMechanism | None = Field(
        default=None,
        description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (Strimzi's scram-sha-512 listener); "
        "required with a SASL protocol",
    )
    sasl_username: str | None = Field(
        default=None, min_length=1, description="The Kafka principal this client is (User:name)"
    )
    sasl_password: SecretStr | None = Field(default=None, description="The principal's password")
    ssl_cafile: Path | None = Field(
        default=None,
        description="PEM file of the CA that signed the brokers' certificates (Strimzi's "
        "<cluster>-cluster-ca-cert Secret, ca.crt); unset means the system's trusted CAs",
    )

    @model_validator(mode="after")
    def _security_is_complete(self) -> KafkaSettings:
        protocol = self.security_protocol
        if protocol.uses_sasl:
            missing = [
                f"IOC_KAFKA_{name.upper()}"
                for name in ("sasl_mechanism", "sasl_username", "sasl_password")
                if getattr(self, name) is None
            ]
            if missing:
                msg = (
                    f"IOC_KAFKA_SECURITY_PROTOCOL={protocol.value} authenticates with SASL, "
                    f"so it needs {', '.join(missing)} as well"
                )
                raise ValueError(msg)
        elif self.sasl_mechanism is not None or self.sasl_username is not None:
            msg = (
                f"IOC_KAFKA_SASL_* is set but IOC_KAFKA_SECURITY_PROTOCOL={protocol.value} "
                "does not authenticate: use SASL_SSL (or SASL_PLAINTEXT on a trusted network)"
            )
            raise ValueError(msg)
        if self.ssl_cafile is not None:
            if not protocol.uses_tls:
                msg = (
                    f"IOC_KAFKA_SSL_CAFILE is set but IOC_KAFKA_SECURITY_PROTOCOL={protocol.value} "
                    "does not use TLS: use SSL or SASL_SSL"
                )
                raise ValueError(msg)
            if not self.ssl_cafile.is_file():
                msg = f"IOC_KAFKA_SSL_CAFILE={self.ssl_cafile} is not a readable file"
                raise ValueError(msg)
        return self
