"""The OpenAPI document is always served; the interactive docs only when enabled."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from ioc_ingest.config import IngestSettings
from ioc_ingest.main import create_app
from ioc_runtime.settings import Environment


def settings(**overrides: Any) -> IngestSettings:
    values: dict[str, Any] = {
        "database_url": SecretStr("postgresql://ioc_ingest:unused@127.0.0.1:1/ioc"),
        **overrides,
    }
    return IngestSettings.model_validate(values)


async def get(app_settings: IngestSettings, path: str) -> httpx.Response:
    # No lifespan: the documents need no connection.
    app = create_app(app_settings, registry=CollectorRegistry())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest.test") as client:
        return await client.get(path)


async def test_the_document_describes_both_routes_and_the_event_body() -> None:
    response = await get(settings(ingest_max_batch=250), "/openapi.json")
    assert response.status_code == 200
    document = response.json()
    events = document["paths"]["/v1/events"]["post"]
    assert set(events["responses"]) >= {"202", "401", "403", "413", "415", "422", "429", "503"}
    assert "All or nothing" in document["info"]["description"]
    schemas = document["components"]["schemas"]
    submission = schemas["EventSubmission"]
    assert "agency" not in submission["required"]
    assert {"event_id", "indicator", "scope", "observed_at", "value"} <= set(submission["required"])
    assert schemas["EventBatch"]["properties"]["events"]["maxItems"] == 250
    csv_body = document["paths"]["/v1/reports/csv"]["post"]["requestBody"]["content"]
    assert "text/csv" in csv_body
    assert {"BearerApiKey", "ApiKeyHeader"} <= set(document["components"]["securitySchemes"])


@pytest.mark.parametrize(
    ("env", "docs_enabled", "docs_status"),
    [
        (Environment.DEVELOPMENT, None, 200),
        (Environment.PRODUCTION, None, 404),
        (Environment.PRODUCTION, True, 200),
    ],
)
async def test_interactive_docs_follow_the_setting(
    env: Environment, docs_enabled: bool | None, docs_status: int
) -> None:
    app_settings = settings(env=env, ingest_docs_enabled=docs_enabled)
    assert (await get(app_settings, "/docs")).status_code == docs_status
    assert (await get(app_settings, "/redoc")).status_code == docs_status
    assert (await get(app_settings, "/openapi.json")).status_code == 200


async def test_no_route_documents_fastapis_own_422_shape() -> None:
    """Every refusal, a query parameter's included, is answered in the API's own shape
    (`api/query.py`): the document must not promise FastAPI's `HTTPValidationError`."""
    document = (await get(settings(), "/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answer = operation["responses"].get("422")
            if answer is None:
                continue
            schema = answer["content"]["application/json"]["schema"]
            assert "HTTPValidationError" not in str(schema), (path, method, schema)
