"""Screening events against grants, value ranges and the future limit (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from ioc_catalog.policy import Grant, PublishPolicy
from ioc_contracts.catalog import Unit
from ioc_ingest.domain.problems import EventProblem, ProblemKind
from ioc_ingest.domain.screening import ScreeningRules, screen_events
from ioc_storage.catalog_read import FigureRules, ValueRange

NOW = datetime(2023, 7, 1, 3, 0, tzinfo=UTC)

RULES = ScreeningRules(
    policy=PublishPolicy(
        ["so-tttt", "vp-ubnd", "so-nv"],
        [
            Grant("so-tttt", "dvc.paperless-rate", "so-tttt"),
            Grant("vp-ubnd", "dvc.paperless-rate", "province"),
            Grant("so-tttt", "cds.digital-enterprises", "province"),
        ],
    ),
    figures={
        "dvc.paperless-rate": FigureRules(ValueRange(0.0, 100.0), Unit.PERCENT),
        "cds.digital-enterprises": FigureRules(ValueRange(0.0, None), Unit.COUNT),
    },
    max_future=timedelta(days=1),
)


def event(**fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid4()),
        "indicator": "dvc.paperless-rate",
        "scope": "so-tttt",
        "observed_at": "2023-06-30T17:00:00+07:00",
        "value": 37.5,
        **fields,
    }


def screen(*items: object, agency: str = "so-tttt") -> list[EventProblem]:
    return list(screen_events(items, agency=agency, rules=RULES, now=NOW).problems)


def test_a_granted_event_passes_with_the_agency_of_the_credential() -> None:
    screening = screen_events([event()], agency="so-tttt", rules=RULES, now=NOW)
    assert screening.problems == ()
    [accepted] = screening.events
    assert accepted.agency == "so-tttt"
    assert accepted.observed_at == datetime(2023, 6, 30, 10, 0, tzinfo=UTC)


def test_the_body_may_name_the_same_agency() -> None:
    assert screen(event(agency="so-tttt")) == []


def test_another_agency_in_the_body_is_forbidden() -> None:
    [problem] = screen(event(agency="so-nv"))
    assert (problem.field, problem.kind) == ("agency", ProblemKind.FORBIDDEN)
    assert "comes from the credential" in problem.reason
    assert "'so-nv'" in problem.reason


def test_an_indicator_not_granted_is_forbidden_and_named() -> None:
    [problem] = screen(
        event(indicator="cds.digital-enterprises", scope="so-tttt"), agency="vp-ubnd"
    )
    assert problem.kind is ProblemKind.FORBIDDEN
    assert problem.field == "indicator"
    assert "cds.digital-enterprises" in problem.reason


def test_a_scope_not_granted_is_forbidden_and_names_indicator_and_scope() -> None:
    [problem] = screen(event(scope="province"))
    assert (problem.field, problem.kind) == ("scope", ProblemKind.FORBIDDEN)
    assert "dvc.paperless-rate" in problem.reason
    assert "'province'" in problem.reason


def test_an_unknown_indicator_is_invalid_and_named() -> None:
    [problem] = screen(event(indicator="dvc.no-such-thing"))
    assert (problem.field, problem.kind) == ("indicator", ProblemKind.INVALID)
    assert "unknown indicator 'dvc.no-such-thing'" in problem.reason


def test_a_value_outside_the_range_names_field_and_range() -> None:
    [problem] = screen(event(value=150))
    assert problem.field == "value"
    assert "150" in problem.reason
    assert "[0, 100]" in problem.reason


@pytest.mark.parametrize("value", [0, 100, 0.0, 99.99])
def test_range_bounds_are_inclusive(value: float) -> None:
    assert screen(event(value=value)) == []


def test_observed_at_up_to_the_limit_passes_and_beyond_is_refused() -> None:
    at_limit = (NOW + timedelta(days=1)).isoformat()
    beyond = (NOW + timedelta(days=1, seconds=1)).isoformat()
    assert screen(event(observed_at=at_limit)) == []
    [problem] = screen(event(observed_at=beyond))
    assert problem.field == "observed_at"
    assert "more than 1 day in the future" in problem.reason


def test_reported_at_too_far_ahead_is_refused_too() -> None:
    [problem] = screen(event(reported_at=(NOW + timedelta(days=3)).isoformat()))
    assert problem.field == "reported_at"


def test_contract_errors_name_the_field() -> None:
    problems = screen(event(colour="red", observed_at="2023-06-30T17:00:00"))
    by_field = {problem.field: problem.reason for problem in problems}
    assert by_field.keys() == {"colour", "observed_at"}
    assert "unknown field" in by_field["colour"]
    assert "no timezone" in by_field["observed_at"]


def test_a_missing_event_id_is_reported() -> None:
    item = event()
    del item["event_id"]
    [problem] = screen(item)
    assert (problem.field, problem.reason) == ("event_id", "required field is missing")


def test_the_ratio_rule_is_reported_without_pydantic_prefix() -> None:
    [problem] = screen(event(numerator=3))
    assert problem.reason.startswith("numerator and denominator must be given together")


def test_every_event_of_a_batch_is_screened_and_indexed() -> None:
    problems = screen(event(), event(value=-1), "not an object", event(indicator="x.unknown"))
    assert [(problem.index, problem.field) for problem in problems] == [
        (1, "value"),
        (2, None),
        (3, "indicator"),
    ]


def test_a_repeated_event_id_in_one_batch_is_refused() -> None:
    first = event()
    [problem] = screen(first, event(event_id=first["event_id"]))
    assert (problem.index, problem.field) == (1, "event_id")
    assert "index 0" in problem.reason


def test_forbidden_outranks_invalid_in_a_mixed_batch() -> None:
    screening = screen_events(
        [event(value=500), event(scope="province")], agency="so-tttt", rules=RULES, now=NOW
    )
    assert screening.forbidden
    assert screening.events == ()
