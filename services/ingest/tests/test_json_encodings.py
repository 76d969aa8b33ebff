"""A JSON body in UTF-16 or UTF-32 (what PowerShell's `Out-File` and .NET write by
default) is read as the aggregator reads the same bytes sent straight to Kafka: told
apart by its first bytes, with or without a byte-order mark, and published as UTF-8; one
that does not decode as what it looks like is refused, named."""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING

import pytest

from ioc_contracts import IndicatorEvent
from ioc_contracts.event_bytes import read_event

from .event_requests import AGENCY, event

if TYPE_CHECKING:
    from .conftest import IssueKey, ReadTopic, StartIngest, TopicSize

pytestmark = pytest.mark.connected

NOTE = "Ước tính, số liệu sơ bộ"
ENCODINGS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


async def test_utf16_and_utf32_bodies_are_read_as_the_aggregator_reads_them(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, read_topic: ReadTopic
) -> None:
    key = (await issue_key(AGENCY)).key
    sent = {name: event(note=f"{NOTE} ({name})") for name in ENCODINGS}
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    async with start_ingest(ingest_topic=topic) as ingest:
        statuses = {
            name: (
                await ingest.client.post(
                    "/v1/events",
                    content=json.dumps(document, ensure_ascii=False).encode(name),
                    headers=headers,
                )
            ).status_code
            for name, document in sent.items()
        }
        declared = await ingest.client.post(
            "/v1/events",
            content=json.dumps(event(note=NOTE)).encode("utf-16"),
            headers=headers | {"Content-Type": "application/json; charset=UTF-16"},
        )
        code_page = await ingest.client.post(
            "/v1/events",
            content=json.dumps(event(note="Đơn")).encode(),
            headers=headers | {"Content-Type": "application/json; charset=windows-1258"},
        )
        compressed = await ingest.client.post(
            "/v1/events",
            content=gzip.compress(json.dumps(event(note=NOTE)).encode("utf-16")),
            headers=headers | {"Content-Encoding": "gzip"},
        )
    assert statuses == dict.fromkeys(ENCODINGS, 202)
    assert (compressed.status_code, declared.status_code) == (202, 202), declared.text
    # A charset the body cannot be read by is refused as before.
    assert code_page.status_code == 415
    records = await read_topic(topic, len(ENCODINGS) + 2)
    notes = [IndicatorEvent.model_validate_json(r.value).note or "" for r in records]
    assert sorted(notes) == sorted([*(f"{NOTE} ({name})" for name in ENCODINGS), NOTE, NOTE])
    for name, document in sent.items():
        # The same event straight to Kafka (which names its agency): the aggregator
        # takes those bytes too.
        on_kafka = json.dumps(document | {"agency": AGENCY}, ensure_ascii=False)
        direct = read_event(on_kafka.encode(name))
        assert getattr(direct, "note", None) == document["note"], (name, direct)


async def test_a_body_that_does_not_decode_as_what_it_looks_like_is_refused(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = (await issue_key(AGENCY)).key
    broken = json.dumps(event(note=NOTE)).encode("utf-16-le")[:-1]  # an odd byte count
    async with start_ingest(ingest_topic=topic) as ingest:
        answer = await ingest.client.post(
            "/v1/events",
            content=broken,
            headers={"X-API-Key": key, "Content-Type": "application/json"},
        )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["reason"].startswith(
        "nội dung có dạng UTF-16-LE nhưng byte thứ"
    )
    assert await topic_size(topic) == 0
