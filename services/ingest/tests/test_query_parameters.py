"""An agency's query parameters, through the real gateway: a name given twice, a name the
path does not take and a value of the wrong type are each refused in the API's own
answer, Vietnamese first, naming the parameter; nothing is published for them. Before,
`?limit=1&limit=1000` read 1,000, `?limt=5` answered with the default and
`POST /v1/events?dry_run=true` published the event for real."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from .event_requests import AGENCY, auth, event

if TYPE_CHECKING:
    from .conftest import IssueKey, StartIngest, TopicSize

pytestmark = pytest.mark.connected

SERIES = f"/v1/series/dvc.paperless-rate/{AGENCY}"
DETAIL = (
    "Tham số của yêu cầu không hợp lệ; xem từng lỗi bên dưới / "
    "the request's parameters are not valid; see each error"
)


async def test_parameters_repeated_unknown_or_mistyped_are_refused_by_name(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str, topic_size: TopicSize
) -> None:
    key = auth((await issue_key(AGENCY)).key)
    async with start_ingest(ingest_topic=topic) as ingest:
        get = ingest.client.get
        fine = await get(
            SERIES, params={"from": "2023-01-01T00:00:00+07:00", "limit": 5}, headers=key
        )
        repeated = await get(f"{SERIES}?limit=1&limit=1000", headers=key)
        unknown = await get(f"{SERIES}?limt=5", headers=key)
        mistyped = await get(f"{SERIES}?limit=abc", headers=key)
        on_event = await get(f"/v1/events/{event()['event_id']}?verbose=1", headers=key)
        dry_run = await ingest.client.post(
            "/v1/events?dry_run=true",
            content=json.dumps(event()).encode(),
            headers={**key, "Content-Type": "application/json"},
        )
        without_key = await get(f"{SERIES}?limit=1&limit=1000")
    assert fine.status_code == 200, fine.text
    assert [a.status_code for a in (repeated, unknown, mistyped, on_event, dry_run)] == [422] * 5
    assert without_key.status_code == 401  # the key is checked first, as for a body
    for answer in (repeated, unknown, mistyped, on_event, dry_run):
        assert answer.json()["detail"] == DETAIL
    assert repeated.json()["errors"] == [
        {
            "field": "limit",
            "reason": "tham số 'limit' được ghi nhiều lần; hãy ghi mỗi tham số một lần / "
            "'limit' appears more than once in the query; give each parameter once",
        }
    ]
    assert unknown.json()["errors"] == [
        {
            "field": "limt",
            "reason": "đường dẫn này không nhận tham số 'limt'; chỉ nhận: from, limit, to / "
            "this path takes no parameter 'limt'; it takes: from, limit, to",
        }
    ]
    [wrong_type] = mistyped.json()["errors"]
    assert wrong_type["field"] == "limit"
    assert wrong_type["reason"].startswith("tham số 'limit' không hợp lệ / Input should be")
    [takes_none] = dry_run.json()["errors"]
    assert takes_none["field"] == "dry_run"
    assert takes_none["reason"].startswith("đường dẫn này không nhận tham số 'dry_run' nào")
    assert on_event.json()["errors"][0]["field"] == "verbose"
    assert await topic_size(topic) == 0


async def test_a_long_or_odd_parameter_name_is_shown_cut_and_decoded(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str
) -> None:
    key = auth((await issue_key(AGENCY)).key)
    long_name = "x" * 5_000
    async with start_ingest(ingest_topic=topic) as ingest:
        long = await ingest.client.get(f"{SERIES}?{long_name}=1", headers=key)
        # A name in invalid UTF-8 (a lone surrogate's bytes) and one in Vietnamese.
        odd = await ingest.client.get(f"{SERIES}?%ED%A0%80=1&gi%E1%BB%9Bi=2", headers=key)
        long_path = await ingest.client.get(f"/v1/series/{'x' * 101}/{AGENCY}", headers=key)
    assert long.status_code == 422
    [cut] = long.json()["errors"]
    assert cut["field"] == "x" * 100 + "…"
    assert odd.status_code == 422
    assert [e["field"] for e in odd.json()["errors"]] == ["\ufffd\ufffd\ufffd", "giới"]
    # A path parameter refused by FastAPI is answered in the same shape, naming it.
    assert long_path.status_code == 422
    assert long_path.json()["detail"] == DETAIL
    [path_problem] = long_path.json()["errors"]
    assert path_problem["field"] == "indicator"
    assert path_problem["reason"].startswith("phần 'indicator' của đường dẫn không hợp lệ / ")


async def test_the_example_time_pasted_into_the_url_as_is_reads_as_written(
    start_ingest: StartIngest, issue_key: IssueKey, topic: str
) -> None:
    """An unescaped `+` of a query reads as a space: the API's own example
    (2023-06-30T00:00:00+07:00) pasted into the URL was refused as "unexpected extra
    characters"; a number of seconds since 1970 was taken as a time."""
    key = auth((await issue_key(AGENCY)).key)
    async with start_ingest(ingest_topic=topic) as ingest:
        pasted = await ingest.client.get(
            f"{SERIES}?from=2023-06-30T00:00:00+07:00&to=2023-07-01T00:00:00+07:00", headers=key
        )
        seconds = await ingest.client.get(f"{SERIES}?from=1688083200", headers=key)
    assert pasted.status_code == 200, pasted.text
    assert seconds.status_code == 422
    [problem] = seconds.json()["errors"]
    assert problem["field"] == "from"
    assert "a time is written like 2023-06-30T00:00:00+07:00" in problem["reason"]
