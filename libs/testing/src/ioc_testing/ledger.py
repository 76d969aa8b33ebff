"""The event ledger of the fault-injection suite: what was sent, what the system
answered, and whether the database agrees once the system is quiet.

Every event a test sends is recorded with the answer it got:
- acknowledged: Kafka (acks=all) or ingest (202) confirmed it, so it must be stored, once;
- rejected: it never entered the pipeline (a 4xx, a send the client refused) or it is a
  poison record the aggregator must dead-letter, so it must never be stored;
- indeterminate: no answer (a timeout, a broker that went away, a 5xx), so it may be
  stored, at most once.

Hence, after the fault: acknowledged ⊆ stored ⊆ acknowledged ∪ indeterminate,
rejected ∩ stored = ∅, no event stored twice, and per agency the count, the sum of
values and a hash of the sorted event ids match what the ledger says was stored.

Some generated events are revisions of a figure sent before (same indicator, scope and
observed_at, a later reported_at): the figure of record of every figure must be its
newest stored revision, and every series' latest value the figure of record of its
newest figure.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from ioc_catalog import load_catalog
from ioc_catalog.policy import grants
from ioc_contracts.topics import series_key_bytes

RESULTS_ENV = "IOC_RELIABILITY_RESULTS"
T0 = datetime(2023, 6, 1, tzinfo=UTC)


class Outcome(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    INDETERMINATE = "indeterminate"


# When one event is sent more than once, the strongest answer settles it: one
# acknowledged copy means it must be stored; one unanswered copy means it may be.
_STRENGTH = {Outcome.REJECTED: 0, Outcome.INDETERMINATE: 1, Outcome.ACKNOWLEDGED: 2}


FigureKey = tuple[str, str, datetime]


@dataclass(frozen=True, slots=True)
class SentEvent:
    event_id: str
    agency: str
    value: float
    outcome: Outcome
    figure: FigureKey | None = None
    reported_at: datetime | None = None


class Ledger:
    """Every event sent, by event_id, with the strongest answer any copy of it got."""

    def __init__(self) -> None:
        self.entries: dict[str, SentEvent] = {}
        self.sends = 0

    def record(self, event: Mapping[str, Any], outcome: Outcome) -> None:
        self.sends += 1
        event_id = str(event["event_id"])
        previous = self.entries.get(event_id)
        if previous is not None and _STRENGTH[previous.outcome] >= _STRENGTH[outcome]:
            return
        self.entries[event_id] = SentEvent(
            event_id,
            str(event["agency"]),
            float(event["value"]),
            outcome,
            _figure_of(event),
            _instant(event.get("reported_at")),
        )

    def ids(self, *outcomes: Outcome) -> frozenset[str]:
        return frozenset(e.event_id for e in self.entries.values() if e.outcome in outcomes)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for e in self.entries.values() if e.outcome is outcome)


def _instant(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text is not None else None
    except ValueError:
        return None


def _figure_of(event: Mapping[str, Any]) -> FigureKey | None:
    at = _instant(event.get("observed_at"))
    if at is None or at.tzinfo is None:
        return None
    return (str(event.get("indicator")), str(event.get("scope")), at)


@dataclass(frozen=True, slots=True)
class Series:
    """One series an agency is granted: the generator publishes only these as good events."""

    agency: str
    indicator: str
    scope: str


def granted_series(
    indicator: str = "cds.dataset-completion-rate", agencies: int = 8
) -> list[Series]:
    """Series of `indicator` that agencies publish for their own scope, from the catalog."""
    own = sorted(
        g for g in grants(load_catalog()) if g.indicator == indicator and g.agency == g.scope
    )
    if len(own) < agencies:
        raise ValueError(f"{indicator}: only {len(own)} agencies publish it for themselves")
    return [Series(g.agency, g.indicator, g.scope) for g in own[:agencies]]


HttpPost = Callable[[str, Sequence[Mapping[str, Any]]], Awaitable[int | None]]
"""Sends a batch of events as one agency over ingest's HTTP API; the status, or None
when no answer came (a timeout, a connection reset)."""


@dataclass
class LoadGenerator:
    """Builds good events round-robin over granted series and sends them, recording answers.

    Values are multiples of 0.25 within [0, 100], so sums are exact in float8 and in Python.
    Each series' observed_at advances by a minute per event unless a test says otherwise;
    every `revise_every`-th event is instead a revision of its series' previous figure.
    reported_at grows with every event, so a later revision is always the newer one.
    """

    ledger: Ledger
    series: Sequence[Series]
    start: datetime = T0
    revise_every: int = 5
    produced: int = field(default=0, init=False)

    def event(self, series: Series | None = None, **overrides: Any) -> dict[str, Any]:
        n = self.produced
        self.produced += 1
        series = series or self.series[n % len(self.series)]
        minute = n // len(self.series)
        if self.revise_every and n % self.revise_every == self.revise_every - 1 and minute:
            minute -= 1  # a revision of the figure one minute before
        event: dict[str, Any] = {
            "event_id": str(uuid.uuid4()),
            "agency": series.agency,
            "indicator": series.indicator,
            "scope": series.scope,
            "observed_at": (self.start + timedelta(minutes=minute)).isoformat(),
            "value": ((n * 37) % 401) / 4,
            "reported_at": (self.start + timedelta(days=60, seconds=n)).isoformat(),
        }
        event.update(overrides)
        return event

    def events(self, count: int) -> list[dict[str, Any]]:
        return [self.event() for _ in range(count)]

    def events_of(self, series: Series, count: int) -> list[dict[str, Any]]:
        return [self.event(series) for _ in range(count)]

    async def to_kafka(
        self,
        producer: AIOKafkaProducer,
        topic: str,
        events: Sequence[Mapping[str, Any]],
        *,
        ack_within: float = 10.0,
        outcome_if_acknowledged: Outcome = Outcome.ACKNOWLEDGED,
    ) -> None:
        """Publishes straight to Kafka; waits at most `ack_within` s for acknowledgements.

        Poison events are sent with `outcome_if_acknowledged=REJECTED`: Kafka takes them,
        the aggregator must refuse them.
        """
        pending: list[tuple[Mapping[str, Any], asyncio.Future[Any]]] = []
        for event in events:
            key = series_key_bytes(str(event["indicator"]), str(event["scope"]))
            try:
                async with asyncio.timeout(ack_within):
                    delivery = await producer.send(topic, json.dumps(event).encode(), key=key)
            except (KafkaError, TimeoutError):
                # Never handed to the client's buffer: it cannot reach the broker later.
                self.ledger.record(event, Outcome.REJECTED)
                continue
            pending.append((event, delivery))
        if pending:
            await asyncio.wait([d for _, d in pending], timeout=ack_within)
        for event, delivery in pending:
            delivered = delivery.done() and not delivery.cancelled() and not delivery.exception()
            # Not done, or failed after the batch may have reached the log: unknown.
            self.ledger.record(
                event, outcome_if_acknowledged if delivered else Outcome.INDETERMINATE
            )

    async def stream(
        self,
        producer: AIOKafkaProducer,
        topic: str,
        total: int,
        *,
        chunk: int = 100,
        pause: float = 0.05,
        post: HttpPost | None = None,
        http_every: int = 0,
        until: asyncio.Event | None = None,
    ) -> None:
        """Sends up to `total` events in chunks straight to Kafka, stopping early once
        `until` is set; with `post`, every `http_every`-th chunk goes through ingest
        instead, as one agency."""
        sent = chunks = 0
        while sent < total and not (until is not None and until.is_set()):
            size = min(chunk, total - sent)
            chunks += 1
            if post is not None and http_every and chunks % http_every == 0:
                series = self.series[chunks % len(self.series)]
                await self.over_http(post, series.agency, self.events_of(series, size))
            else:
                await self.to_kafka(producer, topic, self.events(size))
            sent += size
            await asyncio.sleep(pause)  # pacing, so that a fault lands mid-stream

    async def over_http(
        self, post: HttpPost, agency: str, events: Sequence[Mapping[str, Any]]
    ) -> int | None:
        """Sends one batch as `agency` through ingest; returns the status (None: no answer)."""
        status = await post(agency, events)
        if status == 202:
            outcome = Outcome.ACKNOWLEDGED
        elif status is not None and 400 <= status < 500:
            outcome = Outcome.REJECTED  # all or nothing: nothing of the batch was published
        elif status is None or status >= 500:
            outcome = Outcome.INDETERMINATE
        else:
            raise AssertionError(f"ingest answered {status}, which the API does not document")
        for event in events:
            self.ledger.record(event, outcome)
        return status


@dataclass(frozen=True, slots=True)
class AgencyTally:
    """What one agency has in the database: count, sum of values, hash of sorted ids."""

    count: int
    value_sum: float
    ids_sha256: str


def tally(events: Iterable[SentEvent]) -> dict[str, AgencyTally]:
    by_agency: dict[str, list[SentEvent]] = {}
    for event in events:
        by_agency.setdefault(event.agency, []).append(event)
    return {
        agency: AgencyTally(
            len(items),
            sum(e.value for e in items),
            _ids_hash(e.event_id for e in items),
        )
        for agency, items in by_agency.items()
    }


def _ids_hash(ids: Iterable[str]) -> str:
    ordered = sorted(ids, key=lambda text: uuid.UUID(text).bytes)
    return hashlib.sha256(",".join(ordered).encode()).hexdigest()


_STORED_ROWS = "SELECT event_id::text AS id FROM ioc.observations"
# uuid order is byte order, the same as sorting uuid.UUID(...).bytes in Python.
_STORED_TALLIES = """
SELECT agency, count(*) AS n, sum(value) AS total,
       encode(sha256(convert_to(string_agg(event_id::text, ',' ORDER BY event_id), 'UTF8')),
              'hex') AS ids
