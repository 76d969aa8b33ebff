"""The alert service's workload at the IOC's scale, as its benchmarks build it.

A target on every indicator of a synthetic catalog (`ioc_catalog.generate_catalog`) for
each of the IOC's scopes: the province, its departments and its districts (29 for Bình
Dương, so 1,000 indicators make 29,000 targets). Each benchmark chooses the kind and
line of a target; what a synthetic target is otherwise is decided here, once.
"""

from __future__ import annotations

from datetime import date

from ioc_contracts.catalog import (
    PROVINCE_CODE,
    AgencyKind,
    Baseline,
    Catalog,
    Indicator,
    Target,
    TargetKind,
)
from ioc_contracts.status import Severity


def ioc_scopes(catalog: Catalog) -> list[str]:
    """The province, then every department and district of `catalog`."""
    departments = [agency.code for agency in catalog.agencies_of(AgencyKind.DEPARTMENT)]
    districts = [agency.code for agency in catalog.agencies_of(AgencyKind.DISTRICT)]
    return [PROVINCE_CODE, *departments, *districts]


def synthetic_target(
    indicator: Indicator,
    scope: str,
    *,
    kind: TargetKind,
    value: float | None = None,
    deadline: date | None = None,
    baseline: Baseline | None = None,
) -> Target:
    """The target of `kind` on `indicator` for `scope`, coded `<indicator>.<scope>`."""
    return Target(
        code=f"{indicator.code}.{scope}",
        indicator=indicator.code,
        scope=scope,
        kind=kind,
        value=value,
        deadline=deadline,
        baseline=baseline,
        severity=Severity.WARNING,
        title_vi=f"Chỉ tiêu tổng hợp {indicator.code} ({scope})",
        title_en=f"Synthetic target {indicator.code} ({scope})",
    )
