"""The committed AsyncAPI document is what the services' own brokers generate, and it
names every channel the services really read or write."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

from ioc_aggregator.config import AggregatorSettings
from ioc_alerts.config import AlertsSettings
from ioc_contracts import (
    DEAD_LETTER_HEADER_NAMES,
    INDICATOR_EVENTS_DLQ_TOPIC,
    AlertStateChanged,
    IndicatorEvent,
    SeriesUpdated,
)
from ioc_derived.config import DerivedSettings
from ioc_ingest.config import IngestSettings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import asyncapi  # noqa: E402

COMMITTED = ROOT / "docs" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def services() -> list[asyncapi.ServiceBroker]:
    return asyncapi.service_brokers()


def channels_missing(document: dict[str, Any], broker: KafkaBroker) -> list[str]:
    """The broker's subscribers and publishers with no channel of the same name, address
    and direction in the document."""
    actions = {
        operation["channel"]["$ref"].removeprefix("#/channels/"): operation["action"]
        for operation in document["operations"].values()
    }
    endpoints = [(s.specification.name, "receive") for s in broker.subscribers]
    endpoints += [(p.specification.name, "send") for p in broker.publishers]
    missing = []
    for name, action in endpoints:
        channel = document["channels"].get(name)
        if channel is None or actions.get(name) != action:
            missing.append(f"{name} ({action})")
    return missing


def test_committed_document_is_what_the_services_generate() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == asyncapi.render_document(), (
        "docs/asyncapi.yaml is stale: run `uv run python tools/asyncapi.py`"
    )


def test_every_channel_a_service_uses_is_documented(
    document: dict[str, Any], services: list[asyncapi.ServiceBroker]
) -> None:
    assert {service.service for service in services} == {
        "ingest",
        "aggregator",
        "alerts",
        "derived",
    }
    for service in services:
        assert service.broker.subscribers or service.broker.publishers, service.service
        assert channels_missing(document, service.broker) == [], service.service


def test_a_channel_left_out_of_the_document_is_reported(
    document: dict[str, Any], services: list[asyncapi.ServiceBroker]
) -> None:
    aggregator = next(s.broker for s in services if s.service == "aggregator")
    subscriber = aggregator.subscribers[0].specification.name
    without = copy.deepcopy(document)
    del without["channels"][subscriber]

    assert channels_missing(without, aggregator) == [f"{subscriber} (receive)"]


@pytest.mark.parametrize(
    "settings",
    [
        IngestSettings.model_construct(),
        AggregatorSettings.model_construct(),
        AlertsSettings.model_construct(),
        DerivedSettings.model_construct(),
    ],
    ids=["ingest", "aggregator", "alerts", "derived"],
)
def test_every_topic_a_service_is_configured_with_is_a_channel(
    document: dict[str, Any], settings: BaseModel
) -> None:
    addresses = {channel["address"] for channel in document["channels"].values()}
    topics = {
        value for name, value in settings if name.endswith("_topic") and isinstance(value, str)
    }

    assert topics
    assert topics <= addresses


def test_every_contract_topic_is_a_channel(document: dict[str, Any]) -> None:
    assert asyncapi.topics_missing_from(document) == []


def test_raw_subscribers_are_documented_with_their_contract(
    document: dict[str, Any], services: list[asyncapi.ServiceBroker]
) -> None:
    messages = document["components"]["messages"]
    raw = [service for service in services if service.reads is not None]

    assert {service.service for service in raw} == {"aggregator", "alerts"}
    for service in raw:
        assert service.reads is not None
        for subscriber in service.broker.subscribers:
            channel = document["channels"][subscriber.specification.name]
            for reference in channel["messages"].values():
                message = messages[reference["$ref"].removeprefix("#/components/messages/")]
                assert message["payload"] == {
                    "$ref": f"#/components/schemas/{service.reads.__name__}"
                }
    assert "EmptyPayload" not in document["components"]["schemas"]


def test_every_generated_schema_is_referenced(services: list[asyncapi.ServiceBroker]) -> None:
    # What FastStream made of a raw handler's own parameters is replaced by the
    # contract; an untyped leftover would read as a second, unconstrained payload.
    document = asyncapi.build_document(services)
    schemas = document["components"]["schemas"]
    text = json.dumps({**document, "components": {**document["components"], "schemas": {}}})
    referenced = {name for name in schemas if f'"#/components/schemas/{name}"' in text}
    nested = json.dumps([schemas[name] for name in referenced])
    unreferenced = [
        name
        for name in schemas
        if name not in referenced and f'"#/components/schemas/{name}"' not in nested
    ]
    assert unreferenced == []


def test_document_carries_every_contract_model_field(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    for model in (IndicatorEvent, SeriesUpdated, AlertStateChanged):
        properties = schemas[model.__name__]["properties"]
        assert set(properties) == set(model.model_fields)
        assert all(field["description"] for field in properties.values())
    assert schemas["IndicatorEvent"]["additionalProperties"] is False


def test_dead_letter_message_documents_its_headers(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    dead_letters = [
        message
        for name, message in messages.items()
        if name.startswith(f"{INDICATOR_EVENTS_DLQ_TOPIC}:")
    ]

    assert len(dead_letters) == 1
    headers = dead_letters[0]["headers"]
    assert headers["required"] == list(DEAD_LETTER_HEADER_NAMES)
    assert "schema_violation" in headers["properties"]["ioc-dlq-error-code"]["enum"]


def test_check_passes_on_the_committed_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert asyncapi.main(["--check", "--output", str(COMMITTED)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_fails_readably_on_a_stale_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "asyncapi.yaml"
    generated = asyncapi.render_document()
    stale.write_text(generated.replace("IOC monitor", "Old title"), encoding="utf-8")

    assert asyncapi.main(["--check", "--output", str(stale)]) == 1
    report = capsys.readouterr().err
    assert "is stale" in report
    assert "uv run python tools/asyncapi.py" in report
    assert "-  title: Old title" in report


def test_check_fails_when_the_document_is_missing(tmp_path: Path) -> None:
    assert asyncapi.main(["--check", "--output", str(tmp_path / "missing.yaml")]) == 1


def test_writing_then_checking_agrees(tmp_path: Path) -> None:
    output = tmp_path / "docs" / "asyncapi.yaml"

    assert asyncapi.main(["--output", str(output)]) == 0
    assert asyncapi.main(["--check", "--output", str(output)]) == 0
