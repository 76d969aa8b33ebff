"""The IOC catalog as data: domains, indicators, agencies, targets and recipients.

These models check only what one entry can check about itself. Whatever needs a
second entry (an indicator's domain exists, a target's scope is one its indicator
may be published for) is checked by `ioc_catalog`'s loader, so a catalog can be
assembled piece by piece and reported on as a whole.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ioc_contracts.status import Severity
from ioc_contracts.types import CatalogCode, Code

Text = Annotated[str, Field(min_length=1, max_length=300)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class ScopeWord(StrEnum):
    """Words a publish grant may use instead of naming one agency."""

    OWN = "own"
    PROVINCE = "province"
    DISTRICTS = "districts"
    DEPARTMENTS = "departments"


# The province is both an agency and a scope under this one code, so that an agency's
# own scope is always its code (IndicatorEvent.agency and .scope use it alike).
PROVINCE_CODE = ScopeWord.PROVINCE.value

# Unit-implied bounds, used when an indicator leaves min/max out. Ranks start at 1;
# a percent outside 0..100 is a unit mistake, not a figure.
_DEFAULT_BOUNDS: dict[Unit, tuple[float | None, float | None]] = {
    Unit.PERCENT: (0.0, 100.0),
    Unit.COUNT: (0.0, None),
    Unit.RANK: (1.0, None),
}


class Domain(_Entry):
    """One of the IOC's socio-economic domains ("lĩnh vực")."""

    code: CatalogCode = Field(
        description="Stable code, lowercase ASCII.", examples=["dich-vu-cong"]
    )
    name_vi: Text = Field(description="Vietnamese name.", examples=["Dịch vụ công trực tuyến"])
    name_en: Text = Field(description="English name.", examples=["Online public services"])


class PublishGrant(_Entry):
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


class CheckAction(StrEnum):
    """What a data-quality check does with a figure that fails it."""

    REFUSE = "refuse"  # 422 at ingest, the DLQ from Kafka
    FLAG = "flag"  # stored, with the check and its reason on the figure
    OFF = "off"


class QualityCheck(StrEnum):
    """The data-quality checks the catalog can turn on per indicator."""

    OUT_OF_RANGE = "out_of_range"
    NUMERATOR_ABOVE_DENOMINATOR = "numerator_above_denominator"
    RATIO_MISMATCH = "ratio_mismatch"
    COUNTER_DECREASE = "counter_decrease"
    JUMP = "jump"


class FormulaKind(StrEnum):
    """How a derived indicator follows from its inputs."""

    WEIGHTED_SUM = "weighted_sum"
    """Σ weight × input over indicators of the same scope: a sum (weights 1), a difference
    (weight −1), a weighted score."""
    SUM_OVER_SCOPES = "sum_over_scopes"
    """One input indicator summed over the child scopes (the districts, the departments)."""
    RATIO_OF_SUMS = "ratio_of_sums"
    """Σ numerators ÷ Σ denominators of one input over the child scopes, in the derived
    indicator's unit (percent ×100): never the mean of the children's rates."""


class MissingInputs(StrEnum):
    """What a derived figure does when some inputs have no figure for its period."""

    REQUIRE_ALL = "require_all"
    """No derived figure until every input has one (a total of parts must be whole)."""
    PARTIAL = "partial"
    """Computed from the inputs present; its lineage lists the missing ones."""


class Alignment(StrEnum):
    """Which input figures make one derived figure."""

    SAME_INSTANT = "same_instant"
    """Inputs observed at exactly the derived figure's observed_at."""
    PERIOD = "period"
    """Each input's latest figure within the derived indicator's cadence period (in
    Vietnam's calendar); the derived figure is observed at the latest of them."""


class FormulaTerm(_Entry):
    indicator: CatalogCode = Field(description="The input indicator.")
    weight: float = Field(default=1.0, allow_inf_nan=False, description="Its coefficient.")


