"""Figures of record end to end: HTTP and CSV through the real gateway, the real Kafka,
the real aggregator and TimescaleDB. Ids belong to agencies, a corrected report is a
revision, an identical re-upload changes nothing, a changed payload under a known id is
refused with the field named, and nothing older than the catalog's floor is accepted."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ioc_testing import ScratchDatabase
from ioc_testing.database import issue_api_key, read_rows
from ioc_testing.pipeline import ServiceProcess, wait_for

pytestmark = pytest.mark.connected

JUNE = "2023-06-30T17:00:00+07:00"
HEADER = "indicator,scope,observed_at,value,numerator,denominator,note\n"


def _report(value: str) -> str:
    return HEADER + f"dvc.paperless-rate,province,{JUNE},{value},,,\n"


async def _api_key(database: ScratchDatabase, agency: str) -> str:
    return await issue_api_key(database, agency, comment="figures test")


async def _ledger_size(database: ScratchDatabase) -> int:
    return len(await read_rows(database, "SELECT 1 FROM ioc.observations"))


async def test_csv_revisions_and_ids_no_other_agency_can_take(
    aggregator_process: ServiceProcess,
    ingest_process: ServiceProcess,
    catalog_database: ScratchDatabase,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    office = {"X-API-Key": await _api_key(catalog_database, "vp-ubnd")}
    other = {"X-API-Key": await _api_key(catalog_database, "so-tttt")}
    csv = {"Content-Type": "text/csv; charset=utf-8"}
    async with httpx.AsyncClient(base_url=ingest_process.url, timeout=30) as client:
        # The id the office's report row will get, learnt from a dry upload elsewhere:
        # another agency sends it first, for its own series at the same instant.
        first = await client.post("/v1/reports/csv", content=_report("37.5"), headers=office | csv)
        assert first.status_code == 202, first.text
        [row] = first.json()["rows"]
        office_id = row["event_id"]
        await wait_for(lambda: _has(catalog_database, 1), what="the office's figure")
        squatter = {
            "event_id": office_id,
            "indicator": "dvc.paperless-rate",
            "scope": "so-tttt",
            "observed_at": JUNE,
            "value": 12.0,
        }
        taken = await client.post("/v1/events", json=squatter, headers=other)
        assert taken.status_code == 202, taken.text
        await wait_for(lambda: _has(catalog_database, 2), what="the other agency's figure")

        again = await client.post("/v1/reports/csv", content=_report("37.5"), headers=office | csv)
        assert again.status_code == 202
        assert again.json()["rows"][0]["event_id"] == office_id
        await aggregator_process.wait_for_sample("ioc_aggregator_duplicates_ignored_total 1.0")

        corrected = await client.post(
            "/v1/reports/csv", content=_report("38.1"), headers=office | csv
        )
        assert corrected.status_code == 202, corrected.text
        revision_id = corrected.json()["rows"][0]["event_id"]
        assert revision_id != office_id
        await wait_for(lambda: _has(catalog_database, 3), what="the revision")

        # The office's own id again with another value: refused, the field named.
        changed = await client.post(
            "/v1/events",
            json={**squatter, "scope": "province", "value": 37.6, "event_id": office_id},
            headers=office,
        )
        assert changed.status_code == 422, changed.text
        [problem] = changed.json()["errors"]
        assert problem["field"] == "value"
        assert "đã được lưu với nội dung khác" in problem["reason"]

        ancient = await client.post(
            "/v1/events",
            json={**squatter, "event_id": str(uuid.uuid4()), "observed_at": "1000-06-30T00:00Z"},
            headers=other,
        )
        assert ancient.status_code == 422
        assert ancient.json()["errors"][0]["field"] == "observed_at"
        before_766 = await client.post(
            "/v1/events",
            json={
                "event_id": str(uuid.uuid4()),
                "indicator": "service-index.total",
                "scope": "province",
                "observed_at": "2021-12-31T00:00:00+07:00",
                "value": 80,
            },
            headers=office,
        )
        assert before_766.status_code == 422
        assert "01/01/2022" in before_766.json()["errors"][0]["reason"]

    ledger = await read_rows(
        catalog_database,
        "SELECT agency, scope, value FROM ioc.observations WHERE event_id = $1 ORDER BY agency",
        uuid.UUID(office_id),
    )
    assert [(r["agency"], r["scope"], r["value"]) for r in ledger] == [
        ("so-tttt", "so-tttt", 12.0),
        ("vp-ubnd", "province", 37.5),
    ]
    of_record = await read_rows(
        catalog_database,
        "SELECT f.value, l.value AS latest FROM ioc.figures f JOIN ioc.latest_values l"
        " USING (indicator, scope) WHERE indicator = 'dvc.paperless-rate' AND scope = 'province'",
    )
    assert [(r["value"], r["latest"]) for r in of_record] == [(38.1, 38.1)]
    history = await read_rows(
        catalog_database,
        "SELECT value, agency, of_record FROM ioc.figure_revisions"
        " WHERE indicator = 'dvc.paperless-rate' AND scope = 'province' ORDER BY revision",
    )
    assert [(r["value"], r["agency"], r["of_record"]) for r in history] == [
        (37.5, "vp-ubnd", False),
        (38.1, "vp-ubnd", True),
    ]


async def _has(database: ScratchDatabase, rows: int) -> bool:
    return await _ledger_size(database) >= rows
