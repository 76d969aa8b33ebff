"""POST /v1/reports/csv against the real Kafka and database: a per-row report, and all
rows published or none."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from ioc_contracts import IndicatorEvent, series_key_bytes
from ioc_ingest.domain.csv_report import derived_event_id

if TYPE_CHECKING:
    from .conftest import AuditRows, IssueKey, ReadTopic, StartIngest, TopicSize

pytestmark = pytest.mark.connected

AGENCY = "so-tttt"
HEADER = "indicator,scope,observed_at,value,numerator,denominator,note\n"
JUNE = "2023-06-30T17:00:00+07:00"
REPORT = (
    HEADER
    + f"dvc.paperless-rate,so-tttt,{JUNE},37.5,731,1950,\n"
    + f"cds.digital-enterprises,province,{JUNE},8705,,,Ước tính\n"
)


def csv_headers(key: str) -> dict[str, str]:
    return {"X-API-Key": key, "Content-Type": "text/csv; charset=utf-8"}


async def test_a_report_is_published_row_by_row_and_again_with_the_same_ids(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    read_topic: ReadTopic,
    audit_rows: AuditRows,
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest(ingest_topic=topic) as ingest:
        first = await ingest.client.post(
            "/v1/reports/csv", content=REPORT.encode(), headers=csv_headers(key.key)
        )
        again = await ingest.client.post(
            "/v1/reports/csv", content=REPORT.encode(), headers=csv_headers(key.key)
        )
    assert first.status_code == 202, first.text
    expected_ids = [
        str(derived_event_id(agency=AGENCY, fields=fields))
        for fields in (
            {
                "indicator": "dvc.paperless-rate",
                "scope": AGENCY,
                "observed_at": JUNE,
                "value": 37.5,
                "numerator": 731.0,
                "denominator": 1950.0,
            },
            {
                "indicator": "cds.digital-enterprises",
                "scope": "province",
                "observed_at": JUNE,
                "value": 8705.0,
                "note": "Ước tính",
            },
        )
    ]
    assert first.json() == {
        "accepted": 2,
        "rows": [
            {
                "row": 2,
                "status": "accepted",
                "event_id": expected_ids[0],
                "indicator": "dvc.paperless-rate",
                "scope": AGENCY,
                "errors": [],
            },
            {
                "row": 3,
                "status": "accepted",
                "event_id": expected_ids[1],
                "indicator": "cds.digital-enterprises",
                "scope": "province",
                "errors": [],
            },
        ],
    }
    assert again.json() == first.json()

    records = await read_topic(topic, 4)
    events = [IndicatorEvent.model_validate_json(record.value) for record in records]
    # The re-upload carries the same ids, so the aggregator stores each figure once.
    assert sorted(str(e.event_id) for e in events) == sorted(expected_ids * 2)
    by_id = {str(e.event_id): (e, r.key) for e, r in zip(events, records, strict=True)}
    enterprises, key_bytes = by_id[expected_ids[1]]
    assert key_bytes == series_key_bytes("cds.digital-enterprises", "province")
    assert (enterprises.value, enterprises.note, enterprises.agency) == (8705, "Ước tính", AGENCY)

    rows = await audit_rows(ingest.remote_addr)
    assert [(r["action"], r["accepted"], r["status_code"]) for r in rows] == [
        ("reports.csv", 2, 202)
    ] * 2


async def test_one_bad_row_keeps_the_whole_report_off_the_topic(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    topic_size: TopicSize,
    audit_rows: AuditRows,
) -> None:
    key = await issue_key(AGENCY)
    report = (
        HEADER
        + f"dvc.paperless-rate,so-tttt,{JUNE},37.5,731,1950,\n"
        + 'dvc.paperless-rate,so-tttt,2023-07-31T17:00:00+07:00,"38,2",,,\n'
        + "dvc.paperless-rate,so-tttt,2023-08-31T17:00:00+07:00,150,,,\n"
        + "dvc.paperless-rate,so-tttt,2023-09-30T17:00:00,40,,,\n"
    )
    async with start_ingest(ingest_topic=topic) as ingest:
        response = await ingest.client.post(
            "/v1/reports/csv", content=report.encode(), headers=csv_headers(key.key)
        )
        rejected = ingest.metric("ioc_ingest_events_total", outcome="rejected", agency=AGENCY)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"].startswith("3/4 dòng không hợp lệ")  # Vietnamese first
    assert " / 3 of 4 rows are not valid; nothing was published" in body["detail"]
    assert [(row["row"], row["status"]) for row in body["rows"]] == [
        (2, "valid"),
        (3, "rejected"),
        (4, "rejected"),
        (5, "rejected"),
    ]
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (3, "value"),
        (4, "value"),
        (5, "observed_at"),
    ]
    assert "is not a number" in body["rows"][1]["errors"][0]["reason"]
    assert "[0, 100]" in body["rows"][2]["errors"][0]["reason"]
    assert await topic_size(topic) == 0
    assert rejected == 4
    [audit] = await audit_rows(ingest.remote_addr)
    assert (audit["accepted"], audit["rejected"], audit["status_code"]) == (0, 4, 422)
    assert [e["row"] for e in json.loads(audit["detail"])["errors"]] == [3, 4, 5]


async def test_a_row_not_granted_makes_the_report_403_naming_the_indicator(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = await issue_key(AGENCY)
    report = REPORT + f"dvc.paperless-rate,province,{JUNE},37.5,731,1950,\n"
    async with start_ingest(ingest_topic=topic) as ingest:
        response = await ingest.client.post(
            "/v1/reports/csv", content=report.encode(), headers=csv_headers(key.key)
        )
    assert response.status_code == 403
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (4, "scope")
    assert "dvc.paperless-rate" in error["reason"]
    assert [row["status"] for row in response.json()["rows"]] == ["valid", "valid", "rejected"]
    assert await topic_size(topic) == 0


async def test_unreadable_files_and_wrong_media_types_are_refused(
    start_ingest: StartIngest, issue_key: IssueKey
) -> None:
    key = await issue_key(AGENCY)
    async with start_ingest() as ingest:
        no_value = await ingest.client.post(
            "/v1/reports/csv",
            content=b"indicator,scope,observed_at\nx,y,z\n",
            headers=csv_headers(key.key),
        )
        as_json = await ingest.client.post(
            "/v1/reports/csv",
            content=REPORT.encode(),
            headers={"X-API-Key": key.key, "Content-Type": "application/json"},
        )
        not_utf8 = await ingest.client.post(
            "/v1/reports/csv", content=REPORT.encode("utf-16"), headers=csv_headers(key.key)
        )
    assert no_value.status_code == 422
    [error] = no_value.json()["errors"]
    assert (error["row"], error["field"]) == (1, "value")
    assert as_json.status_code == 415
    assert "text/csv" in as_json.json()["detail"]
    assert not_utf8.status_code == 422
    assert "UTF-8" in not_utf8.json()["detail"]


async def test_a_report_not_saved_as_utf8_says_how_to_save_it(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    """Excel's plain "CSV" on a Vietnamese Windows is Windows-1258, its "Unicode Text"
    UTF-16: each is named, with the Save As choice that works; a JSON body gets no
    spreadsheet advice."""
    key = await issue_key(AGENCY)
    headers = {"X-API-Key": key.key, "Content-Type": "text/csv"}
    async with start_ingest(ingest_topic=topic) as ingest:
        # Windows-1258 writes "ớ" as "ơ" and a combining acute, as Excel saves it there.
        in_code_page = REPORT.replace("Ước", "Ươ\u0301c").encode("cp1258")
        code_page = await ingest.client.post(
            "/v1/reports/csv", content=in_code_page, headers=headers
        )
        utf16 = await ingest.client.post(
            "/v1/reports/csv", content=REPORT.encode("utf-16"), headers=headers
        )
        json_body = await ingest.client.post(
            "/v1/events",
            content='{"note": "Đơn"}'.encode("cp1258"),
            headers={"X-API-Key": key.key, "Content-Type": "application/json"},
        )
    assert [a.status_code for a in (code_page, utf16, json_body)] == [422] * 3
    resave = "'CSV UTF-8 (Comma delimited) (*.csv)'"
    assert code_page.json()["detail"].startswith(
        f"nội dung không phải văn bản UTF-8 hợp lệ; trong Excel, chọn Lưu thành (Save As) → {resave}"
    )
    assert "Windows-1258" in code_page.json()["errors"][0]["reason"]
    assert utf16.json()["errors"][0]["reason"].startswith("tệp được mã hóa UTF-16")
    assert resave in utf16.json()["detail"]
    assert json_body.json()["detail"] == (
        "nội dung không phải văn bản UTF-8 hợp lệ / the body is not valid UTF-8 text"
    )
    assert await topic_size(topic) == 0