class Formula(_Entry):
    """How a derived indicator is computed from other series (see `ioc_catalog.derivation`)."""

    kind: FormulaKind = Field(description="The shape of the formula.")
    terms: tuple[FormulaTerm, ...] = Field(
        min_length=1, description="The inputs (one for sums and ratios over scopes)."
    )
    scopes: tuple[str, ...] = Field(
        default=(PROVINCE_CODE,), min_length=1, description="Scopes the formula computes."
    )
    over: tuple[str, ...] = Field(
        default=(),
        description="Child scopes summed over: agency codes or the words districts, "
        "departments (sums and ratios over scopes only).",
    )
    missing: MissingInputs = Field(default=MissingInputs.REQUIRE_ALL)
    alignment: Alignment = Field(default=Alignment.SAME_INSTANT)
    tolerance: float = Field(
        default=0.5,
        ge=0,
        allow_inf_nan=False,
        description="How far a published figure may lie from the formula's before it is "
        "flagged (in the indicator's unit).",
    )

    @model_validator(mode="after")
    def _shape(self) -> Formula:
        over_scopes = self.kind is not FormulaKind.WEIGHTED_SUM
        if over_scopes and (len(self.terms) != 1 or not self.over):
            raise ValueError(f"a {self.kind.value} formula has one term and names `over`")
        if not over_scopes and self.over:
            raise ValueError("a weighted_sum formula combines indicators of one scope: no `over`")
        return self


class QualityChecks(_Entry):
    """Which data-quality checks an indicator's figures get, and what each does."""

    out_of_range: CheckAction = Field(
        default=CheckAction.REFUSE, description="Value outside min_value..max_value."
    )
    numerator_above_denominator: CheckAction = Field(
        default=CheckAction.REFUSE, description="numerator > denominator."
    )
    ratio_mismatch: CheckAction = Field(
        default=CheckAction.FLAG,
        description="value differs from numerator ÷ denominator in the unit (percent: ×100; "
        "ratio: as is; other units are not checked) by more than ratio_tolerance.",
    )
    ratio_tolerance: float = Field(
        default=0.5,
        ge=0,
        allow_inf_nan=False,
        description="Allowed difference for ratio_mismatch, in the indicator's unit.",
    )
    counter_decrease: CheckAction = Field(
        default=CheckAction.OFF,
        description="A cumulative counter lower than the figure before it in the series.",
    )
    jump: CheckAction = Field(
        default=CheckAction.OFF,
        description="A change from the figure before it larger than max_change.",
    )
    max_change: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Largest plausible change between two consecutive figures, in the unit.",
    )

    @model_validator(mode="after")
    def _jump_has_a_size(self) -> QualityChecks:
        if self.jump is not CheckAction.OFF and self.max_change is None:
            raise ValueError("the jump check needs max_change")
        return self

    def action(self, check: QualityCheck) -> CheckAction:
        action: CheckAction = getattr(self, check.value)
        return action


class Indicator(_Entry):
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


class AgencyKind(StrEnum):
    """The agency's place: a department, or a level of the administrative map."""

    DEPARTMENT = "department"
    DISTRICT = "district"  # huyện, thị xã, thành phố thuộc tỉnh
    PROVINCE = "province"
    COMMUNE = "commune"  # xã, phường, thị trấn


class Agency(_Entry):
    """A publishing body: the province, a department ("sở, ban, ngành") or a district."""

    code: Code = Field(description="Stable code, lowercase ASCII.", examples=["so-tnmt"])
    name_vi: Text = Field(description="Vietnamese name.", examples=["Sở Tài nguyên và Môi trường"])
    name_en: Text = Field(
        description="English name.", examples=["Department of Natural Resources and Environment"]
    )
    kind: AgencyKind = Field(
        description="Province, department, district or commune: the scope's level."
    )
    parent: Code | None = Field(
        default=None,
        description="Code of the supervising agency when the scope was created; where a "
        "change retires it later, `ioc_catalog.scopes` gives the parent at a time.",
    )
    valid_from: date | None = Field(
        default=None,
        description="First day (Vietnam's calendar) the scope exists; always, when left out.",
    )
    valid_until: date | None = Field(
        default=None,
        description="First day it no longer exists (the effective date of the change that "
        "retired it); never retired when left out.",
    )

    @model_validator(mode="after")
    def _validity_ordered(self) -> Agency:
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            raise ValueError("valid_from must be before valid_until")
        return self


