"""The committed AsyncAPI document matches the contracts and covers every topic."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from ioc_contracts import (
    ALL_TOPICS,
    DEAD_LETTER_HEADER_NAMES,
    INDICATOR_EVENTS_DLQ_TOPIC,
    AlertStateChanged,
    IndicatorEvent,
    SeriesUpdated,
)
from ioc_messaging.asyncapi import main, render_document, topics_missing_from

COMMITTED = Path(__file__).parents[3] / "docs" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(render_document())
    return loaded


def test_committed_document_is_what_the_contracts_generate() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_document(), (
        "docs/asyncapi.yaml is stale: run `uv run python -m ioc_messaging.asyncapi`"
    )


def test_check_passes_on_the_committed_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--output", str(COMMITTED)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_fails_readably_on_a_stale_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "asyncapi.yaml"
    stale.write_text(render_document().replace("IOC monitor", "Old title"), encoding="utf-8")

    assert main(["--check", "--output", str(stale)]) == 1
    report = capsys.readouterr().err
    assert "is stale" in report
    assert "uv run python -m ioc_messaging.asyncapi" in report
    assert "-  title: Old title" in report


def test_check_fails_when_the_document_is_missing(tmp_path: Path) -> None:
    assert main(["--check", "--output", str(tmp_path / "missing.yaml")]) == 1


def test_writing_then_checking_agrees(tmp_path: Path) -> None:
    output = tmp_path / "docs" / "asyncapi.yaml"

    assert main(["--output", str(output)]) == 0
    assert main(["--check", "--output", str(output)]) == 0


def test_help_describes_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])

    assert exited.value.code == 0
    usage = capsys.readouterr().out
    assert "--check" in usage
    assert "--output" in usage


def test_rendering_is_deterministic() -> None:
    assert render_document() == render_document()


def test_document_is_titled_and_names_every_topic(document: dict[str, Any]) -> None:
    assert document["info"]["title"] == "IOC monitor"
    assert document["info"]["description"]
    assert topics_missing_from(document) == []
    assert {topic.name for topic in ALL_TOPICS} <= {
        channel["address"] for channel in document["channels"].values()
    }


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
