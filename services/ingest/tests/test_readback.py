"""How an agency is told what became of its event, and how revisions group into figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from ioc_ingest.domain.readback import (
    EventFate,
    FigureOfRecord,
    RefusedCopy,
    StoredEvent,
    StoredRevision,
    describe_fate,
    figures_of,
    meaning_of,
)

JUNE = datetime(2023, 6, 30, 10, 0, tzinfo=UTC)


def _stored(*, of_record: bool, record: FigureOfRecord | None) -> StoredEvent:
    return StoredEvent(
        indicator="dvc.paperless-rate",
        scope="province",
        observed_at=JUNE,
        value=37.5,
        numerator=None,
        denominator=None,
        reported_at=None,
        received_at=JUNE,
        revised_at=JUNE,
        quality_flags=(),
        of_record=of_record,
        record=record,
    )


def test_a_stored_event_of_record_says_so_in_vietnamese_time() -> None:
    told = describe_fate(EventFate(stored=_stored(of_record=True, record=None), refusals=()))
    assert told is not None
    assert told[0] == "Đã lưu lúc 17:00:00 30/06/2023 và là số liệu chính thức của kỳ này."


def test_a_superseded_event_names_the_revision_in_force() -> None:
    record = FigureOfRecord(value=38.1, agency="vp-ubnd", revised_at=JUNE)
    told = describe_fate(EventFate(stored=_stored(of_record=False, record=record), refusals=()))
    assert told is not None
    assert "không phải số liệu chính thức" in told[0]
    assert "38.1" in told[0]
    assert "newer revision by vp-ubnd" in told[1]


def test_a_refused_event_gives_the_meaning_and_what_to_do() -> None:
    conflict = RefusedCopy(error_code="event_id_conflict", reason="value differs", refused_at=JUNE)
    told = describe_fate(EventFate(stored=None, refusals=(conflict,)))
    assert told is not None
    assert "Bị từ chối lúc 17:00:00 30/06/2023" in told[0]
    assert "event_id mới" in told[0]
    assert describe_fate(EventFate(stored=None, refusals=())) is None
    assert meaning_of("no_such_code") == ("no_such_code", "no_such_code")
    assert meaning_of("not_granted")[0].startswith("Cơ quan không được giao")


def _revision(observed_at: datetime, n: int, *, of_record: bool) -> StoredRevision:
    return StoredRevision(
        observed_at=observed_at,
        revision=n,
        of_record=of_record,
        value=float(n),
        numerator=None,
        denominator=None,
        agency="vp-ubnd",
        event_id=uuid4(),
        reported_at=None,
        received_at=JUNE,
        revised_at=JUNE,
        quality_flags=(),
        source=None,
        note=None,
    )


def test_revisions_group_into_figures_in_the_order_given() -> None:
    later = JUNE + timedelta(days=31)
    figures = figures_of(
        [
            _revision(later, 1, of_record=True),
            _revision(JUNE, 1, of_record=False),
            _revision(JUNE, 2, of_record=True),
            _revision(JUNE, 3, of_record=False),
        ]
    )
    assert [f.observed_at for f in figures] == [later, JUNE]
    assert figures[1].of_record.revision == 2
    assert [r.revision for r in figures[1].revisions] == [1, 2, 3]
