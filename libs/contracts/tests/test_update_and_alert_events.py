"""SeriesUpdated and AlertStateChanged: what they accept and each way they are refused."""

from datetime import UTC

import pytest

from ioc_contracts import AlertState, AlertStateChanged, RiskStatus, SeriesUpdated, Severity

from .event_samples import EVENT_ID, alert_fields, refusal, refused_fields, series_updated_fields


def test_series_updated_refuses_more_ids_than_observations() -> None:
    other_id = "0b8e4c1a-3f2d-4e6b-a9c7-5d1e2f3a4b5c"
    fields = series_updated_fields(new_observations=1, event_ids=[EVENT_ID, other_id])

    assert "event_ids lists more events than new_observations" in str(
        refusal(SeriesUpdated, fields)
    )


def test_series_updated_refuses_empty_batch_and_names_its_series() -> None:
    assert "new_observations" in refused_fields(
        SeriesUpdated, series_updated_fields(new_observations=0)
    )
    assert (
        SeriesUpdated.model_validate(series_updated_fields()).series_key == "grdp.growth|province"
    )


def test_alert_state_change_parses_enums() -> None:
    alert = AlertStateChanged.model_validate(alert_fields())

    assert alert.state is AlertState.ACKNOWLEDGED
    assert alert.previous_state is AlertState.FIRING
    assert alert.risk_status is RiskStatus.AT_RISK
    assert alert.severity is Severity.CRITICAL
    assert alert.changed_at.tzinfo == UTC


def test_alert_first_firing_has_no_previous_state() -> None:
    alert = AlertStateChanged.model_validate(
        alert_fields(state="firing", previous_state=None, changed_by=None, current_value=None)
    )

    assert alert.previous_state is None


def test_alert_that_does_not_change_state_is_refused() -> None:
    message = str(refusal(AlertStateChanged, alert_fields(state="firing", previous_state="firing")))

    assert "previous_state and state" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [("risk_status", "unknown"), ("severity", "high"), ("state", "open"), ("summary_vi", "")],
)
def test_alert_with_bad_field_is_refused(field: str, value: str) -> None:
    assert field in refused_fields(AlertStateChanged, alert_fields(**{field: value}))