class TargetKind(StrEnum):
    DEADLINE = "deadline"  # reach `value` by `deadline`
    FLOOR = "floor"  # keep at least `value`
    CEILING = "ceiling"  # keep at most `value`
    RANK = "rank"  # a ranking at `value` or better
    FRESHNESS = "freshness"  # report within the cadence (or within `value` days)


class Baseline(_Entry):
    """Where the series stood when the target was set."""

    value: float = Field(allow_inf_nan=False, description="The figure at that date.")
    at: date = Field(description="Date the baseline figure was true.")


class EscalationLevel(_Entry):
    """Who is notified once an alert has gone unacknowledged this long."""

    after_minutes: int = Field(
        ge=0, description="Minutes after the alert fired; 0 notifies at once.", examples=[0, 240]
    )
    notify: tuple[CatalogCode, ...] = Field(min_length=1, description="Recipient ids.")

    @property
    def after(self) -> timedelta:
        return timedelta(minutes=self.after_minutes)


class Target(_Entry):
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


class ScopeChangeKind(StrEnum):
    """How the administrative map changed."""

    MERGE = "merge"  # several scopes become one (sáp nhập)
    SPLIT = "split"  # one scope becomes several (chia tách)
    RENAME = "rename"  # one scope under a new code or name (đổi tên)
    LEVEL_REMOVED = "level_removed"  # a whole level ends (e.g. districts, 1/7/2025)


class CarryOver(StrEnum):
    """What becomes of a retired scope's figures."""

    SUM = "sum"
    """The successor's series before the change is the sum of the retired scopes' (counts
    summed, rates as the ratio of summed numerators and denominators)."""
    STOP = "stop"
    """The retired series ends; the successor's history starts at the change."""


class ScopeChange(_Entry):
    """A change of the administrative map, from its effective date on."""

    code: CatalogCode = Field(description="Stable code.", examples=["2023-sap-nhap-tan-uyen"])
    kind: ScopeChangeKind = Field(description="merge, split, rename or level_removed.")
    effective: date = Field(
        description="First day of the new map (Vietnam's calendar); the retired scopes' "
        "valid_until."
    )
    retired: tuple[Code, ...] = Field(
        default=(),
        description="Scopes that end (merge: two or more; split and rename: one). Left out "
        "for level_removed: every scope of `level` retired that day.",
    )
    successors: tuple[Code, ...] = Field(
        min_length=1,
        description="Scopes that take over (merge and rename: one; split: two or more; "
        "level_removed: the scope that takes over the level's work, usually the province).",
    )
    level: AgencyKind | None = Field(
        default=None, description="level_removed only: the level that ends."
    )
    carry_over: CarryOver = Field(
        default=CarryOver.STOP, description="sum (merge, rename) or stop."
    )
    note_vi: str | None = Field(default=None, max_length=500, description="The legal basis.")
    note_en: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _shape(self) -> ScopeChange:
        retired, successors = len(self.retired), len(self.successors)
        match self.kind:
            case ScopeChangeKind.MERGE:
                ok = retired >= 2 and successors == 1
            case ScopeChangeKind.SPLIT:
                ok = retired == 1 and successors >= 2
            case ScopeChangeKind.RENAME:
                ok = retired == 1 and successors == 1
            case ScopeChangeKind.LEVEL_REMOVED:
                ok = retired == 0 and successors == 1 and self.level is not None
        if not ok:
            raise ValueError(
                "merge: two or more retired, one successor; split: one retired, two or more "
                "successors; rename: one and one; level_removed: a level, one successor"
            )
        if self.level is not None and self.kind is not ScopeChangeKind.LEVEL_REMOVED:
            raise ValueError("only a level_removed change names a level")
        if self.carry_over is CarryOver.SUM and self.kind not in (
            ScopeChangeKind.MERGE,
            ScopeChangeKind.RENAME,
        ):
            # A split cannot tell which part of the figure each successor inherits.
            raise ValueError("only a merge or a rename can carry figures over as a sum")
        return self


