"""A header given twice, through the real gateway. Two different keys are refused
(401, nothing published) whichever header carries them, as two different keys in the
two headers always were; the same key twice is one key. Before, the first header of
each name was read and the other ignored, while a proxy in front may check the last.
A Content-Type given twice is refused (415) for the same reason, and so is a body whose
Content-Encoding says it is compressed, which was read as if it were not."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from .event_requests import AGENCY, event

if TYPE_CHECKING:
    from .conftest import IssueKey, StartIngest, TopicSize

pytestmark = pytest.mark.connected

TWO_KEYS = "đã gửi hai khóa API khác nhau; chỉ gửi một khóa / two different API keys were sent"


async def test_two_different_keys_in_repeated_headers_are_refused(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    mine, other = (await issue_key(AGENCY)).key, (await issue_key("so-xd")).key
    cases = {
        "X-API-Key twice, two keys": [("X-API-Key", mine), ("X-API-Key", other)],
        "X-API-Key twice, a wrong one last": [("X-API-Key", mine), ("X-API-Key", "ioc_x")],
        "Authorization twice, two keys": [
            ("Authorization", f"Bearer {other}"),
            ("Authorization", f"Bearer {mine}"),
        ],
        "the same key twice": [("X-API-Key", mine), ("X-API-Key", mine)],
        "Basic beside the key": [("Authorization", "Basic dXNlcjpwYXNz"), ("X-API-Key", mine)],
    }
    async with start_ingest(ingest_topic=topic) as ingest:
        answers = {
            name: await ingest.client.post(
                "/v1/events",
                content=json.dumps(event()).encode(),
                headers=[("Content-Type", "application/json"), *headers],
            )
            for name, headers in cases.items()
        }
    codes = {name: answer.status_code for name, answer in answers.items()}
    assert codes == {
        "X-API-Key twice, two keys": 401,
        "X-API-Key twice, a wrong one last": 401,
        "Authorization twice, two keys": 401,
        "the same key twice": 202,
        "Basic beside the key": 202,
    }, {name: a.text for name, a in answers.items()}
    for name in list(cases)[:3]:
        assert answers[name].json()["detail"].startswith(TWO_KEYS), name
    assert await topic_size(topic) == 2


async def test_a_content_type_given_twice_is_refused(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    """The first would be read, a proxy may have judged the body by the other (its
    charset, say)."""
    key = (await issue_key(AGENCY)).key
    async with start_ingest(ingest_topic=topic) as ingest:
        answer = await ingest.client.post(
            "/v1/events",
            content=json.dumps(event()).encode(),
            headers=[
                ("X-API-Key", key),
                ("Content-Type", "application/json"),
                ("Content-Type", "text/plain; charset=latin-1"),
            ],
        )
    assert answer.status_code == 415, answer.text
    assert answer.json()["detail"] == (
        "Content-Type được gửi 2 lần; chỉ gửi một: application/json / "
        "Content-Type was sent 2 times; send it once: application/json"
    )
    assert await topic_size(topic) == 0
