"""The OpenAPI document: request bodies are read by hand (for 413/415 and per-event
errors), so their schemas are added here, derived from the IndicatorEvent contract."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ioc_contracts import IndicatorEvent
from ioc_ingest.domain.csv_report import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

EVENT_SUBMISSION = "EventSubmission"
EVENT_BATCH = "EventBatch"

DESCRIPTION = """\
The HTTP gateway of IOC monitor (Bình Dương Intelligent Operations Center): agencies
publish indicator figures, which go to Kafka topic `ioc.indicator-events` under the
IndicatorEvent v1 contract.

**Authentication.** Every `/v1` request carries the agency's API key, as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. The agency is taken from the key,
never from the body: an event may leave `agency` out, and if it names one, it must be
the key's (403 otherwise). An agency publishes only the indicators and scopes the
catalog grants it (403 naming the indicator otherwise).

**All or nothing.** Every event of a request (every row of a CSV report) is checked
before anything is published. If any is refused, nothing is published and the answer
lists every problem (`index` = position in the request, `field`, `reason`); fix them
and send the whole request again. `202` means Kafka acknowledged every event (acks=all).

**Retrying.** `503` (Kafka or the database unavailable) and `429` (rate limit) carry
`Retry-After`. After a 503, send the same events with the same `event_id`: the
aggregator stores each `event_id` once, so a retry never duplicates a figure.

**Reading back.** `GET /v1/series/{indicator}/{scope}` gives a series the catalog
grants the agency: its figures of record, each with every revision (who sent it, when,
which one is of record, data-quality flags). `GET /v1/events/{event_id}` tells what
became of one of the agency's own events: stored (and whether it is the figure of
record) or refused by the pipeline, with the reason. Another agency's series or event
is `404`, as an unknown one is. Messages are Vietnamese first, times in +07:00.

**Encoding.** A JSON body is UTF-8, or UTF-16 or UTF-32 (told apart by its first bytes,
as PowerShell and .NET write it); a CSV report is UTF-8.

**Compression.** A body may be sent compressed with `Content-Encoding: gzip` or
`deflate` (a batch of events shrinks about tenfold); the size limit holds for it as sent
and once unpacked (413), and a body that does not unpack is 400. Other codings are 415,
with the codings taken in `Accept-Encoding`.

**Limits.** Body size (413), `Content-Type` given once and a coding taken (415), events
per request, string lengths, value ranges from the catalog and timestamps
too far in the future (422), and a rate limit per agency (429). A query parameter given
twice or one the path does not take is 422, as is a field named twice in an event; two
different keys in one request are 401. In a URL, a time's `+07:00` may be written as it
is. Every request is recorded in the audit log.
"""

CSV_EXAMPLE = (
    "indicator,scope,observed_at,value,numerator,denominator,note\n"
    "dvc.paperless-rate,so-tttt,2023-06-30T17:00:00+07:00,37.5,731,1950,\n"
    "cds.dataset-completion-rate,so-tttt,2023-06-30T17:00:00+07:00,80,,,Ước tính\n"
)


def event_submission_schema() -> dict[str, Any]:
    """IndicatorEvent as an agency sends it: `agency` optional (it comes from the key)."""
    schema = copy.deepcopy(IndicatorEvent.model_json_schema())
    schema["title"] = EVENT_SUBMISSION
    schema["required"] = [name for name in schema["required"] if name != "agency"]
    schema["properties"]["agency"]["description"] = (
        "Optional. Filled in from the API key; if given, it must be the key's agency (403)."
    )
    return schema


def event_batch_schema(max_batch: int) -> dict[str, Any]:
    return {
        "title": EVENT_BATCH,
        "type": "object",
        "additionalProperties": False,
        "required": ["events"],
        "properties": {
            "events": {
                "type": "array",
                "minItems": 1,
                "maxItems": max_batch,
                "items": {"$ref": f"#/components/schemas/{EVENT_SUBMISSION}"},
            }
        },
    }


def events_request_body() -> dict[str, Any]:
    example_event = {
        "event_id": "6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11",
        "indicator": "dvc.paperless-rate",
        "scope": "so-tttt",
        "observed_at": "2023-06-30T17:00:00+07:00",
        "value": 37.5,
        "numerator": 731,
        "denominator": 1950,
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": f"#/components/schemas/{EVENT_SUBMISSION}"},
                            {"$ref": f"#/components/schemas/{EVENT_BATCH}"},
                        ]
                    },
                    "examples": {
                        "one event": {"value": example_event},
                        "a batch": {"value": {"events": [example_event]}},
                    },
                }
            },
        }
    }


def csv_request_body() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": f"UTF-8 CSV with a header row. Columns: {', '.join(REQUIRED_COLUMNS)}"
            f"; optional: {', '.join(OPTIONAL_COLUMNS)}.",
            "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}},
        }
    }


class IngestApi(FastAPI):
    """FastAPI with the hand-read request bodies' schemas in its OpenAPI document."""

    max_batch: int = 500

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            document = get_openapi(
                title=self.title,
                version=self.version,
                description=self.description,
                routes=self.routes,
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas[EVENT_SUBMISSION] = event_submission_schema()
            schemas[EVENT_BATCH] = event_batch_schema(self.max_batch)
            self.openapi_schema = document
        return self.openapi_schema
