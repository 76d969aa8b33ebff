"""Security settings → client options (no broker needed); the ACLs: test_kafka_acls.py."""

from __future__ import annotations

import functools
import ssl
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram512
from pydantic import SecretStr, ValidationError

from ioc_messaging.cli import main as ioc_topics
from ioc_messaging.clients import safe_broker, safe_consumer, safe_producer
from ioc_messaging.security import broker_security, connection_options
from ioc_messaging.settings import KafkaSettings, SaslMechanism, SecurityProtocol

CA = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")


def sasl(protocol: str = "SASL_SSL", mechanism: str = "SCRAM-SHA-512") -> KafkaSettings:
    return KafkaSettings.model_validate(
        {
            "bootstrap_servers": "kafka:9093",
            "security_protocol": protocol,
            "sasl_mechanism": mechanism,
            "sasl_username": "ioc-ingest",
            "sasl_password": "s3cret",
        }
    )


def test_plaintext_is_the_default_and_adds_nothing() -> None:
    settings = KafkaSettings(bootstrap_servers="127.0.0.1:9092")
    assert settings.security_protocol is SecurityProtocol.PLAINTEXT
    assert connection_options(settings) == {
        "bootstrap_servers": "127.0.0.1:9092",
        "client_id": "ioc-monitor",
        "security_protocol": "PLAINTEXT",
    }
    assert broker_security(settings) is None


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOC_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("IOC_KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("IOC_KAFKA_SASL_USERNAME", "agency-so-xd")
    monkeypatch.setenv("IOC_KAFKA_SASL_PASSWORD", "s3cret")
    settings = KafkaSettings()
    assert settings.sasl_mechanism is SaslMechanism.PLAIN
    assert isinstance(settings.sasl_password, SecretStr)
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ("sasl_mechanism", "IOC_KAFKA_SASL_MECHANISM"),
        ("sasl_username", "IOC_KAFKA_SASL_USERNAME"),
        ("sasl_password", "IOC_KAFKA_SASL_PASSWORD"),
    ],
)
def test_a_sasl_protocol_needs_mechanism_username_and_password(missing: str, variable: str) -> None:
    values = {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_username": "ioc-ingest",
        "sasl_password": "s3cret",
    }
    del values[missing]
    with pytest.raises(ValidationError, match=f"SASL_SSL authenticates with SASL.*{variable}"):
        KafkaSettings.model_validate(values)


def test_sasl_settings_without_a_sasl_protocol_are_a_mistake() -> None:
    with pytest.raises(ValidationError, match="does not authenticate"):
        KafkaSettings.model_validate({"sasl_mechanism": "PLAIN", "sasl_username": "x"})


def test_unknown_protocols_and_mechanisms_are_refused() -> None:
    with pytest.raises(ValidationError, match="security_protocol"):
        KafkaSettings.model_validate({"security_protocol": "TLS"})
    with pytest.raises(ValidationError, match="sasl_mechanism"):
        sasl(mechanism="GSSAPI")


def test_a_ca_file_needs_tls_and_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not use TLS"):
        KafkaSettings.model_validate({"ssl_cafile": str(CA)})
    with pytest.raises(ValidationError, match="not a readable file"):
        KafkaSettings.model_validate(
            {"security_protocol": "SSL", "ssl_cafile": str(tmp_path / "missing.crt")}
        )


def test_sasl_ssl_gives_aiokafka_a_verifying_context_and_the_credentials() -> None:
    options = connection_options(sasl())
    context = options.pop("ssl_context")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert options == {
        "bootstrap_servers": "kafka:9093",
        "client_id": "ioc-monitor",
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "ioc-ingest",
        "sasl_plain_password": "s3cret",
    }


def test_sasl_plaintext_has_no_tls_context() -> None:
    options = connection_options(sasl("SASL_PLAINTEXT", "PLAIN"))
    assert "ssl_context" not in options
    assert options["security_protocol"] == "SASL_PLAINTEXT"


def test_ssl_with_a_ca_file(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = KafkaSettings.model_validate({"security_protocol": "SSL", "ssl_cafile": str(CA)})
    options = connection_options(settings)
    assert options["security_protocol"] == "SSL"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    security = broker_security(settings)
    assert type(security) is BaseSecurity
    assert security.use_ssl is True


def test_faststream_gets_the_same_connection() -> None:
    scram = broker_security(sasl())
    assert isinstance(scram, SASLScram512)
    assert (scram.username, scram.password, scram.use_ssl) == ("ioc-ingest", "s3cret", True)
    plain = broker_security(sasl("SASL_PLAINTEXT", "PLAIN"))
    assert isinstance(plain, SASLPlaintext)
    assert (plain.use_ssl, plain.ssl_context) == (False, None)


async def test_every_client_takes_the_security_settings() -> None:
    settings = sasl("SASL_PLAINTEXT", "SCRAM-SHA-256")
    producer = safe_producer(settings)
    assert producer.client._security_protocol == "SASL_PLAINTEXT"
    assert producer.client._sasl_mechanism == "SCRAM-SHA-256"
    consumer = safe_consumer(settings, "x", group_id="g")
    assert consumer._client._sasl_plain_username == "ioc-ingest"
    broker = safe_broker(settings, client_id="ioc-alerts", logger_name="test")
    # FastStream keeps the keyword arguments of its consumers' aiokafka clients here.
    consumers = _consumer_options(broker)
    assert consumers["sasl_mechanism"] == "SCRAM-SHA-256"
    assert consumers["security_protocol"] == "SASL_PLAINTEXT"


def test_safe_broker_still_takes_a_bootstrap_string_as_plaintext(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The environment's security settings do not leak into the old call.
    monkeypatch.setenv("IOC_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    broker = safe_broker("127.0.0.1:9092", client_id="ioc-aggregator", logger_name="test")
    consumers = _consumer_options(broker)
    assert consumers.get("security_protocol", "PLAINTEXT") == "PLAINTEXT"
    assert "sasl_mechanism" not in consumers
    assert consumers["bootstrap_servers"] == ["127.0.0.1:9092"]


def _consumer_options(broker: KafkaBroker) -> dict[str, Any]:
    """The keyword arguments FastStream gives its consumers' aiokafka clients."""
    builder = broker.config.broker_config.builder
    assert isinstance(builder, functools.partial)
    return dict(builder.keywords)


def test_ioc_topics_says_what_is_wrong_with_the_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IOC_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(SystemExit) as stopped:  # ioc_runtime.load_settings: exit 2
        ioc_topics(["check"])
    assert stopped.value.code == 2
    assert "IOC_KAFKA_SASL_MECHANISM" in capsys.readouterr().err
