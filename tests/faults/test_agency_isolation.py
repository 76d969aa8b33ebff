"""An agency's key reaches its own series and nothing else: not another agency's
figures (ingest reads back only the agency's own series and events), not the operators'
API."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from ioc_testing import ScratchDatabase
from ioc_testing.ledger import HttpPost, LoadGenerator, Outcome, Series
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, alerts_service

if TYPE_CHECKING:
    from .conftest import Conclude

pytestmark = pytest.mark.connected

OPERATOR_TOKEN = "test-operator-token-0123456789"  # what alerts_service configures
READ_ATTEMPTS = [
    ("GET", "/v1/events"),
    ("GET", "/v1/events/6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11"),
    ("DELETE", "/v1/events"),
    ("PUT", "/v1/events"),
    ("GET", "/v1/reports/csv"),
    ("GET", "/v1/observations"),
    ("GET", "/v1/agencies/so-tnmt/events"),
    ("GET", "/v1/api-keys"),
    ("POST", "/v1/api-keys"),
    ("GET", "/admin"),
    ("GET", "/v1/alerts"),
    ("POST", "/v1/silences"),
]


async def test_an_agency_key_reaches_only_its_own_series(
    aggregator_process: ServiceProcess,
    fault_ingest: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
    api_keys: dict[str, str],
    http_post: HttpPost,
    conclude: Conclude,
    tmp_path: Path,
) -> None:
    aggregator_process.start()
    alerts = alerts_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        f"{unique_name}.alerts",
        tmp_path / "alerts.log",
    )
    alerts.start()
    try:
        await asyncio.to_thread(aggregator_process.wait_ready)
        await asyncio.to_thread(alerts.wait_ready)
        mine, theirs = load.series[0], load.series[1]
        key = api_keys[mine.agency]

        # Publishing: its own series goes through; another agency's is refused, whole.
        assert await load.over_http(http_post, mine.agency, load.events_of(mine, 20)) == 202
        trespass = [
            load.event(mine, scope=theirs.scope),  # the other agency's series
            load.event(mine, agency=theirs.agency),  # claiming to be the other agency
            load.event(theirs),  # the other agency's event, whole
        ]
        for event in trespass:
            mixed = [*load.events_of(mine, 3), event]  # all or nothing: 3 good ones refused too
            assert await load.over_http(http_post, mine.agency, mixed) == 403
        async with httpx.AsyncClient(base_url=fault_ingest.url, timeout=10) as ingest:
            report = await ingest.post(
                "/v1/reports/csv",
                content=_csv(theirs, load.start.isoformat()),
                headers={"X-API-Key": key, "Content-Type": "text/csv"},
            )
            assert report.status_code == 403, report.text
            forged = key[: key.rindex("_") + 1] + "x" * 43  # its prefix, a made-up secret
            denied = await ingest.post(
                "/v1/events", json=load.event(mine), headers={"X-API-Key": forged}
            )
            assert denied.status_code == 401
            # No data path out of ingest but the agency's own: nothing of another agency
            # to read, nothing to list or administer.
            theirs_sent = load.event(theirs)
            assert await load.over_http(http_post, theirs.agency, [theirs_sent]) == 202
            foreign = [
                ("GET", f"/v1/series/{theirs.indicator}/{theirs.scope}"),
                ("GET", f"/v1/events/{theirs_sent['event_id']}"),
            ]
            for method, path in READ_ATTEMPTS + foreign:
                answer = await ingest.request(method, path, headers={"X-API-Key": key})
                assert answer.status_code in (404, 405), (method, path, answer.status_code)
            own = await ingest.get(
                f"/v1/series/{mine.indicator}/{mine.scope}", headers={"X-API-Key": key}
            )
            assert own.status_code == 200, own.text
            document = (await ingest.get("/openapi.json")).json()
            assert {
                (method.upper(), path)
                for path, operations in document["paths"].items()
                for method in operations
            } == {
                ("POST", "/v1/events"),
                ("POST", "/v1/reports/csv"),
                ("GET", "/v1/series/{indicator}/{scope}"),
                ("GET", "/v1/events/{event_id}"),
                ("POST", "/v1/reports/xlsx"),
                # The agency's own grants from the catalog, never a figure.
                ("GET", "/v1/reports/template.xlsx"),
                ("GET", "/healthz"),
                ("GET", "/readyz"),
            }

        # The operators' API wants the operator token; an agency key is not one.
        async with httpx.AsyncClient(base_url=alerts.url, timeout=10) as operators:
            for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}, {}):
                listing = await operators.get("/v1/alerts", headers=headers)
                assert listing.status_code == 401
                silence = await operators.post(
                    "/v1/silences",
                    json={
                        "target": "dvc.paperless-100",
                        "ends_at": "2030-01-01T00:00:00+07:00",
                        "created_by": mine.agency,
                        "comment": "thử tắt cảnh báo",
                    },
                    headers=headers,
                )
                assert silence.status_code == 401
                ack = await operators.post(
                    f"/v1/alerts/{uuid.uuid4()}/ack", json={"by": mine.agency}, headers=headers
                )
                assert ack.status_code == 401
            allowed = await operators.get(
                "/v1/alerts", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
            )
            assert allowed.status_code == 200
    finally:
        alerts.kill()
    reconciliation = await conclude(
        aggregator_process,
        fault="agency isolation",
        description="an agency's key publishes its own series (202), then tries another "
        "agency's series, identity and CSV report (403, nothing published), a forged key "
        "(401), 12 read/admin paths and another agency's series and event on ingest "
        "(404/405) and the operators' API (401)",
    )
    assert reconciliation.rejected == len(trespass) * 4
    assert load.ledger.count(Outcome.REJECTED) == reconciliation.rejected


def _csv(series: Series, observed_at: str) -> str:
    return (
        f"indicator,scope,observed_at,value\n{series.indicator},{series.scope},{observed_at},50\n"
    )