FROM ioc.observations GROUP BY agency
"""


_FIGURES_OF_RECORD = "SELECT indicator, scope, observed_at, event_id::text AS id FROM ioc.figures"
_LATEST_VALUES = "SELECT indicator, scope, observed_at, event_id::text AS id FROM ioc.latest_values"


def wrong_figures(
    stored: Sequence[SentEvent], figures: Sequence[asyncpg.Record]
) -> frozenset[FigureKey]:
    """Figures whose record is not the stored revision with the latest reported_at (only
    figures whose every revision carried one: the generator's)."""
    newest: dict[FigureKey, SentEvent] = {}
    judged: set[FigureKey] = set()
    for event in stored:
        if event.figure is None or event.reported_at is None:
            continue
        judged.add(event.figure)
        current = newest.get(event.figure)
        if current is None or event.reported_at > (current.reported_at or event.reported_at):
            newest[event.figure] = event
    of_record = {(r["indicator"], r["scope"], r["observed_at"]): r["id"] for r in figures}
    return frozenset(key for key in judged if of_record.get(key) != newest[key].event_id)


def wrong_latest(
    figures: Sequence[asyncpg.Record], latest: Sequence[asyncpg.Record]
) -> frozenset[tuple[str, str]]:
    newest: dict[tuple[str, str], asyncpg.Record] = {}
    for row in figures:
        key = (row["indicator"], row["scope"])
        if key not in newest or row["observed_at"] > newest[key]["observed_at"]:
            newest[key] = row
    held = {(r["indicator"], r["scope"]): (r["observed_at"], r["id"]) for r in latest}
    return frozenset(
        key for key, row in newest.items() if held.get(key) != (row["observed_at"], row["id"])
    )


@dataclass(frozen=True)
class Reconciliation:
    sent: int
    sends: int
    acknowledged: int
    rejected: int
    indeterminate: int
    stored: int
    duplicated: int
    lost: frozenset[str]
    unexpected: frozenset[str]
    rejected_but_stored: frozenset[str]
    expected_tallies: dict[str, AgencyTally]
    stored_tallies: dict[str, AgencyTally]
    wrong_figures: frozenset[FigureKey] = frozenset()
    wrong_latest: frozenset[tuple[str, str]] = frozenset()

    def problems(self) -> list[str]:
        found = []
        if self.lost:
            found.append(f"{len(self.lost)} acknowledged events are not stored: {_few(self.lost)}")
        if self.unexpected:
            found.append(
                f"{len(self.unexpected)} stored events were never sent: {_few(self.unexpected)}"
            )
        if self.rejected_but_stored:
            found.append(
                f"{len(self.rejected_but_stored)} rejected events are stored: "
                f"{_few(self.rejected_but_stored)}"
            )
        if self.duplicated:
            found.append(f"{self.duplicated} rows duplicate an event_id")
        if self.wrong_figures:
            found.append(
                f"{len(self.wrong_figures)} figures of record are not their newest stored "
                f"revision: {sorted(self.wrong_figures)[:3]}"
            )
        if self.wrong_latest:
            found.append(
                f"{len(self.wrong_latest)} latest values are not the figure of record of "
                f"their newest figure: {sorted(self.wrong_latest)[:3]}"
            )
        if self.expected_tallies != self.stored_tallies:
            found.append(
                f"per-agency count/checksum differ: ledger {self.expected_tallies} "
                f"database {self.stored_tallies}"
            )
        return found

    def assert_holds(self) -> None:
        problems = self.problems()
        assert not problems, "\n".join(problems)


def _few(ids: frozenset[str], shown: int = 3) -> str:
    return ", ".join(sorted(ids)[:shown]) + (" …" if len(ids) > shown else "")


async def reconcile(ledger: Ledger, reader_dsn: str) -> Reconciliation:
    """Compares the ledger with the observations table (read as the read-only role)."""
    connection = await asyncpg.connect(reader_dsn)
    try:
        rows = await connection.fetch(_STORED_ROWS)
        tallies = await connection.fetch(_STORED_TALLIES)
        figures = await connection.fetch(_FIGURES_OF_RECORD)
        latest = await connection.fetch(_LATEST_VALUES)
    finally:
        await connection.close()
    stored_list = [row["id"] for row in rows]
    stored = frozenset(stored_list)
    acknowledged = ledger.ids(Outcome.ACKNOWLEDGED)
    maybe = ledger.ids(Outcome.INDETERMINATE)
    expected = [e for e in ledger.entries.values() if e.event_id in acknowledged | (maybe & stored)]
    return Reconciliation(
        sent=len(ledger.entries),
        sends=ledger.sends,
        acknowledged=len(acknowledged),
        rejected=ledger.count(Outcome.REJECTED),
        indeterminate=len(maybe),
        stored=len(stored),
        duplicated=len(stored_list) - len(stored),
        lost=acknowledged - stored,
        unexpected=stored - acknowledged - maybe - ledger.ids(Outcome.REJECTED),
        rejected_but_stored=stored & ledger.ids(Outcome.REJECTED),
        expected_tallies=tally(expected),
        wrong_figures=wrong_figures(
            [e for e in ledger.entries.values() if e.event_id in stored], figures
        ),
        wrong_latest=wrong_latest(figures, latest),
        stored_tallies={
            row["agency"]: AgencyTally(int(row["n"]), float(row["total"]), row["ids"])
            for row in tallies
        },
    )


async def stored_count(reader_dsn: str) -> int:
    connection = await asyncpg.connect(reader_dsn)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM ioc.observations"))
    finally:
        await connection.close()


class LagProbe:
    """Consumer lag of a group on a topic: end offsets minus committed offsets, summed."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.group = group
        self.topic = topic
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)

    async def __aenter__(self) -> LagProbe:
        await self._admin.start()
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def lag(self) -> int:
        described = await self._admin.describe_topics([self.topic])
        partitions = [
            TopicPartition(self.topic, p["partition"]) for p in described[0]["partitions"]
        ]
        ends = await self._consumer.end_offsets(partitions)
        committed = await self._admin.list_consumer_group_offsets(self.group, partitions=partitions)
        return sum(
            max(0, ends[tp] - max(0, committed[tp].offset if tp in committed else 0))
            for tp in partitions
        )


async def wait_for_zero_lag(bootstrap: str, group: str, topic: str, *, within: float) -> float:
    """Seconds until the group has committed everything in the topic; fails past `within`."""
    started = time.monotonic()
    last: int | str = "unknown"
    async with LagProbe(bootstrap, group, topic) as probe:
        while time.monotonic() - started <= within:
            try:
                last = await probe.lag()
            except KafkaError as error:  # the broker itself may still be coming back
                last = repr(error)
            if last == 0:
                return time.monotonic() - started
            await asyncio.sleep(0.25)
    raise AssertionError(f"consumer lag of {group} still {last} after {within} s")


@dataclass(frozen=True)
class FaultResult:
    """One row of docs/reliability.md."""

    fault: str
    description: str
    test: str
    events: int
    lost: int
    duplicated: int
    recovery_seconds: float | None
    bound_seconds: float | None
    sends: int = 0
    acknowledged: int = 0
    rejected: int = 0
    indeterminate: int = 0
    stored: int = 0
    holds: bool = True
    note: str = ""

    @classmethod
    def of(
        cls,
        reconciliation: Reconciliation,
        *,
        fault: str,
        description: str,
        test: str,
        recovery_seconds: float | None,
        bound_seconds: float | None,
        note: str = "",
    ) -> FaultResult:
        return cls(
            fault=fault,
            description=description,
            test=test,
            events=reconciliation.sent,
            lost=len(reconciliation.lost),
            duplicated=reconciliation.duplicated,
            recovery_seconds=recovery_seconds,
            bound_seconds=bound_seconds,
            sends=reconciliation.sends,
            acknowledged=reconciliation.acknowledged,
            rejected=reconciliation.rejected,
            indeterminate=reconciliation.indeterminate,
            stored=reconciliation.stored,
            holds=not reconciliation.problems(),
            note=note,
        )


def record_result(result: FaultResult) -> None:
    """Appends the row to the file named by IOC_RELIABILITY_RESULTS, when it is set."""
    target = os.environ.get(RESULTS_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as results:
            results.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
