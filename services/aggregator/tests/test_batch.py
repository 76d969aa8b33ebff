from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from ioc_aggregator.domain.batch import (
    LatestValue,
    StoredObservation,
    commit_offsets,
    earliest_offsets,
    newest_per_series,
    series_announcements,
    series_updates,
)
from ioc_aggregator.domain.records import Position
from ioc_contracts import SeriesUpdated
from ioc_contracts.events import MAX_EVENT_IDS_PER_UPDATE
from ioc_runtime.backoff import Backoff

T0 = datetime(2023, 6, 1, tzinfo=UTC)


def _row(indicator: str, scope: str, day: int, value: float = 1.0) -> StoredObservation:
    return StoredObservation(uuid4(), indicator, scope, T0 + timedelta(days=day), value)


def test_commit_offsets_are_one_past_the_last_record_of_each_partition() -> None:
    positions = [Position("t", 0, 5), Position("t", 1, 9), Position("t", 0, 7), Position("t", 0, 6)]
    assert commit_offsets(positions) == {("t", 0): 8, ("t", 1): 10}
    assert earliest_offsets(positions) == {("t", 0): 5, ("t", 1): 9}


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 10_000)), min_size=1))
def test_no_partition_is_committed_past_a_record_of_the_batch(
    pairs: list[tuple[int, int]],
) -> None:
    positions = [Position("t", p, o) for p, o in pairs]
    committed = commit_offsets(positions)
    rewound = earliest_offsets(positions)
    for position in positions:
        assert committed[("t", position.partition)] > position.offset
        assert rewound[("t", position.partition)] <= position.offset
    assert set(committed) == {("t", p) for p, _ in pairs}


def test_the_newest_row_of_each_series_wins_and_ties_go_to_the_later_row() -> None:
    old = _row("a", "province", 1)
    new = _row("a", "province", 5)
    tie = _row("a", "province", 5)
    other = _row("b", "so-xd", 2)
    assert set(newest_per_series([new, old, other, tie])) == {tie, other}


def test_series_updates_count_what_the_batch_added_and_report_the_stored_latest() -> None:
    rows = [_row("ia", "province", 1), _row("ia", "province", 2), _row("ib", "so-xd", 3)]
    latest = [
        LatestValue(
            "ia", "province", T0 + timedelta(days=9), 77.0
        ),  # a newer figure stored earlier
        LatestValue("ib", "so-xd", T0 + timedelta(days=3), 1.0),
        LatestValue("ic", "province", T0, 5.0),  # nothing added to c in this batch
    ]
    updates = series_updates(rows, latest, updated_at=T0)
    assert [(u.indicator, u.new_observations, u.latest_value) for u in updates] == [
        ("ia", 2, 77.0),
        ("ib", 1, 1.0),
    ]
    assert updates[0].event_ids == [rows[0].event_id, rows[1].event_id]


@given(
    st.lists(st.integers(0, 400), min_size=1, max_size=1200),
    st.floats(-1e15, 1e15, allow_nan=False),
    st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
def test_published_series_updates_are_what_the_validated_contract_gives(
    days: list[int], value: float, updated_at: datetime
) -> None:
    rows = [_row("grdp.growth", "province", day) for day in days]
    latest = [LatestValue("grdp.growth", "province", T0 + timedelta(days=max(days)), value)]
    (announcement,) = series_announcements(rows, latest, updated_at=updated_at)
    validated = SeriesUpdated.model_validate_json(announcement.payload)
    assert announcement.payload == validated.model_dump_json()
    assert validated.new_observations == len(rows)
    assert validated.event_ids == [r.event_id for r in rows][:MAX_EVENT_IDS_PER_UPDATE]
    assert (validated.latest_value, validated.updated_at) == (value, updated_at)


def test_backoff_grows_to_its_ceiling_and_resets_on_success() -> None:
    backoff = Backoff(initial=0.2, ceiling=5.0)
    delays = [backoff.next_delay() for _ in range(10)]
    assert all(0.1 <= d <= 5.0 for d in delays)
    assert delays[-1] >= 2.5  # capped at 5, jittered into its upper half
    assert backoff.pending_delay() == 2.5
    backoff.succeeded()
    assert backoff.pending_delay() == 0.0
