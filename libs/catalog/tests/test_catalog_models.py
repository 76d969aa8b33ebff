"""The catalog models (ioc_contracts.catalog) check each entry on its own."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from ioc_contracts.catalog import (
    Cadence,
    Catalog,
    EscalationLevel,
    Indicator,
    Language,
    Recipient,
    Target,
)


def indicator(**changes: Any) -> Indicator:
    fields: dict[str, Any] = {
        "code": "dvc.ontime-rate",
        "name_vi": "Tỷ lệ hồ sơ đúng hạn",
        "name_en": "On-time dossiers",
        "domain": "dich-vu-cong",
        "unit": "percent",
        "direction": "higher_is_better",
        "cadence": "daily",
        "rollup": "last",
        "publishers": [{"agency": "departments", "scopes": ["own"]}],
    }
    return Indicator.model_validate(fields | changes)


def target(**changes: Any) -> Target:
    fields: dict[str, Any] = {
        "code": "dvc.ontime-95",
        "indicator": "dvc.ontime-rate",
        "scope": "province",
        "kind": "floor",
        "value": 95,
        "severity": "warning",
        "title_vi": "Đúng hạn ≥ 95%",
        "title_en": "On time ≥ 95%",
    }
    return Target.model_validate(fields | changes)


def test_percent_defaults_to_0_100_and_can_be_overridden() -> None:
    assert (indicator().min_value, indicator().max_value) == (0, 100)
    growth = indicator(min_value=-100)
    assert (growth.min_value, growth.max_value) == (-100, 100)
    assert not indicator().accepts(100.5)
    assert growth.accepts(-3.2)


def test_rank_starts_at_one_and_has_no_default_maximum() -> None:
    rank = indicator(unit="rank", direction="lower_is_better")

    assert (rank.min_value, rank.max_value) == (1, None)


def test_min_above_max_is_refused() -> None:
    with pytest.raises(ValidationError, match="min_value is greater than max_value"):
        indicator(unit="score", min_value=10, max_value=5)


@pytest.mark.parametrize("code", ["A-upper", "x", "-leading", "dvc/slash", "đ-diacritic", "a" * 65])
def test_bad_indicator_codes(code: str) -> None:
    with pytest.raises(ValidationError, match="code"):
        indicator(code=code)


def test_unknown_fields_are_refused_and_entries_are_frozen() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        indicator(colour="red")
    entry = indicator()
    with pytest.raises(ValidationError, match="frozen"):
        entry.code = "other"  # type: ignore[misc]


def test_cadence_intervals_take_the_longest_period() -> None:
    assert Cadence.DAILY.interval() == timedelta(days=1)
    assert Cadence.MONTHLY.interval() == timedelta(days=31)
    assert Cadence.QUARTERLY.interval() == timedelta(days=92)
    assert Cadence.YEARLY.interval() == timedelta(days=366)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value": None}, "a floor target needs a value"),
        ({"kind": "deadline"}, "a deadline is required"),
        ({"deadline": "2023-06-30"}, "a deadline is required for, and only for"),
        ({"kind": "freshness", "value": 0}, "must be positive"),
        (
            {
                "kind": "deadline",
                "deadline": "2023-06-30",
                "baseline": {"value": 37, "at": "2023-07-01"},
            },
            "baseline must be dated before the deadline",
        ),
        (
            {
                "escalation": [
                    {"after_minutes": 60, "notify": ["a1"]},
                    {"after_minutes": 60, "notify": ["b1"]},
                ]
            },
            "strictly increasing",
        ),
        ({"severity": "urgent"}, "severity"),
    ],
)
def test_target_rules(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        target(**changes)


def test_freshness_target_needs_no_value() -> None:
    assert target(kind="freshness", value=None).value is None


def test_escalation_after_is_a_duration() -> None:
    assert EscalationLevel(after_minutes=90, notify=("a1",)).after == timedelta(minutes=90)


def test_recipient_defaults_to_vietnamese_and_keeps_chat_ids_as_text() -> None:
    recipient = Recipient.model_validate(
        {
            "id": "truc-ban-ioc",
            "name": "Trực ban",
            "role_vi": "Trực ban IOC",
            "telegram_chat_id": -1001234567890,
        }
    )

    assert recipient.language is Language.VI
    assert recipient.telegram_chat_id == "-1001234567890"
    with pytest.raises(ValidationError, match="Extra inputs"):
        Recipient.model_validate({"id": "ab", "name": "x", "role_vi": "y", "phone": "1"})


def test_deadline_dates_parse_from_text() -> None:
    deadline = target(kind="deadline", value=100, deadline="2023-06-30")

    assert deadline.deadline == date(2023, 6, 30)


def test_empty_catalog_is_a_catalog() -> None:
    assert Catalog().indicators == ()
