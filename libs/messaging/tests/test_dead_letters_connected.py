"""`ioc-dlq` against the real broker: listing never changes the DLQ, replay sends back
exactly the chosen letters with their original key and bytes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from ioc_contracts.dead_letter import DeadLetterErrorCode, dead_letter_headers
from ioc_messaging import dlq_cli
from ioc_messaging.clients import SAFE_PRODUCER_OPTIONS
from ioc_messaging.dead_letters import REPLAYED_FROM_HEADER

pytestmark = pytest.mark.connected

HOUR_MS = 3_600_000


@pytest.fixture
async def topics(kafka_bootstrap: str, unique_name: str) -> AsyncIterator[dict[str, str]]:
    names = {
        "dlq": f"{unique_name}.dlq",
        "events": f"{unique_name}.events",
        "other": f"{unique_name}.other",
    }
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 2, 1) for name in names.values()])
        yield names
        await admin.delete_topics(list(names.values()))
    finally:
        await admin.close()


def _letter(
    code: DeadLetterErrorCode, source: str, offset: int, *, hours_ago: float = 0
) -> list[tuple[str, bytes]]:
    return dead_letter_headers(
        error_code=code,
        reason=f"{code.value} at {offset}",
        source_topic=source,
        source_partition=1,
        source_offset=offset,
        failed_at=datetime.now(UTC) - timedelta(hours=hours_ago),
    )


async def _fill_dlq(bootstrap: str, topics: dict[str, str]) -> dict[str, tuple[bytes, bytes]]:
    """Six dead letters; returns value → (key, value) of the unknown-indicator ones."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **SAFE_PRODUCER_OPTIONS)
    await producer.start()
    now_ms = int(time.time() * 1000)
    unknown = DeadLetterErrorCode.UNKNOWN_INDICATOR
    plan: list[tuple[bytes, list[tuple[str, bytes]], int]] = [
        # (value, headers, age in hours); the first is older than the --since below.
        (b'{"n": 0, "note": "Th\xc3\xa1ng 6"}', _letter(unknown, topics["events"], 0, hours_ago=5), 5),
        (b'{"n": 1}', _letter(unknown, topics["events"], 1), 0),
        (b"not json at all \xff", _letter(DeadLetterErrorCode.INVALID_JSON, topics["events"], 2), 0),
        (b'{"n": 3}', _letter(unknown, topics["other"], 3), 0),
        (b'{"n": 4}', [], 0),  # no headers: unreadable, listed but never replayed
        (b'{"n": 5}', _letter(unknown, topics["events"], 5), 0),
    ]  # fmt: skip
    chosen: dict[str, tuple[bytes, bytes]] = {}
    try:
        for index, (value, headers, age) in enumerate(plan):
            key = f"dvc.new-indicator|district-{index}".encode()
            await producer.send_and_wait(
                topics["dlq"],
                value,
                key=key,
                headers=headers,
                partition=index % 2,
                timestamp_ms=now_ms - age * HOUR_MS,
            )
            if (
                headers
                and DeadLetterErrorCode.UNKNOWN_INDICATOR.value.encode() in dict(headers).values()
            ):
                chosen[value.decode("utf-8", "replace")] = (key, value)
    finally:
        await producer.stop()
    return chosen


