"""Bad input at the alert service's door: schemathesis drives the real process from its
own OpenAPI document, as an admin (every route open), as a viewer (the changes refused
with 403) and with a token that is no token. No 5xx, and every answer is one the
document describes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Err

from ioc_storage.operators import Role
from ioc_testing import ScratchDatabase
from ioc_testing.database import operator_with_token
from ioc_testing.ledger import FaultResult, record_result
from ioc_testing.pipeline import PipelineTopics, alerts_service

from .test_ingest_schemathesis import CHECKS

pytestmark = pytest.mark.connected

EXAMPLES_PER_OPERATION_AND_MODE = 100


def fuzz(base_url: str, headers: dict[str, str]) -> int:
    """Every operation in positive and negative mode; returns the requests sent."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", timeout=10)
    sent = 0
    with requests.Session() as session:
        transport: dict[str, Any] = {"base_url": base_url, "session": session, "headers": headers}
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()
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

                exchange()
    return sent


@pytest.mark.parametrize(
    "role",
    [Role.ADMIN, Role.VIEWER, None],
    ids=["admin", "viewer", "non-ascii-token"],
)
async def test_the_alerts_api_answers_every_generated_request_as_documented(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    role: Role | None,
) -> None:
    if role is None:
        authorization = "Bearer été-and-more"
    else:
        token = await operator_with_token(catalog_database, f"fuzz.{role.value}", role=role)
        authorization = f"Bearer {token}"
    alerts = alerts_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        f"{unique_name}.alerts",
        tmp_path / "alerts.log",
        IOC_ALERTS_EVALUATE_EVERY_SECONDS="3600",
        # Many 401s on purpose in the second run: room for all of them.
        IOC_FAILED_ATTEMPTS_BURST="100000",
    )
    alerts.start()
    try:
        alerts.wait_ready()
        headers = {"Authorization": authorization.encode().decode("latin-1")}
        async with asyncio.timeout(300):
            sent = await asyncio.to_thread(fuzz, alerts.url, headers)
    finally:
        alerts.kill()
    record_result(
        FaultResult(
            fault=f"schemathesis on alerts ({request.node.callspec.id})",
            description="requests generated from the alert service's /openapi.json, valid and "
            "invalid, with an admin's or a viewer's personal token or a non-ASCII one; checks: no 5xx, documented "
            "status, content type, headers and body schema, invalid data refused",
            test=request.node.nodeid,
            events=sent,
            lost=0,
            duplicated=0,
            recovery_seconds=None,
            bound_seconds=None,
            note="events = HTTP requests sent",
        )
    )
