"""Changes of the administrative map: merges, splits, renames and removed levels."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from ioc_contracts.catalog.agencies import AgencyKind
from ioc_contracts.catalog.entry import CatalogEntry
from ioc_contracts.types import CatalogCode, Code


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


class ScopeChange(CatalogEntry):
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
