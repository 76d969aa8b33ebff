"""Where the gateway's events land in Kafka: every event in the partition a Java client
(Kafka's murmur2 of the key) would choose for its series, a request's events in the
order sent, whether the request was handed over as record batches of its own (many
events) or through the producer's open batches (a few, alongside other requests).
The reference is a foreign producer: kcat with librdkafka's Java-compatible partitioner.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ioc_contracts import IndicatorEvent, series_key_bytes
from ioc_ingest.adapters.kafka_publisher import BATCHED_FROM

from .event_requests import AGENCY, auth, event
from .kafka_topics import TOPIC_PARTITIONS, own_topic

if TYPE_CHECKING:
    from .conftest import IssueKey, StartIngest
    from .kafka_topics import ReadTopic

pytestmark = pytest.mark.connected

# Granted to so-tttt in the shipped catalog for the province and every district.
INDICATOR = "cds.community-digital-teams"
SCOPES = (
    "province",
    "h-bac-tan-uyen",
    "h-bau-bang",
    "h-dau-tieng",
    "h-phu-giao",
    "tp-ben-cat",
    "tp-di-an",
    "tp-tan-uyen",
    "tp-thu-dau-mot",
    "tp-thuan-an",
)
QUARTER_ENDS = ("2023-03-31", "2023-06-30", "2023-09-30")


def _count(scope: str, quarter_end: str, value: int) -> dict[str, Any]:
    document = event(
        indicator=INDICATOR, scope=scope, observed_at=f"{quarter_end}T17:00:00+07:00", value=value
    )
    del document["numerator"], document["denominator"]
    return document


@pytest.fixture
async def reference_topic(kafka_bootstrap: str, unique_name: str) -> AsyncIterator[str]:
    async with own_topic(kafka_bootstrap, f"{unique_name}.reference") as name:
        yield name


def _java_partitions(
    bootstrap: str, topic: str, keys: list[bytes], folder: Path
) -> subprocess.CompletedProcess[str]:
    kcat = shutil.which("kcat")
    assert kcat, "kcat is needed (Debian package kcat; `./dev test` installs it)"
    lines = folder / "keys.txt"
    lines.write_text("".join(f"{key.decode()}\tprobe\n" for key in keys), encoding="utf-8")
    return subprocess.run(
        [
            *(kcat, "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-l", str(lines)),
            *("-X", "acks=all", "-X", "partitioner=murmur2_random"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


async def test_every_event_lands_in_its_series_partition_in_the_order_sent(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    reference_topic: str,
    read_topic: ReadTopic,
    kafka_bootstrap: str,
    tmp_path: Path,
) -> None:
    key = await issue_key(AGENCY)
    # One request large enough to go as record batches of its own, its events
    # interleaving the series; then several small requests at once.
    large = [
        _count(scope, quarter_end, value=n)
        for n, (quarter_end, scope) in enumerate((q, s) for q in QUARTER_ENDS for s in SCOPES)
    ]
    assert len(large) >= BATCHED_FROM
    small = [[_count(scope, "2023-12-31", value=100 + n)] for n, scope in enumerate(SCOPES)]
    async with start_ingest(ingest_topic=topic) as ingest:
        answer = await ingest.client.post(
            "/v1/events", json={"events": large}, headers=auth(key.key)
        )
        assert answer.status_code == 202, answer.text
        answers = await asyncio.gather(
            *(
                ingest.client.post("/v1/events", json={"events": request}, headers=auth(key.key))
                for request in small
            )
        )
    assert [a.status_code for a in answers] == [202] * len(small)

    records = await read_topic(topic, len(large) + len(small))
    keys = sorted({series_key_bytes(INDICATOR, scope) for scope in SCOPES})
    _java_partitions(kafka_bootstrap, reference_topic, keys, tmp_path)
    reference = {r.key: r.partition for r in await read_topic(reference_topic, len(keys))}
    assert set(reference) == set(keys)
    # The series spread over every partition, so a gateway that put everything in
    # one partition (or chose its own) would fail here.
    assert len(set(reference.values())) == TOPIC_PARTITIONS

    sent_order = {doc["event_id"]: n for n, doc in enumerate(large)}
    by_partition: dict[int, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        assert record.partition == reference[record.key], record.key
        assert dict(record.headers)["content-type"] == b"application/json"
        published = IndicatorEvent.model_validate_json(record.value)
        assert record.key == series_key_bytes(published.indicator, published.scope)
        if str(published.event_id) in sent_order:
            by_partition[record.partition].append(sent_order[str(published.event_id)])
    assert sum(len(order) for order in by_partition.values()) == len(large)
    for partition, order in by_partition.items():
        assert order == sorted(order), f"partition {partition} out of the order sent"
