"""The IOC catalog as data: domains, indicators, agencies, targets and recipients.

These models check only what one entry can check about itself. Whatever needs a
second entry (an indicator's domain exists, a target's scope is one its indicator
may be published for) is checked by `ioc_catalog`'s loader, so a catalog can be
assembled piece by piece and reported on as a whole.
"""

from __future__ import annotations

from pydantic import Field

from ioc_contracts.catalog.agencies import PROVINCE_CODE, Agency, AgencyKind, ScopeWord
from ioc_contracts.catalog.entry import CatalogEntry
from ioc_contracts.catalog.formulas import (
    Alignment,
    Formula,
    FormulaKind,
    FormulaTerm,
    MissingInputs,
)
from ioc_contracts.catalog.indicators import (
    DEFAULT_DUE_DAYS,
    DEFAULT_OBSERVED_SINCE,
    Cadence,
    Direction,
    Domain,
    Indicator,
    PublishGrant,
    Rollup,
    Unit,
)
from ioc_contracts.catalog.quality import CheckAction, QualityCheck, QualityChecks
from ioc_contracts.catalog.recipients import Duty, Language, Recipient
from ioc_contracts.catalog.scope_changes import CarryOver, ScopeChange, ScopeChangeKind
from ioc_contracts.catalog.targets import Baseline, EscalationLevel, Target, TargetKind

__all__ = [
    "DEFAULT_DUE_DAYS",
    "DEFAULT_OBSERVED_SINCE",
    "PROVINCE_CODE",
    "Agency",
    "AgencyKind",
    "Alignment",
    "Baseline",
    "Cadence",
    "CarryOver",
    "Catalog",
    "CheckAction",
    "Direction",
    "Domain",
    "Duty",
    "EscalationLevel",
    "Formula",
    "FormulaKind",
    "FormulaTerm",
    "Indicator",
    "Language",
    "MissingInputs",
    "PublishGrant",
    "QualityCheck",
    "QualityChecks",
    "Recipient",
    "Rollup",
    "ScopeChange",
    "ScopeChangeKind",
    "ScopeWord",
    "Target",
    "TargetKind",
    "Unit",
]


class Catalog(CatalogEntry):
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
