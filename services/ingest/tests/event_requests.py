"""Events as an agency posts them to ingest in the tests, and its key as a header."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

# Granted in the shipped catalog: every department may publish the paperless rate for
# itself; only vp-ubnd may publish it for the province. so-tttt publishes the count of
# digital-technology enterprises for the province.
AGENCY = "so-tttt"


def event(**fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid4()),
        "indicator": "dvc.paperless-rate",
        "scope": AGENCY,
        "observed_at": "2023-06-30T17:00:00+07:00",
        "value": 37.5,
        "numerator": 731,
        "denominator": 1950,
        **fields,
    }


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
