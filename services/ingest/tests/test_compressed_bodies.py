"""Compressed bodies through the real gateway, Kafka and database: a gzip or deflate body
is read as the plain one on every route that takes a body (a batch of events, a CSV and
an Excel report, sent whole or in chunks cut anywhere); one that does not unpack, unpacks
past the limit or uses another coding is refused, named, and nothing is published; the
key is checked before a byte is unpacked."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx
import pytest

from ioc_contracts import IndicatorEvent
from ioc_ingest.api.xlsx import XLSX_MEDIA_TYPE

from .event_requests import AGENCY, event
from .test_reports_api import REPORT
from .test_xlsx_api import monthly_report

if TYPE_CHECKING:
    from .conftest import IssueKey, ReadTopic, RunningIngest, StartIngest, TopicSize

pytestmark = pytest.mark.connected


def _headers(key: str, media_type: str, *codings: str) -> list[tuple[str, str]]:
    return [
        ("X-API-Key", key),
        ("Content-Type", media_type),
        *(("Content-Encoding", coding) for coding in codings),
    ]


async def _in_chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_every_route_reads_a_gzip_or_deflate_body_as_the_plain_one(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, read_topic: ReadTopic
) -> None:
    key = (await issue_key(AGENCY)).key
    batch = [event(value=n / 4, numerator=None, denominator=None) for n in range(300)]
    body = json.dumps({"events": batch}, ensure_ascii=False).encode()
    single = event(value=100.0, numerator=None, denominator=None)
    async with start_ingest(ingest_topic=topic) as ingest:
        answers = {
            "gzip batch": await ingest.client.post(
                "/v1/events",
                content=gzip.compress(body),
                headers=_headers(key, "application/json", "gzip"),
            ),
            # Chunked, the cuts falling inside the compressed data.
            "deflate batch in chunks": await ingest.client.post(
                "/v1/events",
                content=_in_chunks(zlib.compress(json.dumps(single).encode()), 7),
                headers=_headers(key, "application/json", "identity", "deflate"),
            ),
            "gzip csv": await ingest.client.post(
                "/v1/reports/csv",
                content=gzip.compress(REPORT.encode()),
                headers=_headers(key, "text/csv; charset=utf-8", "gzip"),
            ),
        }
    statuses = {name: (a.status_code, a.text[:300]) for name, a in answers.items()}
    assert {name: s for name, (s, _) in statuses.items()} == dict.fromkeys(answers, 202), statuses
    assert answers["gzip batch"].json()["accepted"] == 300
    records = await read_topic(topic, 303)
    values = sorted(IndicatorEvent.model_validate_json(r.value).value for r in records)
    # The batch, the chunked event and the CSV report's two rows, each once.
    assert values == sorted([*(n / 4 for n in range(300)), 100.0, 37.5, 8705.0])


async def test_a_gzip_excel_report_is_read_as_the_file(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = (await issue_key(AGENCY)).key
    workbook = monthly_report(bad_value="12")
    async with start_ingest(ingest_topic=topic) as ingest:
        answer = await ingest.client.post(
            "/v1/reports/xlsx",
            content=_in_chunks(gzip.compress(workbook), 1000),
            headers=_headers(key, XLSX_MEDIA_TYPE, "gzip"),
        )
    assert answer.status_code == 202, answer.text
    assert answer.json()["accepted"] == 2
    assert await topic_size(topic) == 2


def _bomb(unpacked_mib: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(compressor.compress(zeros) for _ in range(unpacked_mib)) + compressor.flush()


async def _refusals(ingest: RunningIngest, key: str) -> dict[str, httpx.Response]:
    plain = json.dumps(event()).encode()
    cases: dict[str, tuple[bytes, tuple[str, ...]]] = {
        "bomb": (_bomb(1000), ("gzip",)),
        "cut": (gzip.compress(plain)[:-4], ("gzip",)),
        "not compressed": (plain, ("gzip",)),
        "raw deflate": (zlib.compress(plain, wbits=-15), ("deflate",)),
        "brotli": (plain, ("br",)),
        "twice": (gzip.compress(gzip.compress(plain)), ("gzip", "gzip")),
    }
    return {
        name: await ingest.client.post(
            "/v1/events", content=data, headers=_headers(key, "application/json", *codings)
        )
        for name, (data, codings) in cases.items()
    }


async def test_what_does_not_unpack_or_unpacks_too_far_is_refused_and_nothing_published(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = (await issue_key(AGENCY)).key
    async with start_ingest(ingest_topic=topic) as ingest:
        answers = await _refusals(ingest, key)
        # The key is checked first: a stranger's bomb is never unpacked.
        stranger = await ingest.client.post(
            "/v1/events",
            content=_bomb(1000),
            headers=_headers("ioc_abcd1234_" + "x" * 43, "application/json", "gzip"),
        )
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "bomb": 413,
        "cut": 400,
        "not compressed": 400,
        "raw deflate": 400,
        "brotli": 415,
        "twice": 415,
    }
    assert stranger.status_code == 401
    detail = {name: answer.json()["detail"] for name, answer in answers.items()}
    assert detail["bomb"].startswith("sau khi giải nén, nội dung lớn hơn 1048576 byte")
    assert detail["cut"].startswith("nội dung không giải nén được theo gzip (dữ liệu nén bị cắt")
    assert "(dữ liệu nén bị hỏng)" in detail["not compressed"]
    assert detail["brotli"].startswith("không nhận nội dung nén theo br; chỉ nhận gzip")
    for name in ("brotli", "twice"):
        assert answers[name].headers["accept-encoding"] == "gzip, deflate"
    assert await topic_size(topic) == 0
