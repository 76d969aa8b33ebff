"""What agencies read in the API's answers (JSON events, CSV and Excel rows, the request
as a whole) is Vietnamese first, then English, in the project's one bilingual form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import uuid4

from ioc_catalog.wording import BILINGUAL_SEPARATOR
from ioc_ingest.api.errors import ErrorItem
from ioc_ingest.domain.problems import EventProblem, ProblemKind

if TYPE_CHECKING:
    from .conftest import IssueKey, StartIngest

AGENCY = "so-tttt"
VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý")


def _vietnamese_first(text: str) -> bool:
    vietnamese, separator, english = text.partition(BILINGUAL_SEPARATOR)
    return bool(separator) and bool(VIETNAMESE & set(vietnamese.lower())) and bool(english)


def test_every_problem_and_shape_error_is_worded_vietnamese_first() -> None:
    items = [
        ErrorItem.of(EventProblem(0, "value", "150 is outside the valid range [0, 100]")),
        ErrorItem.of(EventProblem(1, None, "not granted", ProblemKind.FORBIDDEN)),
        ErrorItem.of(EventProblem(2, "observed_at", "required field is missing")),
        ErrorItem.of_shape("events", "must be an array of events"),
    ]
    for item in items:
        assert _vietnamese_first(item.reason), item.reason
    assert items[0].reason.endswith("150 is outside the valid range [0, 100]")


async def test_api_answers_lead_with_vietnamese(
    start_ingest: StartIngest, issue_key: IssueKey
) -> None:
    key = await issue_key(AGENCY)
    bad: dict[str, Any] = {
        "event_id": str(uuid4()),
        "agency": AGENCY,
        "indicator": "no.such-indicator",
        "scope": "province",
        "observed_at": "2023-06-30T00:00:00+07:00",
        "value": 1,
    }
    async with start_ingest() as ingest:
        no_key = await ingest.client.post("/v1/events", json=bad)
        refused = await ingest.client.post("/v1/events", json=bad, headers={"X-API-Key": key.key})
        not_json = await ingest.client.post(
            "/v1/events",
            content=b"{",
            headers={"X-API-Key": key.key, "Content-Type": "application/json"},
        )
        csv = await ingest.client.post(
            "/v1/reports/csv",
            content="indicator,scope,observed_at,value\nno.such,province,2023-06-30,x\n",
            headers={"X-API-Key": key.key, "Content-Type": "text/csv"},
        )
    for response in (no_key, refused, not_json, csv):
        body = response.json()
        assert _vietnamese_first(body["detail"]), body["detail"]
        for error in body.get("errors", []):
            assert _vietnamese_first(error["reason"]), error["reason"]
    assert (no_key.status_code, not_json.status_code) == (401, 422)
    assert refused.status_code in (403, 422)
    assert csv.status_code == 422
