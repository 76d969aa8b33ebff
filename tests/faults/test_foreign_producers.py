"""Records from a producer that is not ours: kcat (librdkafka), in every Kafka codec.

Agencies publishing straight to Kafka use whatever client they have, and a producer
sending reports in bulk commonly compresses. Every codec Kafka has (none, gzip, snappy,
lz4, zstd) must be read by the aggregator and by the dead-letter reader; a record none
of them can decompress would stop its partition for good.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ioc_contracts import SeriesUpdated
from ioc_contracts.dead_letter import DeadLetterErrorCode, dead_letter_headers
from ioc_contracts.topics import series_key
from ioc_messaging.dead_letters import DeadLetterRecord, read_dead_letters
from ioc_messaging.settings import KafkaSettings
from ioc_testing import ScratchDatabase
from ioc_testing.ledger import LoadGenerator, Outcome, wait_for_zero_lag
from ioc_testing.pipeline import PipelineTopics, ServiceProcess, alerts_service, wait_for

if TYPE_CHECKING:
    from .conftest import Conclude

pytestmark = pytest.mark.connected

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")
EVENTS_PER_CODEC = 40


def kcat() -> str:
    found = shutil.which("kcat")
    # `./dev test` installs Debian's kcat; without it this test cannot say anything.
    assert found, "kcat is needed (Debian package kcat; `./dev test` installs it)"
    return found


def kcat_produce(
    bootstrap: str,
    topic: str,
    lines: Sequence[tuple[str, str]],
    *,
    codec: str,
    folder: Path,
    headers: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
) -> None:
    """Produces `lines` (key, value) with kcat in one compressed batch per partition;
    returns once librdkafka has every acknowledgement (acks=all), else fails."""
    source = folder / f"{topic}.{codec}.txt"
    source.write_text("".join(f"{key}\t{value}\n" for key, value in lines), encoding="utf-8")
    command = [
        kcat(),
        "-P",
        "-b",
        bootstrap,
        "-t",
        topic,
        "-z",
        codec,
        "-K",
        "\t",
        "-X",
        "acks=all",
        "-X",
        "linger.ms=100",  # so several records share a compressed batch
        "-l",
        str(source),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}={value}"]
    command += extra
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"kcat -z {codec}: {done.stderr}"


def event_lines(events: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    return [
        (series_key(str(e["indicator"]), str(e["scope"])), json.dumps(e, ensure_ascii=False))
        for e in events
    ]


async def test_every_compression_codec_from_kcat_is_stored_and_dead_lettered(
    aggregator_process: ServiceProcess,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    load: LoadGenerator,
    conclude: Conclude,
    tmp_path: Path,
) -> None:
    aggregator_process.start()
    await asyncio.to_thread(aggregator_process.wait_ready)
    for codec in CODECS:
        events = load.events(EVENTS_PER_CODEC)
        poison = load.event(value=1000.0)  # a rate above 100 %
        # Valid but for naming its value twice: which one the agency meant is unclear.
        twice = load.event()
        [(key, written)] = event_lines([twice])
        lines = [
            *event_lines(events),
            *event_lines([poison]),
            (key, written[:-1] + ', "value": 7}'),
        ]
        await asyncio.to_thread(
            kcat_produce,
            kafka_bootstrap,
            pipeline_topics.events,
            lines,
            codec=codec,
            folder=tmp_path,
        )
        for event in events:
            load.ledger.record(event, Outcome.ACKNOWLEDGED)
        load.ledger.record(poison, Outcome.REJECTED)
        load.ledger.record(twice, Outcome.REJECTED)

    await conclude(
        aggregator_process,
        fault="compressed records from kcat",
        description="a foreign producer (kcat, librdkafka) publishes straight to Kafka in "
        f"every codec ({', '.join(CODECS)}), {EVENTS_PER_CODEC} good events and two poison "
        "records each (a rate above 100%, a value given twice)",
        note="every codec read; each poison record dead-lettered, none blocked its partition",
    )
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap)

    letters: list[DeadLetterRecord] = []

    async def all_dead_lettered() -> bool:
        letters[:] = [r async for r in read_dead_letters(settings, pipeline_topics.dead_letters)]
        return len(letters) == 2 * len(CODECS)

    await wait_for(all_dead_lettered, within=30, what="two dead letters per codec")
    reasons = [record.letter.reason if record.letter else "" for record in letters]
    twice_refused = [r for r in reasons if r.startswith("value: the field appears more than once")]
    assert len(twice_refused) == len(CODECS), reasons


async def test_the_dead_letter_reader_reads_every_codec(
    pipeline_topics: PipelineTopics, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """`ioc-dlq` reads what another tool (a replay, MirrorMaker) wrote compressed."""
    headers = {
        name: value.decode()
        for name, value in dead_letter_headers(
            error_code=DeadLetterErrorCode.INVALID_JSON,
            reason="not valid JSON",
            source_topic=pipeline_topics.events,
            source_partition=0,
            source_offset=7,
            failed_at=datetime(2023, 7, 1, tzinfo=UTC),
        )
    }
    for codec in CODECS:
        await asyncio.to_thread(
            kcat_produce,
            kafka_bootstrap,
            pipeline_topics.dead_letters,
            [(f"key-{codec}", f"broken {codec}")],
            codec=codec,
            folder=tmp_path,
            headers=headers,
        )
    settings = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    letters = [r async for r in read_dead_letters(settings, pipeline_topics.dead_letters)]
    assert sorted((r.value or b"").decode() for r in letters) == sorted(
        f"broken {codec}" for codec in CODECS
    )
    assert all(r.letter is not None and r.letter.source_offset == 7 for r in letters)


async def test_the_alert_service_reads_every_codec_and_ignores_fields_it_does_not_know(
    catalog_database: ScratchDatabase,
    pipeline_topics: PipelineTopics,
    kafka_bootstrap: str,
    unique_name: str,
    tmp_path: Path,
) -> None:
    """SeriesUpdated in every codec, from a newer aggregator (a field added): each is
    evaluated and committed, none read again forever."""
    group = f"{unique_name}.alerts"
    service = alerts_service(
        catalog_database, pipeline_topics, kafka_bootstrap, group, tmp_path / "alerts.log"
    )
    service.start()
    try:
        await asyncio.to_thread(service.wait_ready)
        for codec in CODECS:
            update = SeriesUpdated(
                indicator="dvc.paperless-rate",
                scope="province",
                latest_observed_at=datetime(2023, 7, 1, tzinfo=UTC),
                latest_value=40.0,
                new_observations=1,
                event_ids=[uuid.uuid4()],
                updated_at=datetime(2023, 7, 1, 1, tzinfo=UTC),
            ).model_dump(mode="json")
            newer = json.dumps({**update, "revision": 2, "quality_flags": ["late"]})
            await asyncio.to_thread(
                kcat_produce,
                kafka_bootstrap,
                pipeline_topics.updates,
                [(update["indicator"] + "|province", newer)],
                codec=codec,
                folder=tmp_path,
            )
        await wait_for_zero_lag(kafka_bootstrap, group, pipeline_topics.updates, within=60)
        log = service.log_path.read_text(errors="replace")
        assert "not a SeriesUpdated" not in log
        assert "read again" not in log
    finally:
        service.kill()
