"""Rows in PostgreSQL's binary COPY format, built here instead of by asyncpg's codecs.

asyncpg encodes a record value by value through its generic codecs, and the rows had to
be built as tuples first. A batch names a few hundred series and a few periods many
times over, so here each text and each timestamp is encoded once per batch
(`CopyEncoder` remembers them) and a row is the join of those encodings: the three
COPYs of a batch (event ids, the ledger, the figures) cost about half the CPU. Each
stream goes out in chunks, so the database does not wait for its last row to start.

The format (PostgreSQL's "COPY ... FORMAT binary"): a header, then per row a 16-bit
field count and each field as a 32-bit length (-1 for NULL) and its bytes, then -1.
"""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncGenerator, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice

from ioc_aggregator.domain.revisions import Revision
from ioc_catalog.quality import Finding
from ioc_contracts.fast_decoding import DecodedEvent

_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension
_TRAILER = b"\xff\xff"
# Rows per chunk of a COPY stream. PostgreSQL parses and inserts a chunk while the next
# one is built, so its work overlaps ours; with the stream in one piece it waited for
# the last row. 500 rows is about 75 KiB of ledger rows; the stages benchmark could not
# tell 200, 500 and 2,000 apart (benchmarks/report_notes.md).
ROWS_PER_CHUNK = 500
NULL = b"\xff\xff\xff\xff"
_LENGTH = struct.Struct("!i").pack
_FLOAT8 = struct.Struct("!id").pack
_INT8 = struct.Struct("!iq").pack
_RATIO = struct.Struct("!idid").pack  # numerator and denominator, each with its length
_NO_RATIO = NULL + NULL
_UUID_LENGTH = b"\x00\x00\x00\x10"
# jsonb's binary form is a version byte, then the text.
_JSONB_VERSION = 1
# PostgreSQL counts timestamps in microseconds from 2000-01-01 UTC.
_POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


# A revision's columns in the order of its COPY rows. The figure of record has the
# ledger's columns but the free text, in the same order, so the two rows share their
# encoded head (up to received_at) and tail (revised_at, the flags).
LEDGER_COLUMNS = (
    "event_id",
    "observed_at",
    "indicator",
    "scope",
    "agency",
    "value",
    "numerator",
    "denominator",
    "reported_at",
    "received_at",
    "source",
    "note",
    "revised_at",
    "quality_flags",
)
FIGURE_COLUMNS = tuple(c for c in LEDGER_COLUMNS if c not in ("source", "note"))
# An event's row in the id register.
ID_COLUMNS = ("agency", "event_id", "observed_at")


def flags_json(flags: Sequence[Finding]) -> str:
    if not flags:
        return "[]"  # nearly every figure: no encoder on the hot path
    return json.dumps(
        [{"check": f.check.value, "reason": f.reason} for f in flags], ensure_ascii=False
    )


def _jsonb_field(text: str) -> bytes:
    raw = bytes((_JSONB_VERSION,)) + text.encode()
    return _LENGTH(len(raw)) + raw


# Nearly every figure has no flags.
_NO_FLAGS = _jsonb_field("[]")


def field_count(count: int) -> bytes:
    """What every row of a table with `count` columns starts with."""
    return struct.pack("!h", count)


async def payload(rows: Iterable[bytes]) -> AsyncGenerator[bytes, None]:
    """The COPY stream for asyncpg's `copy_to_table`, in chunks of `ROWS_PER_CHUNK`
    rows: asyncpg sends each chunk as it comes, so PostgreSQL works on it while the rows
    of the next one are built (`rows` is lazy on the hot path)."""
    rows = iter(rows)
    yield b"".join((_HEADER, *islice(rows, ROWS_PER_CHUNK)))
    # A row is never empty: an empty chunk means the rows are all sent.
    while chunk := b"".join(islice(rows, ROWS_PER_CHUNK)):
        yield chunk
    yield _TRAILER


def float8_field(value: float | None) -> bytes:
    return NULL if value is None else _FLOAT8(8, value)


_LEDGER_FIELDS = field_count(len(LEDGER_COLUMNS))
_FIGURE_FIELDS = field_count(len(FIGURE_COLUMNS))
_ID_FIELDS = field_count(len(ID_COLUMNS))


