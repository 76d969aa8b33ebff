"""The shape of a JSON body: one event or {"events": [...]} (pure)."""

from __future__ import annotations

import pytest

from ioc_ingest.domain.batch import events_in
from ioc_ingest.domain.problems import RequestShapeError


def test_a_single_object_is_one_event() -> None:
    assert events_in({"indicator": "x"}, max_batch=2) == [{"indicator": "x"}]


def test_a_batch_gives_its_events_in_order() -> None:
    assert events_in({"events": [{"a": 1}, {"b": 2}]}, max_batch=2) == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize(
    ("document", "field", "words"),
    [
        ({"events": [{}, {}, {}]}, "events", "at most 2 events per request, got 3"),
        ({"events": []}, "events", "at least one"),
        ({"events": {"a": 1}}, "events", "must be an array"),
        ({"events": [], "extra": 1}, "extra", 'only "events"'),
        ([{"a": 1}], None, "not a bare array"),
        ("text", None, "JSON object"),
    ],
)
def test_bodies_of_the_wrong_shape_say_why(document: object, field: str | None, words: str) -> None:
    with pytest.raises(RequestShapeError) as raised:
        events_in(document, max_batch=2)
    assert raised.value.field == field
    assert words in raised.value.reason
