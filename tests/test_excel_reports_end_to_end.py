"""Excel reports end to end: a workbook made by a spreadsheet library, with a title block,
a header merged over two rows, decimal commas, a percentage cell and dates typed as text,
through the real gateway, Kafka, aggregator and TimescaleDB; the same figure sent as CSV
and as Excel is one figure, and a corrected workbook is a revision."""

from __future__ import annotations

import io
from datetime import date, datetime

import httpx
import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ioc_contracts.types import VIETNAM_TIME
from ioc_testing import ScratchDatabase
from ioc_testing.database import issue_api_key, read_rows
from ioc_testing.pipeline import ServiceProcess, wait_for

pytestmark = pytest.mark.connected

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AGENCY = "so-tttt"


def _workbook(july_value: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "Tháng 6-7"
    sheet["A1"] = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG — BÁO CÁO SỐ LIỆU"
    sheet.merge_cells("A1:E1")
    for column, label in zip(
        "ABCE", ("STT", "Mã chỉ tiêu", "Mã phạm vi", "Ngày số liệu"), strict=True
    ):
        sheet[f"{column}3"] = label
        sheet.merge_cells(f"{column}3:{column}4")
    sheet["D3"] = "Số liệu"
    sheet["D4"] = "Giá trị"
    sheet.append([1, "dvc.paperless-rate", AGENCY, 0.375, date(2023, 6, 30)])
    sheet["D5"].number_format = "0.0%"
    sheet.append([2, "dvc.paperless-rate", AGENCY, july_value, "31/07/2023"])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


async def _api_key(database: ScratchDatabase, agency: str) -> str:
    return await issue_api_key(database, agency, comment="excel test")


async def _ledger_size(database: ScratchDatabase) -> int:
    return len(await read_rows(database, "SELECT 1 FROM ioc.observations"))


async def test_an_excel_report_is_stored_and_revised_through_the_pipeline(
    aggregator_process: ServiceProcess,
    ingest_process: ServiceProcess,
    catalog_database: ScratchDatabase,
) -> None:
    aggregator_process.start()
    aggregator_process.wait_ready()
    key = {"X-API-Key": await _api_key(catalog_database, AGENCY)}
    async with httpx.AsyncClient(base_url=ingest_process.url, timeout=30) as client:
        # June first as CSV, as the agency used to send it.
        csv = "indicator,scope,observed_at,value\ndvc.paperless-rate,so-tttt,2023-06-30T00:00:00+07:00,37.5\n"
        sent = await client.post(
            "/v1/reports/csv", content=csv.encode(), headers=key | {"Content-Type": "text/csv"}
        )
        assert sent.status_code == 202, sent.text
        await wait_for(lambda: _has(catalog_database, 1), what="the CSV figure")

        first = await client.post(
            "/v1/reports/xlsx", content=_workbook("38,2"), headers=key | {"Content-Type": XLSX}
        )
        assert first.status_code == 202, first.text
        assert first.json()["rows"][0]["event_id"] == sent.json()["rows"][0]["event_id"]
        await wait_for(lambda: _has(catalog_database, 2), what="July from the workbook")
        # June again, from Excel this time: the same figure, absorbed as a duplicate.
        await aggregator_process.wait_for_sample("ioc_aggregator_duplicates_ignored_total 1.0")

        corrected = await client.post(
            "/v1/reports/xlsx", content=_workbook("38,4"), headers=key | {"Content-Type": XLSX}
        )
        assert corrected.status_code == 202, corrected.text
        await wait_for(lambda: _has(catalog_database, 3), what="July's revision")

    figures = await read_rows(
        catalog_database,
        "SELECT observed_at, value FROM ioc.figures WHERE indicator = 'dvc.paperless-rate'"
        " AND scope = $1 ORDER BY observed_at",
        AGENCY,
    )
    assert [(r["observed_at"], r["value"]) for r in figures] == [
        (datetime(2023, 6, 30, tzinfo=VIETNAM_TIME), 37.5),
        (datetime(2023, 7, 31, tzinfo=VIETNAM_TIME), 38.4),
    ]
    revisions = await read_rows(
        catalog_database,
        "SELECT value, of_record FROM ioc.figure_revisions WHERE indicator = 'dvc.paperless-rate'"
        " AND scope = $1 AND observed_at = $2 ORDER BY revision",
        AGENCY,
        datetime(2023, 7, 31, tzinfo=VIETNAM_TIME),
    )
    assert [(r["value"], r["of_record"]) for r in revisions] == [(38.2, False), (38.4, True)]


async def _has(database: ScratchDatabase, rows: int) -> bool:
    return await _ledger_size(database) >= rows
