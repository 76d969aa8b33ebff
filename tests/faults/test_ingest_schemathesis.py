"""Bad input at the door: schemathesis drives the real ingest process from its own
OpenAPI document. No 5xx, and every answer is one the document describes."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ioc_testing.ledger import FaultResult, record_result
from ioc_testing.pipeline import ServiceProcess

if TYPE_CHECKING:
    from .conftest import IssueKeys

pytestmark = pytest.mark.connected

EXAMPLES_PER_OPERATION_AND_MODE = 100
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def fuzz(base_url: str, api_key: str) -> int:
    """Every operation in positive and negative mode; returns the requests sent."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=10)
    # Both ways of presenting it, the same key: generated values of either header would
    # only earn 401 and hide what lies behind it.
    headers = {"Authorization": f"Bearer {api_key}", "X-API-Key": api_key}
    sent = 0
    with requests.Session() as session:
        transport: dict[str, Any] = {"base_url": base_url, "session": session, "headers": headers}
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # ingest's own document does not parse
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @settings(
                    max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode))
                def exchange(case: Case[Any]) -> None:
                    nonlocal sent
                    sent += 1
                    response = case.call(**transport, timeout=10)
                    case.validate_response(
                        response, CHECKS, headers=headers, transport_kwargs=transport
                    )

                try:
                    exchange()
                except Unsatisfiable:
                    # GET /healthz and /readyz take no input: nothing to make invalid.
                    if mode is GenerationMode.POSITIVE:
                        raise
    return sent


async def test_ingest_answers_every_generated_request_as_documented(
    fault_ingest: ServiceProcess, issue_keys: IssueKeys, request: pytest.FixtureRequest
) -> None:
    # so-tttt may publish what the document's examples show, so some requests succeed.
    key = (await issue_keys(["so-tttt"]))["so-tttt"]
    async with asyncio.timeout(180):
        sent = await asyncio.to_thread(fuzz, fault_ingest.url, key)
    record_result(
        FaultResult(
            fault="schemathesis on ingest",
            description="requests generated from ingest's /openapi.json, valid and invalid, "
            "with a valid agency key; checks: no 5xx, documented status, content type, "
            "headers and body schema, invalid data refused",
            test=request.node.nodeid,
            events=sent,
            lost=0,
            duplicated=0,
            recovery_seconds=None,
            bound_seconds=None,
            note="events = HTTP requests sent",
        )
    )


async def test_timestamps_at_the_ends_of_the_calendar_answer_422(
    fault_ingest: ServiceProcess, issue_keys: IssueKeys
) -> None:
    key = (await issue_keys(["so-tttt"]))["so-tttt"]
    event = {
        "event_id": "e3e70682-c209-1cac-a29f-6fbed82c07cd",
        "indicator": "dvc.paperless-rate",
        "scope": "so-tttt",
        "observed_at": "0001-01-01T04:00:01+23:00",
        "value": 37.5,
    }
    async with httpx.AsyncClient(base_url=fault_ingest.url, timeout=10) as ingest:
        answer = await ingest.post("/v1/events", json=event, headers={"X-API-Key": key})
    assert answer.status_code == 422, answer.text
