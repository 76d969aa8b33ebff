"""POST /v1/reports/xlsx and GET /v1/reports/template.xlsx against the real Kafka and
database: row errors with their sheet, all rows published or none, and a template that
lists exactly the agency's grants and round-trips."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ioc_contracts import IndicatorEvent
from ioc_contracts.types import VIETNAM_TIME
from ioc_ingest.api.xlsx import XLSX_MEDIA_TYPE
from ioc_ingest.domain.report_template import COLUMNS, HEADER_ROW, REPORT_SHEET
from ioc_storage.connection import Connection

if TYPE_CHECKING:
    from .conftest import AuditRows, IssueKey, ReadTopic, StartIngest, TopicSize

pytestmark = pytest.mark.connected

AGENCY = "so-tttt"
POSITION = {code: index + 1 for index, (_, code, _) in enumerate(COLUMNS)}


def xlsx_headers(key: str) -> dict[str, str]:
    return {"X-API-Key": key, "Content-Type": XLSX_MEDIA_TYPE}


def _saved(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def monthly_report(*, bad_value: str, scope: str = AGENCY) -> bytes:
    """A department's own workbook: title block, header merged over two rows."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "Tháng 6"
    sheet["A1"] = "BÁO CÁO SỐ LIỆU THÁNG 6/2023"
    sheet.merge_cells("A1:F1")
    for column, label in zip("ABC", ("Mã chỉ tiêu", "Mã phạm vi", "Ngày số liệu"), strict=True):
        sheet[f"{column}3"] = label
        sheet.merge_cells(f"{column}3:{column}4")
    sheet["D3"] = "Số liệu"
    sheet.merge_cells("D3:F3")
    sheet["D4"], sheet["E4"], sheet["F4"] = "Giá trị", "Tử số", "Mẫu số"
    sheet.append(["dvc.paperless-rate", AGENCY, date(2023, 6, 30), "37,5", 731, 1950])
    sheet.append(["dvc.paperless-rate", scope, "31/07/2023", bad_value, None, None])
    return _saved(workbook)


async def test_row_errors_name_sheet_row_and_column_and_nothing_is_published(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    topic_size: TopicSize,
    audit_rows: AuditRows,
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(ingest_topic=topic) as ingest:
        response = await ingest.client.post(
            "/v1/reports/xlsx",
            content=monthly_report(bad_value="150"),
            headers=xlsx_headers(key.key),
        )
        unreadable = await ingest.client.post(
            "/v1/reports/xlsx",
            content=monthly_report(bad_value="ba mươi"),
            headers=xlsx_headers(key.key),
        )
        forbidden = await ingest.client.post(
            "/v1/reports/xlsx",
            content=monthly_report(bad_value="38", scope="so-xd"),
            headers=xlsx_headers(key.key),
        )
        not_excel = await ingest.client.post(
            "/v1/reports/xlsx", content=b"indicator,scope\n", headers=xlsx_headers(key.key)
        )
        wrong_type = await ingest.client.post(
            "/v1/reports/xlsx",
            content=monthly_report(bad_value="1"),
            headers={"X-API-Key": key.key, "Content-Type": "text/csv"},
        )
    assert response.status_code == 422, response.text
    body = response.json()
    assert [(r["sheet"], r["row"], r["status"]) for r in body["rows"]] == [
        ("Tháng 6", 5, "valid"),
        ("Tháng 6", 6, "rejected"),
    ]
    [error] = body["errors"]
    assert (error["sheet"], error["row"], error["field"]) == ("Tháng 6", 6, "value")
    assert error["reason"].startswith("giá trị 150 nằm ngoài khoảng hợp lệ [0, 100]")

    [error] = unreadable.json()["errors"]
    assert (error["sheet"], error["row"], error["field"]) == ("Tháng 6", 6, "value")
    assert error["reason"].startswith("ô D6: 'ba mươi' không phải là số")

    assert forbidden.status_code == 403, forbidden.text
    [error] = forbidden.json()["errors"]
    assert (error["sheet"], error["row"], error["field"]) == ("Tháng 6", 6, "scope")
    assert error["reason"].startswith("đơn vị không được phép gửi số liệu này")

    assert not_excel.status_code == 422
    assert not_excel.json()["errors"][0]["reason"].startswith("tệp không phải là bảng tính .xlsx")
    assert wrong_type.status_code == 415
    assert await topic_size(topic) == 0
    rows = await audit_rows(ingest.remote_addr)
    assert [(r["action"], r["status_code"]) for r in rows][:4] == [
        ("reports.xlsx", 422),
        ("reports.xlsx", 422),
        ("reports.xlsx", 403),
        ("reports.xlsx", 422),
    ]


async def test_the_template_lists_exactly_the_grants_and_round_trips(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    read_topic: ReadTopic,
    migrator: Connection,
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(ingest_topic=topic) as ingest:
        download = await ingest.client.get(
            "/v1/reports/template.xlsx", headers={"X-API-Key": key.key}
        )
        assert download.status_code == 200, download.text
        assert download.headers["content-type"] == XLSX_MEDIA_TYPE
        workbook = load_workbook(io.BytesIO(download.content))
        sheet = workbook[REPORT_SHEET]
        lines = {
            (str(row[POSITION["indicator"] - 1]), str(row[POSITION["scope"] - 1])): row
            for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
        }
        granted = await migrator.fetch(
            "SELECT indicator, scope FROM ioc.publish_grants WHERE agency = $1", AGENCY
        )
        assert set(lines) == {(r["indicator"], r["scope"]) for r in granted}
        paperless = lines[("dvc.paperless-rate", AGENCY)]
        assert paperless[POSITION["unit"] - 1] == "%"
        assert paperless[POSITION["range"] - 1] == "0 – 100"

        # The data officer fills two lines and uploads the file as it is.
        filled = {("dvc.paperless-rate", AGENCY): (date(2023, 6, 30), 37.5)}
        other = next(line for line in sorted(lines) if line[0] != "dvc.paperless-rate")
        filled[other] = (date(2023, 6, 30), 1)
        for number, line in enumerate(lines, start=HEADER_ROW + 1):
            if line in filled:
                when, value = filled[line]
                sheet.cell(number, POSITION["observed_at"], when)
                sheet.cell(number, POSITION["value"], value)
        output = io.BytesIO()
        workbook.save(output)
        upload = await ingest.client.post(
            "/v1/reports/xlsx", content=output.getvalue(), headers=xlsx_headers(key.key)
        )
    assert upload.status_code == 202, upload.text
    assert upload.json()["accepted"] == 2
    assert {row["sheet"] for row in upload.json()["rows"]} == {REPORT_SHEET}
    records = await read_topic(topic, 2)
    events = {(e.indicator, e.scope): e for e in map(_event, records)}
    assert set(events) == set(filled)
    assert events[("dvc.paperless-rate", AGENCY)].value == 37.5
    # A date without a time is the start of that day in Vietnam.
    assert events[("dvc.paperless-rate", AGENCY)].observed_at == datetime(
        2023, 6, 30, tzinfo=VIETNAM_TIME
    )


def _event(record: object) -> IndicatorEvent:
    return IndicatorEvent.model_validate_json(record.value)  # type: ignore[attr-defined]
