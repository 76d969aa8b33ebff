"""Fixtures of the fault-injection suite: a ledger, a load generator, ingest with room
for load, and `conclude`, which waits for the system to be quiet and reconciles."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from ioc_storage.credentials import create_api_key
from ioc_testing import ScratchDatabase
from ioc_testing.ledger import (
    FaultResult,
    HttpPost,
    Ledger,
    LoadGenerator,
    Reconciliation,
    granted_series,
    reconcile,
    record_result,
    wait_for_zero_lag,
)
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, ingest_service

from .streaming import StreamStarter

# How long the consumer group may take to commit everything once a fault is over.
LAG_BOUND_SECONDS = 60.0


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture
def load(ledger: Ledger) -> LoadGenerator:
    return LoadGenerator(ledger, granted_series())


@pytest.fixture
def fault_ingest(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> Iterator[ServiceProcess]:
    """The real ingest process, with a rate limit the load generator stays under."""
    service = ingest_service(
        catalog_database,
        pipeline_topics,
        kafka_bootstrap,
        tmp_path / "ingest.log",
        IOC_INGEST_RATE_PER_SECOND="1000",
        IOC_INGEST_RATE_BURST="1000",
        IOC_INGEST_PUBLISH_TIMEOUT_SECONDS="5",
    )
    service.start()
    service.wait_ready()
    yield service
    service.kill()


@pytest.fixture
def start_stream(
    aggregator_process: ServiceProcess,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    producer: AIOKafkaProducer,
    load: LoadGenerator,
) -> StreamStarter:
    """The fault tests' preamble: `await start_stream(events, ...)` starts the aggregator,
    waits until it is ready and streams the load (see streaming.py)."""
    return StreamStarter(aggregator_process, catalog_database, pipeline_topics, producer, load)


IssueKeys = Callable[[Sequence[str]], Awaitable[dict[str, str]]]


@pytest.fixture
def issue_keys(catalog_database: ScratchDatabase) -> IssueKeys:
    """Issues an API key per agency in the test's database, as `ioc-db api-key` would."""

    async def issue(agencies: Sequence[str]) -> dict[str, str]:
        connection = await asyncpg.connect(catalog_database.dsns["migrator"])
        try:
            return {
                agency: (await create_api_key(connection, agency=agency, comment="fault test")).key
                for agency in agencies
            }
        finally:
            await connection.close()

    return issue


@pytest.fixture
async def api_keys(issue_keys: IssueKeys, load: LoadGenerator) -> dict[str, str]:
    """An API key for each agency of the load generator."""
    return await issue_keys(sorted({s.agency for s in load.series}))


@pytest.fixture
async def http_post(
    fault_ingest: ServiceProcess, api_keys: dict[str, str]
) -> AsyncIterator[HttpPost]:
    """POST /v1/events as any agency of the load generator; None when no answer came."""
    keys = api_keys
    async with httpx.AsyncClient(base_url=fault_ingest.url, timeout=8.0) as client:

        async def post(agency: str, events: Sequence[Mapping[str, Any]]) -> int | None:
            try:
                response = await client.post(
                    "/v1/events", json={"events": list(events)}, headers={"X-API-Key": keys[agency]}
                )
            except httpx.TransportError:
                return None
            return response.status_code

        yield post


class Conclude(Protocol):
    def __call__(
        self,
        aggregator: ServiceProcess,
        *,
        fault: str,
        description: str,
        fault_ended: float | None = None,
        bound: float = LAG_BOUND_SECONDS,
        note: str | Callable[[], str] = "",
    ) -> Awaitable[Reconciliation]: ...


@pytest.fixture
def conclude(
    ledger: Ledger,
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    request: pytest.FixtureRequest,
) -> Conclude:
    """Once the fault is over and sending finished: waits until the lag is zero again
    (recovery time: from `fault_ended`, a time.monotonic() reading, or from now),
    reconciles the ledger with the database, records the row, asserts the invariants."""

    async def run(
        aggregator: ServiceProcess,
        *,
        fault: str,
        description: str,
        fault_ended: float | None = None,
        bound: float = LAG_BOUND_SECONDS,
        note: str | Callable[[], str] = "",
    ) -> Reconciliation:
        group = aggregator.env["IOC_AGGREGATOR_GROUP_ID"]
        since = time.monotonic() if fault_ended is None else fault_ended
        seconds: float | None = None
        failure: AssertionError | None = None
        try:
            remaining = bound - (time.monotonic() - since)
            await wait_for_zero_lag(
                kafka_bootstrap, group, pipeline_topics.events, within=max(remaining, 1.0)
            )
            seconds = time.monotonic() - since
        except AssertionError as error:
            failure = error
        reconciliation = await reconcile(ledger, catalog_database.dsns["reader"])
        result = FaultResult.of(
            reconciliation,
            fault=fault,
            description=description,
            test=request.node.nodeid,
            recovery_seconds=None if seconds is None else round(seconds, 2),
            bound_seconds=bound,
            note=note() if callable(note) else note,
        )
        record_result(result if failure is None else replace(result, holds=False))
        if failure is not None:
            raise failure
        reconciliation.assert_holds()
        return reconciliation

    return run


ReadMetric = Callable[[ServiceProcess, str], float]


@pytest.fixture
def read_metric() -> ReadMetric:
    """Sum of a metric's samples (all labels) as the service exposes it now."""

    def read(service: ServiceProcess, name: str) -> float:
        total = 0.0
        for line in service.metrics().splitlines():
            head, _, value = line.rpartition(" ")
            if head == name or head.startswith(name + "{"):
                total += float(value)
        return total

    return read
