"""Which copies of an id are duplicates or conflicts, and which revision is of record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from ioc_aggregator.domain.records import Accepted, Consumed
from ioc_aggregator.domain.revisions import (
    Revision,
    content_of,
    newest_per_figure,
    split_repeats,
)
from ioc_contracts import IndicatorEvent
from ioc_contracts.dead_letter import DeadLetterErrorCode
from ioc_contracts.event_bytes import fields_of

AT = datetime(2023, 6, 30, 10, tzinfo=UTC)
RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)


def accepted(offset: int = 0, **fields: object) -> Accepted:
    values: dict[str, object] = {
        "event_id": uuid4(),
        "agency": "vp-ubnd",
        "indicator": "dvc.paperless-rate",
        "scope": "province",
        "observed_at": AT,
        "value": 37.5,
        **fields,
    }
    record = Consumed("ioc.indicator-events", 0, offset, None, None)
    return Accepted(record, fields_of(IndicatorEvent.model_validate(values)), RECEIVED)


def test_copies_of_a_new_id_in_one_batch_are_duplicates_or_conflicts_of_the_first() -> None:
    first = accepted(0)
    same = accepted(1, event_id=first.event.event_id)
    restamped = accepted(2, event_id=first.event.event_id, reported_at=RECEIVED)
    changed = accepted(3, event_id=first.event.event_id, value=38.1)
    other_agency = accepted(4, event_id=first.event.event_id, agency="so-tnmt", scope="so-tnmt")
    repeats = split_repeats([first, same, restamped, changed, other_agency])
    assert repeats.first == [first, other_agency]
    assert repeats.duplicates == 2  # reported_at is not content
    [conflict] = repeats.conflicts
    assert conflict.record is changed.record
    assert conflict.error_code is DeadLetterErrorCode.EVENT_ID_CONFLICT
    assert "value: 37.5 → 38.1" in conflict.reason


def test_copies_of_a_stored_id_are_judged_against_the_stored_content() -> None:
    stored = accepted(0)
    changed = accepted(1, event_id=stored.event.event_id, value=38.1)
    identical = accepted(2, event_id=stored.event.event_id)
    repeats = split_repeats(
        [changed, identical], {("vp-ubnd", stored.event.event_id): content_of(stored.event)}
    )
    assert repeats.first == []
    assert repeats.duplicates == 1
    assert [c.record for c in repeats.conflicts] == [changed.record]


def revision(value: float, reported_hours: float | None, received_hours: float) -> Revision:
    reported = AT + timedelta(hours=reported_hours) if reported_hours is not None else None
    event = accepted(value=value, reported_at=reported).event
    return Revision(event, RECEIVED + timedelta(hours=received_hours), ())


def test_the_newest_revision_is_by_reported_at_then_arrival() -> None:
    newest = revision(38.1, 5, 0)
    late_old = revision(37.9, 1, 9)  # arrives last, reported earlier: not of record
    assert newest_per_figure([late_old, newest]) == [newest]
    # Without reported_at, the moment of storing stands in for it.
    unstamped = revision(38.3, None, 10)
    assert newest_per_figure([newest, unstamped]) == [unstamped]


@given(st.permutations(range(6)))
def test_arrival_order_never_changes_the_figure_of_record(order: list[int]) -> None:
    revisions = [revision(30.0 + i, i, -i) for i in range(6)]
    assert newest_per_figure([revisions[i] for i in order]) == [revisions[5]]
