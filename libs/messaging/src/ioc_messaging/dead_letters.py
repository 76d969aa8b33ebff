"""Reading the dead-letter topic back, and replaying what was fixed.

An event lands in the DLQ because something about it or about the catalog was wrong at
the time: an indicator not yet in the catalog, a grant missing, a clock ahead. Once the
cause is fixed, the original bytes can go back to the topic they came from. Replaying
is safe to repeat: the aggregator stores an event at most once by its id, and an event
that is still wrong simply returns to the DLQ with a fresh reason.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from ioc_contracts.dead_letter import DeadLetter, DeadLetterErrorCode, parse_dead_letter_headers
from ioc_messaging.clients import safe_producer
from ioc_messaging.security import connection_options
from ioc_messaging.settings import KafkaSettings
from ioc_messaging.topics_admin import describe_topics

# Set on a replayed message so its journey can be traced from the DLQ entry it left.
REPLAYED_FROM_HEADER = "ioc-replayed-from"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetterRecord:
    """One message of the DLQ: where it sits, its original bytes and why it is there."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    # None when the headers are missing or unreadable: such a record cannot be replayed
    # because nobody knows where it came from, but it is still listed.
    letter: DeadLetter | None
    problem: str | None = None

    @property
    def position(self) -> str:
        return f"{self.partition}/{self.offset}"


@dataclass(frozen=True, slots=True)
class Selection:
    """Which dead letters an operator means; an empty collection means "any"."""

    error_codes: Collection[DeadLetterErrorCode] = ()
    source_topics: Collection[str] = ()

    @property
    def is_everything(self) -> bool:
        return not self.error_codes and not self.source_topics

    def matches(self, record: DeadLetterRecord) -> bool:
        letter = record.letter
        if letter is None:
            return False
        if self.error_codes and letter.error_code not in self.error_codes:
            return False
        return not self.source_topics or letter.source_topic in self.source_topics


@dataclass(slots=True)
class Summary:
    """Counts over a stretch of the DLQ, for `ioc-dlq summary`."""

    total: int = 0
    unreadable: int = 0
    by_code: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    first_failed_at: datetime | None = None
    last_failed_at: datetime | None = None

    def add(self, record: DeadLetterRecord) -> None:
        self.total += 1
        letter = record.letter
        if letter is None:
            self.unreadable += 1
            return
        self.by_code[letter.error_code.value] += 1
        self.by_source[letter.source_topic] += 1
        if self.first_failed_at is None or letter.failed_at < self.first_failed_at:
            self.first_failed_at = letter.failed_at
        if self.last_failed_at is None or letter.failed_at > self.last_failed_at:
            self.last_failed_at = letter.failed_at


def _to_record(message: Any) -> DeadLetterRecord:
    """aiokafka's ConsumerRecord → DeadLetterRecord, keeping unreadable ones visible."""
    letter: DeadLetter | None = None
    problem: str | None = None
    try:
        letter = parse_dead_letter_headers(message.headers or ())
    except (ValueError, UnicodeDecodeError) as error:
        problem = str(error).splitlines()[0]
    return DeadLetterRecord(
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        letter=letter,
        problem=problem,
    )


async def _partitions_of(settings: KafkaSettings, topic: str) -> list[int]:
    # A consumer only keeps metadata of topics it subscribed to; the admin client asks.
    entry = (await describe_topics(settings, [topic])).get(topic)
    if entry is None or not entry.get("partitions"):
        msg = f"topic {topic} does not exist on {settings.bootstrap_servers}"
        raise LookupError(msg)
    return sorted(partition["partition"] for partition in entry["partitions"])


async def read_dead_letters(
    settings: KafkaSettings, topic: str, *, since: datetime | None = None
) -> AsyncGenerator[DeadLetterRecord, None]:
    """Every dead letter from `since` (or the oldest kept) up to the end as it is *now*.

    The end is fixed when reading starts, so records that a replay sends back to the DLQ
    while it runs are not read again in the same pass. No consumer group is joined and
    nothing is committed: listing the DLQ never changes it.
    """
    partitions = await _partitions_of(settings, topic)
    consumer = AIOKafkaConsumer(
        **connection_options(settings),
        group_id=None,
        enable_auto_commit=False,
        # Positions are set by seek() below; should one ever be missing, the oldest is
        # the safe guess for a listing (never silently skip letters).
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(assigned)
        ends = await consumer.end_offsets(assigned)
        starts = await consumer.beginning_offsets(assigned)
        if since is not None:
            found = await consumer.offsets_for_times(
                {tp: int(since.timestamp() * 1000) for tp in assigned}
            )
            # No record at or after `since` in a partition: start at its end (nothing).
            starts = {tp: found[tp].offset if found[tp] else ends[tp] for tp in assigned}
        remaining = {tp for tp in assigned if starts[tp] < ends[tp]}
        for tp in assigned:
            consumer.seek(tp, starts[tp])
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, messages in batches.items():
                for message in messages:
                    if message.offset >= ends[tp]:
                        break
                    yield _to_record(message)
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()


@dataclass(slots=True)
class ReplayReport:
    """What a replay did; `replayed` lists DLQ positions in the order they were sent."""

    examined: int = 0
    replayed: list[str] = field(default_factory=list)
    skipped_unreadable: int = 0
    # Letters holding only the first bytes of a record too large to copy: not replayable.
    skipped_truncated: int = 0
    by_target: Counter[str] = field(default_factory=Counter)


async def replay(
    settings: KafkaSettings,
    records: AsyncIterator[DeadLetterRecord],
    selection: Selection,
    *,
    dlq_topic: str,
    target_topic: str | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    on_progress: Callable[[ReplayReport], None] | None = None,
) -> ReplayReport:
    """Sends the selected dead letters' original key and bytes back to their source topic.

    Every send is acknowledged (acks=all, idempotent producer) before this returns; a
    failure raises, and whatever was sent before it is listed by a second run's report
    as replayed again, which the aggregator's idempotency makes harmless.
    """
    report = ReplayReport()
    producer = None if dry_run else safe_producer(settings)
    if producer is not None:
        await producer.start()
    try:
        pending: list[asyncio.Future[Any]] = []
        async for record in records:
            report.examined += 1
            if record.letter is None:
                report.skipped_unreadable += 1
                continue
            if not selection.matches(record):
                continue
            if record.letter.truncated:
                report.skipped_truncated += 1
                continue
            if limit is not None and len(report.replayed) >= limit:
                break
            target = target_topic or record.letter.source_topic
            if producer is not None:
                pending.append(
                    await producer.send(
                        target,
                        record.value,
                        key=record.key,
                        headers=[(REPLAYED_FROM_HEADER, f"{dlq_topic}/{record.position}".encode())],
                    )
                )
            report.replayed.append(record.position)
            report.by_target[target] += 1
            if on_progress is not None and len(report.replayed) % 1000 == 0:
                on_progress(report)
        for acknowledgement in pending:
            await acknowledgement
    finally:
        if producer is not None:
            await producer.stop()
    return report