async def _read_all(
    bootstrap: str, topic: str
) -> list[tuple[bytes | None, bytes | None, dict[str, bytes]]]:
    """Every record now in the topic (two partitions), read without a group."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (0, 1)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        for tp, start in (await consumer.beginning_offsets(partitions)).items():
            # An explicit seek: seek_to_beginning() races with the position lookup.
            consumer.seek(tp, start)
        found: list[tuple[bytes | None, bytes | None, dict[str, bytes]]] = []
        pending = {tp for tp in partitions if ends[tp] > 0}
        while pending:
            for tp, records in (await consumer.getmany(*pending, timeout_ms=1000)).items():
                found.extend((r.key, r.value, dict(r.headers)) for r in records)
                if records and records[-1].offset + 1 >= ends[tp]:
                    pending.discard(tp)
        return found
    finally:
        await consumer.stop()


def _run(monkeypatch: pytest.MonkeyPatch, bootstrap: str, *argv: str) -> int:
    monkeypatch.setenv("IOC_KAFKA_BOOTSTRAP_SERVERS", bootstrap)
    return dlq_cli.main(list(argv))


async def _command(monkeypatch: pytest.MonkeyPatch, bootstrap: str, *argv: str) -> int:
    # main() runs its own event loop, so it runs in a thread beside the test's.
    return await asyncio.to_thread(_run, monkeypatch, bootstrap, *argv)


async def test_summary_and_list_read_the_dlq_without_changing_it(
    kafka_bootstrap: str,
    topics: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _fill_dlq(kafka_bootstrap, topics)
    assert await _command(monkeypatch, kafka_bootstrap, "summary", "--topic", topics["dlq"]) == 0
    summary = capsys.readouterr().out
    assert f"{topics['dlq']}: 6 dead letters" in summary
    assert "unknown_indicator\t4" in summary
    assert "invalid_json\t1" in summary
    assert f"from {topics['other']}\t1" in summary
    assert "unreadable headers\t1" in summary

    assert await _command(
        monkeypatch, kafka_bootstrap, "list", "--topic", topics["dlq"],
        "--error-code", "unknown_indicator", "--source-topic", topics["events"], "--json",
    ) == 0  # fmt: skip
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(item["value"] for item in listed) == [
        '{"n": 0, "note": "Tháng 6"}',
        '{"n": 1}',
        '{"n": 5}',
    ]
    assert {item["dead_letter"]["error_code"] for item in listed} == {"unknown_indicator"}

    assert await _command(monkeypatch, kafka_bootstrap, "list", "--topic", topics["dlq"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert sum("\tunreadable\t" in line for line in lines) == 1  # shown, with its problem
    assert any("not a dead letter, missing headers" in line for line in lines)

    # Listing joined no group and moved nothing: every letter is still there.
    assert len(await _read_all(kafka_bootstrap, topics["dlq"])) == 6


async def test_replay_sends_back_only_the_chosen_letters_unchanged(
    kafka_bootstrap: str,
    topics: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chosen = await _fill_dlq(kafka_bootstrap, topics)
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    common = ("--topic", topics["dlq"], "--error-code", "unknown_indicator", "--since", since)

    assert await _command(monkeypatch, kafka_bootstrap, "replay", *common, "--dry-run") == 0
    assert "would send 3" in capsys.readouterr().out
    assert await _read_all(kafka_bootstrap, topics["events"]) == []  # a dry run sends nothing

    assert await _command(monkeypatch, kafka_bootstrap, "replay", *common) == 0
    out = capsys.readouterr().out
    assert "sent and acknowledged 3" in out
    assert f"to {topics['events']}\t2" in out
    assert f"to {topics['other']}\t1" in out

    back = await _read_all(kafka_bootstrap, topics["events"])
    # The old one (before --since) and the invalid JSON stay in the DLQ only.
    expected = {chosen['{"n": 1}'], chosen['{"n": 5}']}
    assert {(key, value) for key, value, _ in back} == expected
    for _, _, headers in back:
        assert headers[REPLAYED_FROM_HEADER].decode().startswith(f"{topics['dlq']}/")
        assert not any(name.startswith("ioc-dlq-") for name in headers)  # a fresh start
    other = await _read_all(kafka_bootstrap, topics["other"])
    assert [(key, value) for key, value, _ in other] == [chosen['{"n": 3}']]
    assert len(await _read_all(kafka_bootstrap, topics["dlq"])) == 6  # replay removes nothing


async def test_replay_respects_the_limit_and_a_redirect(
    kafka_bootstrap: str,
    topics: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _fill_dlq(kafka_bootstrap, topics)
    assert await _command(
        monkeypatch, kafka_bootstrap, "replay", "--topic", topics["dlq"],
        "--error-code", "unknown_indicator", "--to", topics["other"], "--limit", "2",
    ) == 0  # fmt: skip
    assert "sent and acknowledged 2" in capsys.readouterr().out
    assert len(await _read_all(kafka_bootstrap, topics["other"])) == 2
    assert await _read_all(kafka_bootstrap, topics["events"]) == []


def test_a_missing_topic_and_a_bad_time_are_explained(
    kafka_bootstrap: str,
    unique_name: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(monkeypatch, kafka_bootstrap, "summary", "--topic", f"{unique_name}.absent") == 1
    assert f"topic {unique_name}.absent does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run(monkeypatch, kafka_bootstrap, "list", "--since", "last week")
    assert "is not a date" in capsys.readouterr().err
