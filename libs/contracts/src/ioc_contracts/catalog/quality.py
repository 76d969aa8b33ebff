"""The data-quality checks an indicator's figures get, and what each does."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from ioc_contracts.catalog.entry import CatalogEntry


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


class QualityChecks(CatalogEntry):
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
