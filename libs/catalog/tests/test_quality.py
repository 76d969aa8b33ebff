"""Data-quality checks on one figure (pure), with the seed report's own odd figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from ioc_catalog.quality import FigureRules, ValueRange, figure_findings, needs_previous, too_old
from ioc_contracts.catalog import CheckAction, QualityCheck, QualityChecks, Unit

PERCENT = FigureRules(ValueRange(0.0, 100.0), Unit.PERCENT)


def checks(rules: FigureRules, **figure: float) -> list[tuple[QualityCheck, CheckAction]]:
    return [(f.check, f.action) for f in figure_findings(rules, **figure)]


def test_the_seed_reports_rate_misread_as_thirty_six_thousand_is_out_of_range() -> None:
    # "36,555%" in the report is 36.555 %, a Vietnamese decimal comma.
    assert checks(PERCENT, value=36555) == [(QualityCheck.OUT_OF_RANGE, CheckAction.REFUSE)]
    assert checks(PERCENT, value=36.555, numerator=692, denominator=1893) == []


def test_a_value_that_disagrees_with_its_counts_is_flagged_beyond_the_tolerance() -> None:
    assert checks(PERCENT, value=36.9, numerator=692, denominator=1893) == []
    assert checks(PERCENT, value=37.2, numerator=692, denominator=1893) == [
        (QualityCheck.RATIO_MISMATCH, CheckAction.FLAG)
    ]
    # Two totals of online services in the report, 1,893 and 1,950: the paperless rate's
    # "37%" is 731 / 1,950 rounded (37.49, within half a point); over the other total the
    # same 731 would be 38.6 %, so a figure mixing the two totals is flagged.
    assert checks(PERCENT, value=37, numerator=731, denominator=1950) == []
    assert checks(PERCENT, value=37, numerator=731, denominator=1893) == [
        (QualityCheck.RATIO_MISMATCH, CheckAction.FLAG)
    ]
    loose = FigureRules(PERCENT.range, Unit.PERCENT, checks=QualityChecks(ratio_tolerance=2))
    assert checks(loose, value=37, numerator=731, denominator=1893) == []


def test_a_numerator_above_its_denominator_is_refused_and_named() -> None:
    [finding] = figure_findings(
        FigureRules(unit=Unit.COUNT), value=800, numerator=800, denominator=700
    )
    assert finding.check is QualityCheck.NUMERATOR_ABOVE_DENOMINATOR
    assert finding.refuses
    assert finding.field == "numerator"
    assert finding.reason.startswith("tử số 800 lớn hơn mẫu số 700")


def test_checks_against_the_figure_before_are_off_unless_the_catalog_turns_them_on() -> None:
    assert not needs_previous(PERCENT)
    assert checks(PERCENT, value=10, previous=90) == []
    counter = FigureRules(
        unit=Unit.COUNT, checks=QualityChecks(counter_decrease=CheckAction.REFUSE)
    )
    assert needs_previous(counter)
    assert checks(counter, value=139_000, previous=139_525) == [
        (QualityCheck.COUNTER_DECREASE, CheckAction.REFUSE)
    ]
    assert checks(counter, value=139_525, previous=139_000) == []
    jumpy = FigureRules(
        PERCENT.range, Unit.PERCENT, checks=QualityChecks(jump=CheckAction.FLAG, max_change=25)
    )
    assert checks(jumpy, value=62, previous=37) == []
    assert checks(jumpy, value=62.5, previous=37) == [(QualityCheck.JUMP, CheckAction.FLAG)]


def test_a_check_turned_off_finds_nothing() -> None:
    off = FigureRules(
        PERCENT.range, Unit.PERCENT, checks=QualityChecks(out_of_range=CheckAction.OFF)
    )
    assert checks(off, value=150) == []


def test_the_jump_check_needs_a_size() -> None:
    with pytest.raises(ValidationError, match="max_change"):
        QualityChecks(jump=CheckAction.FLAG)


def test_the_floor_is_the_start_of_its_day_in_vietnam() -> None:
    rules = FigureRules(observed_since=date(2022, 1, 1))
    assert too_old(rules, datetime(2021, 12, 31, 17, 0, tzinfo=UTC)) is None  # 00:00 +07
    reason = too_old(rules, datetime(2021, 12, 31, 16, 59, tzinfo=UTC))
    assert reason is not None
    assert "01/01/2022" in reason
    assert too_old(FigureRules(), datetime(1000, 6, 30, tzinfo=UTC)) is not None
