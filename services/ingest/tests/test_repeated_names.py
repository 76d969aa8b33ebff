"""An event that names a field twice, sent to the real gateway: refused, the field named,
Vietnamese first, nothing published. Every reader here keeps the last value, the
agency's own tools may keep the first; so the figure stored could differ from the one
the agency believes it sent."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from .event_requests import AGENCY, auth, event

if TYPE_CHECKING:
    from .conftest import IssueKey, StartIngest, TopicSize

pytestmark = pytest.mark.connected

JSON = {"Content-Type": "application/json"}


async def test_a_field_named_twice_is_refused_naming_it_and_nothing_is_published(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = await issue_key(AGENCY)
    twice = json.dumps(event(value=0.0))[:-1] + ', "value": 85.0}'
    bodies = {
        "single": twice,
        "batch": f'{{"events": [{json.dumps(event())}, {twice}]}}',
        "events twice": f'{{"events": [{json.dumps(event())}], "events": [{twice}]}}',
    }
    async with start_ingest(ingest_topic=topic) as ingest:
        answers = {
            name: await ingest.client.post(
                "/v1/events", content=body.encode(), headers={**auth(key.key), **JSON}
            )
            for name, body in bodies.items()
        }
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(bodies, 422)
    [single] = answers["single"].json()["errors"]
    [in_batch] = answers["batch"].json()["errors"]
    assert (single["index"], single["field"]) == (0, "value")
    assert (in_batch["index"], in_batch["field"]) == (1, "value")
    vietnamese, _, english = in_batch["reason"].partition(" / ")
    assert vietnamese.startswith("ô này được ghi nhiều lần trong một sự kiện"), vietnamese
    assert english.startswith("the field appears more than once in the event"), english
    [shape] = answers["events twice"].json()["errors"]
    assert shape["field"] == "events"
    assert shape["reason"] == (
        '"events" được ghi nhiều lần; hãy gửi một mảng sự kiện duy nhất / '
        '"events" appears more than once; send one array of events'
    )
    assert await topic_size(topic) == 0
