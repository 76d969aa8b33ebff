"""Bad input at the door: schemathesis drives the real ingest process from its own
OpenAPI document. No 5xx, and every answer is one the document describes."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx
import pytest

from ioc_testing.pipeline import ServiceProcess

from .fuzzing import fuzz, record_fuzzing

if TYPE_CHECKING:
    from .conftest import IssueKeys

pytestmark = pytest.mark.connected


async def test_ingest_answers_every_generated_request_as_documented(
    fault_ingest: ServiceProcess, issue_keys: IssueKeys, request: pytest.FixtureRequest
) -> None:
    # so-tttt may publish what the document's examples show, so some requests succeed.
    key = (await issue_keys(["so-tttt"]))["so-tttt"]
    async with asyncio.timeout(180):
        # Both ways of presenting it, the same key: generated values of either header
        # would only earn 401 and hide what lies behind it.
        headers = {"Authorization": f"Bearer {key}", "X-API-Key": key}
        sent = await asyncio.to_thread(fuzz, fault_ingest.url, headers)
    record_fuzzing(
        request,
        fault="schemathesis on ingest",
        document="ingest's /openapi.json",
        credential="with a valid agency key",
        sent=sent,
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