class CopyEncoder:
    """Field encodings for one batch, each text and timestamp computed once."""

    def __init__(self) -> None:
        self._texts: dict[str, bytes] = {}
        self._documents: dict[str, bytes] = {}
        self._instants: dict[datetime, bytes] = {}
        self._revisions: dict[int, tuple[bytes, bytes]] = {}
        self._received_at: datetime | None = None
        # (indicator, scope, agency) → their three fields, encoded: a batch repeats a few
        # hundred series.
        self._series: dict[tuple[str, str, str], bytes] = {}
        self._received = NULL

    def text(self, value: str | None) -> bytes:
        if value is None:
            return NULL
        known = self._texts.get(value)
        if known is None:
            raw = value.encode()
            known = self._texts[value] = _LENGTH(len(raw)) + raw
        return known

    def jsonb(self, text: str) -> bytes:
        known = self._documents.get(text)
        if known is None:
            known = self._documents[text] = _jsonb_field(text)
        return known

    def instant(self, value: datetime | None) -> bytes:
        """A timestamptz; `value` is timezone-aware (the contract's are, in UTC)."""
        if value is None:
            return NULL
        known = self._instants.get(value)
        if known is None:
            # Exact: timedelta // timedelta is an integer count of microseconds.
            known = self._instants[value] = _INT8(8, (value - _POSTGRES_EPOCH) // _MICROSECOND)
        return known

    def id_row(self, event: DecodedEvent) -> bytes:
        """An event's row in the id register (`ID_COLUMNS`)."""
        agency, observed_at = event.agency, event.observed_at
        return b"".join(
            (
                _ID_FIELDS,
                self._texts.get(agency) or self.text(agency),
                _UUID_LENGTH,
                event.event_id.int.to_bytes(16, "big"),  # UUID.bytes, without its frame
                self._instants.get(observed_at) or self.instant(observed_at),
            )
        )

    def revision(self, revision: Revision) -> tuple[bytes, bytes]:
        """A revision's ledger row and its figure's row, encoded once for both (the
        revision stays alive for the batch: its id is a key).

        The hottest function of the aggregator: locals and inline look-ups where a
        method call would cost more than the work it wraps."""
        revisions = self._revisions
        known = revisions.get(id(revision))
        if known is not None:
            return known
        event = revision.event
        received_at = revision.received_at
        # One received_at per batch: its encoding is kept rather than looked up.
        if received_at is not self._received_at:
            self._received_at, self._received = received_at, self.instant(received_at)
        received = self._received
        instants, texts = self._instants, self._texts
        reported_at = event.reported_at
        reported = (
            NULL if reported_at is None else instants.get(reported_at) or self.instant(reported_at)
        )
        series_key = (event.indicator, event.scope, event.agency)
        series = self._series.get(series_key)
        if series is None:
            text = self.text
            series = self._series[series_key] = (
                text(event.indicator) + text(event.scope) + text(event.agency)
            )
        observed = instants.get(event.observed_at) or self.instant(event.observed_at)
        numerator, denominator = event.numerator, event.denominator
        if numerator is None and denominator is None:
            ratio = _NO_RATIO
        elif numerator is not None and denominator is not None:
            ratio = _RATIO(8, numerator, 8, denominator)
        else:
            ratio = float8_field(numerator) + float8_field(denominator)
        head = b"".join(
            (
                _UUID_LENGTH,
                # UUID.bytes, without its Python frame.
                event.event_id.int.to_bytes(16, "big"),
                observed,
                series,
                _FLOAT8(8, event.value),
                ratio,
                reported,
                received,
            )
        )
        flags = revision.flags
        tail = (received if reported_at is None else reported) + (
            _NO_FLAGS if not flags else self.jsonb(flags_json(flags))
        )
        source, note = event.source, event.note
        known = revisions[id(revision)] = (
            b"".join(
                (
                    _LEDGER_FIELDS,
                    head,
                    NULL if source is None else texts.get(source) or self.text(source),
                    NULL if note is None else texts.get(note) or self.text(note),
                    tail,
                )
            ),
            b"".join((_FIGURE_FIELDS, head, tail)),
        )
        return known
