"""A 422 whose quoted name or value holds a lone UTF-16 surrogate is still an answer:
FastAPI's own could not be encoded (a 500, or a dropped connection)."""

from __future__ import annotations

import json

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request

from ioc_alerts.api.strict_json import readable_validation_answer


async def test_every_text_of_the_answer_is_encodable_and_keeps_its_escape() -> None:
    error = RequestValidationError(
        [
            {
                "type": "string_type",
                "loc": ("body", "tags", "a\ud800"),
                "msg": "Input should be a valid string",
                "input": {"k\udc00": ["x\ud800"]},
            }
        ]
    )
    answer = await readable_validation_answer(Request({"type": "http"}), error)
    assert answer.status_code == 422
    [problem] = json.loads(bytes(answer.body))["detail"]
    assert problem["loc"] == ["body", "tags", "a\\ud800"]
    assert problem["input"] == {"k\\udc00": ["x\\ud800"]}