class Language(StrEnum):
    VI = "vi"
    EN = "en"


class Duty(StrEnum):
    """What a recipient answers for in the reporting calendar (reminders go by duty)."""

    # Sends an agency's reports: reminded before the due day, told when overdue.
    DATA_OFFICER = "data_officer"
    # Heads the agency: told when a report is still missing after the grace period.
    DIRECTOR = "director"
    # The IOC's duty desk: told of every overdue report.
    DUTY_DESK = "duty_desk"


class Recipient(_Entry):
    """Someone alerts are sent to; contact details are per channel and optional."""

    # Chat ids are numbers in YAML unless quoted; they are identifiers, kept as text.
    model_config = ConfigDict(coerce_numbers_to_str=True)

    id: CatalogCode = Field(description="Stable recipient id.", examples=["chu-tich-ubnd"])
    name: Text = Field(description="Name as shown in messages.")
    role_vi: Text = Field(description="Position, in Vietnamese.", examples=["Chủ tịch UBND tỉnh"])
    role_en: str | None = Field(default=None, max_length=300, description="Position, in English.")
    email: str | None = Field(
        default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Email address."
    )
    telegram_chat_id: str | None = Field(
        default=None, pattern=r"^-?\d{1,20}$|^@\w{5,32}$", description="Telegram chat id."
    )
    zalo_user_id: str | None = Field(
        default=None, pattern=r"^\d{1,25}$", description="Zalo Official Account user id."
    )
    language: Language = Field(default=Language.VI, description="Language of messages.")
    agency: Code | None = Field(
        default=None,
        description="The agency this person works for (data officers and directors).",
        examples=["so-tnmt"],
    )
    duty: Duty | None = Field(
        default=None, description="Their part in the reporting calendar, if any."
    )

    @model_validator(mode="after")
    def _duty_fits_agency(self) -> Recipient:
        if self.duty in (Duty.DATA_OFFICER, Duty.DIRECTOR) and self.agency is None:
            raise ValueError(f"a {self.duty} belongs to an agency")
        if self.duty is Duty.DUTY_DESK and self.agency is not None:
            raise ValueError("the duty desk is the IOC's, not an agency's")
        return self


class Catalog(_Entry):
    """The whole catalog; cross-references are checked by `ioc_catalog`."""

    domains: tuple[Domain, ...] = Field(default=(), description="Socio-economic domains.")
    indicators: tuple[Indicator, ...] = Field(default=(), description="Tracked figures.")
    agencies: tuple[Agency, ...] = Field(default=(), description="Publishing agencies.")
    targets: tuple[Target, ...] = Field(default=(), description="Targets on series.")
    recipients: tuple[Recipient, ...] = Field(default=(), description="Alert recipients.")
    scope_changes: tuple[ScopeChange, ...] = Field(
        default=(), description="Changes of the administrative map (merges, splits, …)."
    )

    def indicator(self, code: str) -> Indicator | None:
        return next((entry for entry in self.indicators if entry.code == code), None)

    def agency(self, code: str) -> Agency | None:
        return next((entry for entry in self.agencies if entry.code == code), None)

    def agencies_of(self, kind: AgencyKind) -> tuple[Agency, ...]:
        return tuple(entry for entry in self.agencies if entry.kind is kind)
