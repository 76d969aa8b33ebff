"""The fault ledger's figure-of-record check can fail: it names a figure whose record is
not its newest stored revision, and a series whose latest value is not its newest figure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ioc_testing.ledger import Ledger, LoadGenerator, Outcome, Series, wrong_figures, wrong_latest

SERIES = Series("so-tnmt", "cds.dataset-completion-rate", "so-tnmt")


def _rows(*rows: dict[str, Any]) -> list[Any]:
    # Read by column name only, as asyncpg's records are.
    return list(rows)


def test_the_generator_revises_figures_with_later_reported_at() -> None:
    load = LoadGenerator(Ledger(), [SERIES], revise_every=2)
    first, revision = load.events(2)
    assert revision["observed_at"] == first["observed_at"]
    assert revision["reported_at"] > first["reported_at"]


def test_a_figure_of_record_that_is_not_the_newest_revision_is_reported() -> None:
    ledger = Ledger()
    load = LoadGenerator(ledger, [SERIES], revise_every=2)
    first, revision = load.events(2)
    for event in (first, revision):
        ledger.record(event, Outcome.ACKNOWLEDGED)
    stored = list(ledger.entries.values())
    at = datetime.fromisoformat(first["observed_at"])
    figure = {"indicator": SERIES.indicator, "scope": SERIES.scope, "observed_at": at}
    right = _rows({**figure, "id": revision["event_id"]})
    wrong = _rows({**figure, "id": first["event_id"]})
    assert wrong_figures(stored, right) == frozenset()
    assert wrong_figures(stored, wrong) == {(SERIES.indicator, SERIES.scope, at)}


def test_a_latest_value_behind_the_newest_figure_is_reported() -> None:
    at = datetime(2023, 6, 1, tzinfo=UTC)
    figures = _rows(
        {"indicator": "x", "scope": "y", "observed_at": at, "id": "a"},
        {"indicator": "x", "scope": "y", "observed_at": at + timedelta(minutes=1), "id": "b"},
    )
    held = _rows({"indicator": "x", "scope": "y", "observed_at": at, "id": "a"})
    assert wrong_latest(figures, held) == {("x", "y")}
    newest = _rows(
        {"indicator": "x", "scope": "y", "observed_at": at + timedelta(minutes=1), "id": "b"}
    )
    assert wrong_latest(figures, newest) == frozenset()
