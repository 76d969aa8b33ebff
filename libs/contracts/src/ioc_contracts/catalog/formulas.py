"""How a derived indicator's figures follow from other series."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from ioc_contracts.catalog.agencies import PROVINCE_CODE
from ioc_contracts.catalog.entry import CatalogEntry
from ioc_contracts.types import CatalogCode


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


class FormulaTerm(CatalogEntry):
    indicator: CatalogCode = Field(description="The input indicator.")
    weight: float = Field(default=1.0, allow_inf_nan=False, description="Its coefficient.")


class Formula(CatalogEntry):
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
