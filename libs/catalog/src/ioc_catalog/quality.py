"""Data-quality checks on one figure, as the catalog sets them per indicator.

Pure: the ingest gateway and the aggregator both call `figure_findings`, so a figure is
judged the same way whichever path it took. Checks that need the figure before it in
the series (a counter going down, a jump) get that figure from the caller; the gateway
has none and leaves them to the aggregator.

Reasons are Vietnamese first, then English: an agency's data officer reads them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from ioc_contracts.catalog import (
    DEFAULT_OBSERVED_SINCE,
    CheckAction,
    Indicator,
    QualityCheck,
    QualityChecks,
    Unit,
)
from ioc_contracts.types import VIETNAM_TIME

# numerator ÷ denominator in the indicator's unit; other units carry no ratio.
_RATIO_SCALE = {Unit.PERCENT: 100.0, Unit.RATIO: 1.0}


@dataclass(frozen=True, slots=True)
class ValueRange:
    """The valid range of an indicator's values; None is open-ended."""

    low: float | None
    high: float | None

    def accepts(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        low = "-∞" if self.low is None else f"{self.low:g}"
        high = "+∞" if self.high is None else f"{self.high:g}"
        return f"[{low}, {high}]"


@dataclass(frozen=True, slots=True)
class FigureRules:
    """What the catalog says about every figure of one indicator."""

    range: ValueRange = ValueRange(None, None)
    unit: Unit | None = None
    observed_since: date = DEFAULT_OBSERVED_SINCE
    checks: QualityChecks = field(default_factory=QualityChecks)

    @classmethod
    def of(cls, indicator: Indicator) -> FigureRules:
        return cls(
            ValueRange(indicator.min_value, indicator.max_value),
            indicator.unit,
            indicator.earliest_observed,
            indicator.quality,
        )

    @property
    def earliest_observed_at(self) -> datetime:
        """The floor as an instant: the start of that day in Vietnam (in UTC, so that the
        comparison on every event's hot path needs no time-zone lookup)."""
        return _start_of_day(self.observed_since)


@functools.lru_cache(maxsize=256)
def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM_TIME).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Finding:
    """One check a figure failed, what the catalog says to do, and why, in words."""

    check: QualityCheck
    action: CheckAction
    field: str
    reason: str

    @property
    def refuses(self) -> bool:
        return self.action is CheckAction.REFUSE


def too_old(rules: FigureRules, observed_at: datetime) -> str | None:
    """Why observed_at lies before the indicator's floor, or None when it does not."""
    floor = rules.earliest_observed_at
    if observed_at >= floor:
        return None
    since = rules.observed_since.strftime("%d/%m/%Y")
    return (
        f"thời điểm {observed_at.isoformat()} sớm hơn ngày {since}, kỳ báo cáo đầu tiên "
        f"của chỉ số / {observed_at.isoformat()} is earlier than {rules.observed_since}, "
        "the indicator's first reporting period"
    )


def figure_findings(
    rules: FigureRules,
    *,
    value: float,
    numerator: float | None = None,
    denominator: float | None = None,
    previous: float | None = None,
) -> list[Finding]:
    """Every check the figure fails and the catalog has not turned off.

    `previous` is the figure of record just before this one in its series, when the
    caller knows it.
    """
    found: list[Finding] = []
    if not rules.range.accepts(value):
        _note(
            found,
            rules,
            QualityCheck.OUT_OF_RANGE,
            "value",
            f"giá trị {value:g} nằm ngoài khoảng hợp lệ {rules.range.describe()} / "
            f"{value:g} is outside the valid range {rules.range.describe()}",
        )
    if numerator is not None and denominator is not None:
        if numerator > denominator:
            _note(
                found,
                rules,
                QualityCheck.NUMERATOR_ABOVE_DENOMINATOR,
                "numerator",
                f"tử số {numerator:g} lớn hơn mẫu số {denominator:g} / "
                f"numerator {numerator:g} exceeds denominator {denominator:g}",
            )
        scale = _RATIO_SCALE.get(rules.unit) if rules.unit is not None else None
        if scale is not None and denominator > 0:
            expected = numerator / denominator * scale
            if abs(value - expected) > rules.checks.ratio_tolerance:
                _note(
                    found,
                    rules,
                    QualityCheck.RATIO_MISMATCH,
                    "value",
                    f"giá trị {value:g} khác tỷ lệ tử số/mẫu số {expected:.4g} quá "
                    f"{rules.checks.ratio_tolerance:g} / {value:g} differs from "
                    f"numerator ÷ denominator = {expected:.4g} by more than "
                    f"{rules.checks.ratio_tolerance:g}",
                )
    if previous is not None:
        if value < previous:
            _note(
                found,
                rules,
                QualityCheck.COUNTER_DECREASE,
                "value",
                f"số cộng dồn giảm từ {previous:g} xuống {value:g} / "
                f"the cumulative count fell from {previous:g} to {value:g}",
            )
        limit = rules.checks.max_change
        if limit is not None and abs(value - previous) > limit:
            _note(
                found,
                rules,
                QualityCheck.JUMP,
                "value",
                f"thay đổi {value - previous:+g} so với số liệu trước ({previous:g}) vượt "
                f"mức cho phép {limit:g} / a change of {value - previous:+g} from the figure "
                f"before ({previous:g}) exceeds the allowed {limit:g}",
            )
    return found


def _note(
    found: list[Finding], rules: FigureRules, check: QualityCheck, field_name: str, reason: str
) -> None:
    """Adds the failed check unless the catalog turned it off. A module function, not a
    closure: building one on every call cost more than every check of a sound figure."""
    action = rules.checks.action(check)
    if action is not CheckAction.OFF:
        found.append(Finding(check, action, field_name, reason))


def needs_previous(rules: FigureRules) -> bool:
    """Whether a check of this indicator compares a figure with the one before it."""
    return (
        rules.checks.counter_decrease is not CheckAction.OFF
        or rules.checks.jump is not CheckAction.OFF
    )
