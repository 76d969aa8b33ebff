"""Monthly reports as CSV: what agencies have today, read row by row into events.

One row per indicator and scope:

    indicator,scope,observed_at,value,numerator,denominator,note,event_id
    dvc.paperless-rate,so-tttt,2023-06-30T17:00:00+07:00,37.5,731,1950,,

Only the first four columns are required; `source` and `reported_at` may be added like
any other IndicatorEvent field. A row without `event_id` gets one derived from the
agency and the row's whole content (indicator, scope, the instant of observed_at, the
numbers, source and note): uploading the same report twice publishes the same ids and
changes nothing, while a row whose value was corrected gets a new id and is stored as a
revision of its figure. Ids belong to the agency that sent them, so no other agency can
take or erase one.

Numbers are written with '.' as the decimal separator and no thousands separators:
"1.893" could mean 1893 (Vietnamese) or 1.893 (English), and guessing would store a
figure a thousand times off.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ioc_ingest.domain.problems import EventProblem, RequestShapeError

REQUIRED_COLUMNS = ("indicator", "scope", "observed_at", "value")
OPTIONAL_COLUMNS = ("numerator", "denominator", "note", "event_id", "source", "reported_at")
NUMBER_COLUMNS = frozenset({"value", "numerator", "denominator"})
HEADER_ROW = 1

# Fixed forever: changing it would give re-uploaded reports new ids (stored twice).
REPORT_EVENT_NAMESPACE = uuid.UUID("5d0c7f0e-2b6a-4f51-9f3e-1c8a6b2d4e70")

_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A data row read into event fields; `row` is the row number a spreadsheet shows
    (the header of a CSV report is row 1), `sheet` the worksheet of an Excel report.

    `problems` are what made the row unreadable as an event (a number that is not one,
    a missing cell); such a row is reported, not screened.
    """

    index: int
    row: int
    fields: dict[str, object]
    problems: tuple[EventProblem, ...] = ()
    sheet: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedReport:
    rows: tuple[ReportRow, ...]

    @property
    def readable(self) -> tuple[ReportRow, ...]:
        return tuple(row for row in self.rows if not row.problems)


def derived_event_id(*, agency: str, fields: Mapping[str, object]) -> uuid.UUID:
    """The event_id of a row that has none: the same content always gets the same id."""
    observed_at = str(fields.get("observed_at", ""))
    try:
        instant = datetime.fromisoformat(observed_at)
    except ValueError:
        instant = None
    # The instant, not the text: "…17:00:00Z" and "…T00:00:00+07:00" are the same figure.
    if instant is not None and instant.tzinfo is not None:
        observed_at = instant.astimezone(UTC).isoformat()
    parts = [agency, str(fields.get("indicator", "")), str(fields.get("scope", "")), observed_at]
    parts += [_canonical(fields.get(name)) for name in _CONTENT_COLUMNS]
    return uuid.uuid5(REPORT_EVENT_NAMESPACE, "|".join(parts))


_CONTENT_COLUMNS = ("value", "numerator", "denominator", "source", "note")


def _canonical(cell: object) -> str:
    # 37.5 and 37.50 are one number; an absent cell is not the text "None".
    if isinstance(cell, float):
        return repr(cell)
    return "" if cell is None else str(cell)


def parse_report(text: str, *, agency: str, max_rows: int) -> ParsedReport:
    """Reads a CSV report; RequestShapeError when the file as a whole cannot be read."""
    # newline="" lets a quoted cell (a note) span lines, as spreadsheets write them.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows: list[ReportRow] = []
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise RequestShapeError(None, "the report is empty: expected a header row first")
        columns = _columns(header)
        # Numbered as a spreadsheet numbers them: blank rows count, though they are skipped.
        for row_number, cells in enumerate(reader, start=HEADER_ROW + 1):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines (often trailing ones) are not data rows
            if len(rows) >= max_rows:
                raise RequestShapeError(
                    "rows", f"at most {max_rows} data rows per report; split the file"
                )
            index = len(rows)
            fields, problems = _read_row(index, cells, columns, agency=agency)
            rows.append(ReportRow(index, row_number, fields, tuple(problems)))
    except csv.Error as error:
        raise RequestShapeError(None, f"not a readable CSV file: {error}") from error
    if not rows:
        raise RequestShapeError("rows", "the report has a header but no data rows")
    return ParsedReport(tuple(rows))


def _columns(header: list[str]) -> list[str]:
    columns = [cell.strip().lower() for cell in header]
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    if len(columns) == 1 and ";" in columns[0]:
        raise RequestShapeError(None, "columns must be separated by commas, not semicolons")
    for column in columns:
        if column not in known:
            raise RequestShapeError(
                column or None,
                f"unknown column {column!r}; the columns are {', '.join(REQUIRED_COLUMNS)} "
                f"and optionally {', '.join(OPTIONAL_COLUMNS)}",
            )
        if columns.count(column) > 1:
            raise RequestShapeError(column, f"column {column!r} appears twice")
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise RequestShapeError(missing[0], f"required column {missing[0]!r} is missing")
    return columns


def _read_row(
    index: int, cells: list[str], columns: list[str], *, agency: str
) -> tuple[dict[str, object], list[EventProblem]]:
    fields: dict[str, object] = {}
    if len(cells) != len(columns):
        return fields, [
            EventProblem(index, None, f"expected {len(columns)} cells, found {len(cells)}")
        ]
    problems: list[EventProblem] = []
    for column, raw in zip(columns, cells, strict=True):
        cell = raw.strip()
        if not cell:
            continue  # an empty cell is an omitted optional field (or a missing required one)
        if column in NUMBER_COLUMNS:
            if not _NUMBER.match(cell):
                problems.append(EventProblem(index, column, _not_a_number(cell)))
                continue
            fields[column] = float(cell)
        else:
            fields[column] = cell
    if problems:
        return fields, problems
    return with_event_id(fields, agency=agency), []


def with_event_id(fields: dict[str, object], *, agency: str) -> dict[str, object]:
    """The row's fields with its event_id: its own, or one derived from its content."""
    if "event_id" not in fields:
        # Derived even when a part is missing: that row fails on the missing column, and
        # a second error about event_id would only distract.
        fields["event_id"] = str(derived_event_id(agency=agency, fields=fields))
    return fields


def _not_a_number(cell: str) -> str:
    shown = cell if len(cell) <= 40 else cell[:40] + "…"
    return (
        f"{shown!r} is not a number; write numbers with '.' as the decimal separator and "
        "no thousands separators, e.g. 36.82 or 1893"
    )
