"""Characters no stored text can hold (U+0000, a lone surrogate) in what an agency sends.

In an event's free text they are refused at the door, Vietnamese first, rather than
accepted with a 202 and refused by the database behind the gateway. Anywhere else (a
field name, the path) the answer still names the problem and the request's audit row is
still written: one such character used to fail the audit insert, so a sender could keep
its refused requests out of the audit trail.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from .event_requests import AGENCY, auth, event

if TYPE_CHECKING:
    from .conftest import AuditRows, IssueKey, StartIngest, TopicSize

pytestmark = pytest.mark.connected

JSON = {"Content-Type": "application/json"}


def _with_raw_field(document: dict[str, Any], raw_name: str) -> bytes:
    """`document` with one more field whose name is written as `raw_name` (JSON escapes
    kept as they are, so a lone surrogate can be sent)."""
    return (json.dumps(document)[:-1] + f', "{raw_name}": 1}}').encode()


@pytest.mark.parametrize("field", ["note", "source"])
async def test_a_nul_in_free_text_is_refused_vietnamese_first_and_nothing_is_published(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    topic_size: TopicSize,
    audit_rows: AuditRows,
    field: str,
) -> None:
    key = await issue_key(AGENCY)
    body = json.dumps({"events": [event(), event(**{field: "Số liệu\x00 tháng 6"})]})
    async with start_ingest(ingest_topic=topic) as ingest:
        response = await ingest.client.post(
            "/v1/events", content=body.encode(), headers={**auth(key.key), **JSON}
        )
        rows = await audit_rows(ingest.remote_addr)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (1, field)
    vietnamese, _, english = error["reason"].partition(" / ")
    assert "ký tự NUL (U+0000)" in vietnamese
    assert "U+0000 (NUL)" in english
    assert await topic_size(topic) == 0
    [audit] = rows
    assert (audit["status_code"], audit["accepted"], audit["rejected"]) == (422, 0, 2)


async def test_field_names_no_database_can_hold_still_get_an_answer_and_an_audit_row(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    topic_size: TopicSize,
    audit_rows: AuditRows,
) -> None:
    key = await issue_key(AGENCY)
    bodies = [
        _with_raw_field(event(), "col\\u0000our"),
        _with_raw_field(event(), "col\\ud800our"),
    ]
    async with start_ingest(ingest_topic=topic) as ingest:
        answers = [
            await ingest.client.post("/v1/events", content=body, headers={**auth(key.key), **JSON})
            for body in bodies
        ]
        rows = await audit_rows(ingest.remote_addr)
    assert [a.status_code for a in answers] == [422, 422], [a.text for a in answers]
    [nul], [surrogate] = (answer.json()["errors"] for answer in answers)
    assert (nul["field"], nul["reason"].partition(" / ")[2]) == (
        "col\x00our",
        "unknown field: IndicatorEvent v1 has no such field",
    )
    # Python's JSON reader makes a lone surrogate of the escape; no text holds one. The
    # answer names the field as it was written, and says why, Vietnamese first.
    assert surrogate["field"] == "col\\ud800our"
    vietnamese, _, english = surrogate["reason"].partition(" / ")
    assert "tên ô có mã \\ud800, nửa cặp UTF-16 (surrogate) đứng một mình" in vietnamese
    assert "the field's name holds a lone UTF-16 surrogate (\\ud800)" in english
    assert await topic_size(topic) == 0
    # One row per request, the NUL in the field's name kept as U+FFFD.
    assert [(r["status_code"], r["rejected"]) for r in rows] == [(422, 1), (422, 1)]
    assert json.loads(rows[0]["detail"])["errors"][0]["field"] == "col\ufffdour"
    assert json.loads(rows[1]["detail"])["errors"][0]["field"] == "col\\ud800our"


async def test_a_lone_surrogate_in_a_value_is_named_and_a_valid_pair_is_stored(
    start_ingest: StartIngest,
    issue_key: IssueKey,
    topic: str,
    topic_size: TopicSize,
) -> None:
    key = await issue_key(AGENCY)

    def body(note_as_written: str) -> bytes:
        document = json.dumps({"events": [event(), event(note="MARK")]})
        return document.replace('"MARK"', f'"{note_as_written}"').encode()

    async with start_ingest(ingest_topic=topic) as ingest:
        lone, pair = [
            await ingest.client.post("/v1/events", content=text, headers={**auth(key.key), **JSON})
            for text in (body("Số liệu \\udc00 tháng 6"), body("Đạt \\ud83d\\ude00"))
        ]
    assert lone.status_code == 422, lone.text
    [error] = lone.json()["errors"]
    assert (error["index"], error["field"]) == (1, "note")
    vietnamese, _, english = error["reason"].partition(" / ")
    assert vietnamese.startswith("giá trị có mã \\udc00, nửa cặp UTF-16"), vietnamese
    assert "the value holds a lone UTF-16 surrogate (\\udc00)" in english
    # A surrogate pair is one character (U+1F600) once read: nothing wrong with it.
    assert pair.status_code == 202, pair.text
    assert await topic_size(topic) == 2
