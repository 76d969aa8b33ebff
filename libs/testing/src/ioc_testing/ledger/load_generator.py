"""The load generator: good events round-robin over granted series, answers recorded."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from ioc_catalog import load_catalog
from ioc_catalog.policy import grants
from ioc_contracts.topics import series_key_bytes
from ioc_testing.ledger.entries import Ledger, Outcome

T0 = datetime(2023, 6, 1, tzinfo=UTC)


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
