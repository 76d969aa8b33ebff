"""Reconciling the ledger with the database once the system is quiet."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import asyncpg

from ioc_testing.ledger.entries import FigureKey, Ledger, Outcome, SentEvent


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


# The ledger keeps no key of its own (migration 0019): identity lives in the id register,
# and only its writer keeps the two in step. A revision whose id was never claimed would
# be stored again on redelivery; a claimed id without its revision would turn that
# redelivery into a "duplicate" and lose the event. Both are counted here.
_UNCLAIMED = """
SELECT o.agency || ' ' || o.event_id::text AS id FROM ioc.observations o
WHERE NOT EXISTS (
    SELECT 1 FROM ioc.event_ids e
    WHERE e.event_id = o.event_id AND e.agency = o.agency AND e.observed_at = o.observed_at
)
"""
_UNLEDGERED = """
SELECT e.agency || ' ' || e.event_id::text AS id FROM ioc.event_ids e
WHERE NOT EXISTS (
    SELECT 1 FROM ioc.observations o
    WHERE o.agency = e.agency AND o.event_id = e.event_id AND o.observed_at = e.observed_at
)
"""


async def register_out_of_step(
    connection: asyncpg.Connection,
) -> tuple[frozenset[str], frozenset[str]]:
    """Revisions in the ledger whose id is not registered, and registered ids with no
    revision ("agency event_id" each)."""
    unclaimed = await connection.fetch(_UNCLAIMED)
    unledgered = await connection.fetch(_UNLEDGERED)
    return frozenset(r["id"] for r in unclaimed), frozenset(r["id"] for r in unledgered)


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
    unclaimed: frozenset[str] = frozenset()
    unledgered: frozenset[str] = frozenset()

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
        if self.unclaimed:
            found.append(
                f"{len(self.unclaimed)} ledger revisions have no registered id: "
                f"{_few(self.unclaimed)}"
            )
        if self.unledgered:
            found.append(
                f"{len(self.unledgered)} registered ids have no ledger revision: "
                f"{_few(self.unledgered)}"
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
        unclaimed, unledgered = await register_out_of_step(connection)
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
        unclaimed=unclaimed,
        unledgered=unledgered,
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
