"""The domains and the indicators the IOC tracks in them, with who may publish each."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from ioc_contracts.catalog.entry import CatalogEntry, Text
from ioc_contracts.catalog.formulas import Formula
from ioc_contracts.catalog.quality import QualityChecks
from ioc_contracts.types import CatalogCode, Code


class Unit(StrEnum):
    PERCENT = "percent"
    COUNT = "count"
    RANK = "rank"
    RATIO = "ratio"
    SCORE = "score"
    DAYS = "days"
    HOURS = "hours"
    VND = "vnd"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    def interval(self) -> timedelta:
        """The longest time between two reports that still keeps this cadence.

        Calendar periods vary in length; taking the longest (31-day month, 92-day
        quarter, leap year) means a series is never called stale before its period
        could have ended.
        """
        return _CADENCE_INTERVALS[self]


_CADENCE_INTERVALS = {
    Cadence.DAILY: timedelta(days=1),
    Cadence.WEEKLY: timedelta(days=7),
    Cadence.MONTHLY: timedelta(days=31),
    Cadence.QUARTERLY: timedelta(days=92),
    Cadence.YEARLY: timedelta(days=366),
}


# Days after a period ends by which its figure is due, unless an indicator sets its own:
# a monthly report by the 5th of the next month, as the province's agencies report now.
DEFAULT_DUE_DAYS = {
    Cadence.DAILY: 1,
    Cadence.WEEKLY: 2,
    Cadence.MONTHLY: 5,
    Cadence.QUARTERLY: 10,
    Cadence.YEARLY: 15,
}


class Rollup(StrEnum):
    LAST = "last"
    SUM = "sum"
    MEAN = "mean"


# Unit-implied bounds, used when an indicator leaves min/max out. Ranks start at 1;
# a percent outside 0..100 is a unit mistake, not a figure.
_DEFAULT_BOUNDS: dict[Unit, tuple[float | None, float | None]] = {
    Unit.PERCENT: (0.0, 100.0),
    Unit.COUNT: (0.0, None),
    Unit.RANK: (1.0, None),
}


class Domain(CatalogEntry):
    """One of the IOC's socio-economic domains ("lĩnh vực")."""

    code: CatalogCode = Field(
        description="Stable code, lowercase ASCII.", examples=["dich-vu-cong"]
    )
    name_vi: Text = Field(description="Vietnamese name.", examples=["Dịch vụ công trực tuyến"])
    name_en: Text = Field(description="English name.", examples=["Online public services"])


class PublishGrant(CatalogEntry):
    """Who may publish an indicator, and for whose figures."""

    agency: Code = Field(
        description="An agency code, or 'departments' / 'districts' for every agency of that "
        "kind (each then reading 'own' as itself).",
        examples=["so-tttt", "departments"],
    )
    scopes: tuple[Code, ...] = Field(
        min_length=1,
        description="Scopes it may publish for: agency codes, or 'own' (the publisher's own "
        "code), 'departments' (every department), 'districts' (every district), 'province'.",
        examples=[["own"], ["province", "districts"]],
    )


# The catalog-wide floor of observed_at: no figure the IOC tracks is older, and a floor
# keeps a careless or hostile batch from creating a hypertable chunk per ancient date.
DEFAULT_OBSERVED_SINCE = date(2010, 1, 1)


class Indicator(CatalogEntry):
    """A figure the IOC tracks ("chỉ số")."""

    code: CatalogCode = Field(description="Stable catalog code.", examples=["dvc.ontime-rate"])
    name_vi: Text = Field(
        description="Vietnamese name.", examples=["Tỷ lệ hồ sơ giải quyết đúng hạn"]
    )
    name_en: Text = Field(description="English name.", examples=["Dossiers resolved on time"])
    domain: CatalogCode = Field(description="Code of the domain the indicator belongs to.")
    unit: Unit = Field(description="Unit of `value` in events about this indicator.")
    direction: Direction = Field(description="Which way is better.")
    cadence: Cadence = Field(description="How often a new figure is expected.")
    rollup: Rollup = Field(description="How figures combine over a time bucket.")
    publishers: tuple[PublishGrant, ...] = Field(
        min_length=1, description="Agencies allowed to publish it, and for which scopes."
    )
    min_value: float | None = Field(
        default=None, allow_inf_nan=False, description="Smallest valid value (percent: 0)."
    )
    max_value: float | None = Field(
        default=None, allow_inf_nan=False, description="Largest valid value (percent: 100)."
    )
    description_vi: str | None = Field(
        default=None, max_length=2000, description="What the figure counts, in Vietnamese."
    )
    observed_since: date | None = Field(
        default=None,
        description="Earliest observed_at accepted (the first reporting period); "
        f"the catalog-wide default is {DEFAULT_OBSERVED_SINCE.isoformat()}.",
    )
    quality: QualityChecks = Field(
        default_factory=QualityChecks, description="Data-quality checks on its figures."
    )
    formula: Formula | None = Field(
        default=None,
        description="Derived indicators only: how its figures follow from other series.",
    )
    due_day: int | None = Field(
        default=None,
        ge=1,
        le=90,
        description="The reporting calendar: a period's figure is due by the end of this "
        "day after the period ends, in Vietnam time (5: monthly by the 5th of the next "
        "month). The cadence's default when left out.",
    )

    @property
    def due_days(self) -> int:
        """The due day in force: the indicator's own or its cadence's default."""
        return self.due_day if self.due_day is not None else DEFAULT_DUE_DAYS[self.cadence]

    @model_validator(mode="before")
    @classmethod
    def _unit_bounds(cls, data: Any) -> Any:
        unit = data.get("unit") if isinstance(data, dict) else None
        if not isinstance(unit, str) or unit not in _DEFAULT_BOUNDS:
            return data
        low, high = _DEFAULT_BOUNDS[Unit(unit)]
        given = {key: item for key, item in data.items() if item is not None}
        return {"min_value": low, "max_value": high, **given}

    @model_validator(mode="after")
    def _bounds_ordered(self) -> Indicator:
        low, high = self.min_value, self.max_value
        if low is not None and high is not None and low > high:
            raise ValueError("min_value is greater than max_value")
        return self

    @property
    def earliest_observed(self) -> date:
        """The floor of observed_at in force: the indicator's own, else the catalog's."""
        return self.observed_since or DEFAULT_OBSERVED_SINCE

    def accepts(self, value: float) -> bool:
        """Whether a value lies within the indicator's valid range."""
        if self.min_value is not None and value < self.min_value:
            return False
        return self.max_value is None or value <= self.max_value
