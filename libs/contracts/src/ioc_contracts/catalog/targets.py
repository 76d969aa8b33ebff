"""Targets: commitments about one series, and who is told when one is at risk."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import Field, model_validator

from ioc_contracts.catalog.entry import CatalogEntry, Text
from ioc_contracts.status import Severity
from ioc_contracts.types import CatalogCode, Code


class TargetKind(StrEnum):
    DEADLINE = "deadline"  # reach `value` by `deadline`
    FLOOR = "floor"  # keep at least `value`
    CEILING = "ceiling"  # keep at most `value`
    RANK = "rank"  # a ranking at `value` or better
    FRESHNESS = "freshness"  # report within the cadence (or within `value` days)


class Baseline(CatalogEntry):
    """Where the series stood when the target was set."""

    value: float = Field(allow_inf_nan=False, description="The figure at that date.")
    at: date = Field(description="Date the baseline figure was true.")


class EscalationLevel(CatalogEntry):
    """Who is notified once an alert has gone unacknowledged this long."""

    after_minutes: int = Field(
        ge=0, description="Minutes after the alert fired; 0 notifies at once.", examples=[0, 240]
    )
    notify: tuple[CatalogCode, ...] = Field(min_length=1, description="Recipient ids.")

    @property
    def after(self) -> timedelta:
        return timedelta(minutes=self.after_minutes)


class Target(CatalogEntry):
    """A commitment about one series (indicator + scope)."""

    code: CatalogCode = Field(description="Stable target code.", examples=["dvc.paperless-100"])
    indicator: CatalogCode = Field(description="Indicator code.")
    scope: Code = Field(description="'province' or the code of a department or district.")
    kind: TargetKind = Field(description="deadline, floor, ceiling, rank or freshness.")
    value: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="The figure to reach or keep; for freshness, an optional maximum age "
        "in days (the indicator's cadence when left out).",
    )
    deadline: date | None = Field(default=None, description="Due date (deadline kind only).")
    baseline: Baseline | None = Field(default=None, description="Starting point, if known.")
    severity: Severity = Field(description="How loudly an alert on this target is sent.")
    escalation: tuple[EscalationLevel, ...] = Field(
        default=(), description="Notification levels, ordered by `after_minutes`."
    )
    title_vi: Text = Field(description="Title shown in Vietnamese messages.")
    title_en: Text = Field(description="Title shown in English messages.")

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Target:
        if self.kind is not TargetKind.FRESHNESS and self.value is None:
            raise ValueError(f"a {self.kind} target needs a value")
        if self.kind is TargetKind.FRESHNESS and self.value is not None and self.value <= 0:
            raise ValueError("a freshness target's value (days) must be positive")
        if (self.kind is TargetKind.DEADLINE) != (self.deadline is not None):
            raise ValueError("a deadline is required for, and only for, deadline targets")
        if self.baseline and self.deadline and self.baseline.at >= self.deadline:
            raise ValueError("the baseline must be dated before the deadline")
        waits = [level.after_minutes for level in self.escalation]
        if waits != sorted(set(waits)):
            raise ValueError("escalation levels must have strictly increasing after_minutes")
        return self
