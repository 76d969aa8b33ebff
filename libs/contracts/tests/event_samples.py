"""Valid example events to vary one field of, and what a refusal names."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

EVENT_ID = "6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11"


def indicator_event_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event_id": EVENT_ID,
        "agency": "so-tttt",
        "indicator": "dvc.online-rate",
        "scope": "province",
        "observed_at": "2024-06-30T17:00:00+07:00",
        "value": 85.0,
        "numerator": 850,
        "denominator": 1000,
        "reported_at": "2024-07-02T08:30:00+07:00",
        "source": "Cổng dịch vụ công",
        "note": "Ước tính",
    }
    fields.update(overrides)
    return fields


def series_updated_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "indicator": "grdp.growth",
        "scope": "province",
        "latest_observed_at": "2024-06-30T10:00:00Z",
        "latest_value": 6.1,
        "new_observations": 2,
        "event_ids": [EVENT_ID],
        "updated_at": "2024-07-02T01:30:05Z",
    }
    fields.update(overrides)
    return fields


def alert_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "alert_id": "0b8e4c1a-3f2d-4e6b-a9c7-5d1e2f3a4b5c",
        "target_id": "grdp.growth-2025",
        "indicator": "grdp.growth",
        "scope": "province",
        "state": "acknowledged",
        "previous_state": "firing",
        "risk_status": "at_risk",
        "severity": "critical",
        "current_value": 6.1,
        "changed_at": "2024-07-02T01:31:00Z",
        "changed_by": "pct.ubnd@binhduong.gov.vn",
        "summary_vi": "Tăng trưởng GRDP dưới mức cần đạt.",
        "summary_en": "GRDP growth below the required pace.",
    }
    fields.update(overrides)
    return fields


def refusal(model: type[BaseModel], fields: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(fields)
    return caught.value


def refused_fields(model: type[BaseModel], fields: dict[str, Any]) -> set[str]:
    """Fields the error message names: pydantic prints each location on its own line."""
    error = refusal(model, fields)
    named = {str(detail["loc"][0]) for detail in error.errors() if detail["loc"]}
    assert named <= set(str(error).splitlines())
    return named
