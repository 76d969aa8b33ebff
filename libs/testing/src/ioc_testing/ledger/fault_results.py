"""The rows of docs/reliability.md: what each fault test measured."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ioc_testing.ledger.reconciliation import Reconciliation

RESULTS_ENV = "IOC_RELIABILITY_RESULTS"


@dataclass(frozen=True)
class FaultResult:
    """One row of docs/reliability.md."""

    fault: str
    description: str
    test: str
    events: int
    lost: int
    duplicated: int
    recovery_seconds: float | None
    bound_seconds: float | None
    sends: int = 0
    acknowledged: int = 0
    rejected: int = 0
    indeterminate: int = 0
    stored: int = 0
    holds: bool = True
    note: str = ""

    @classmethod
    def of(
        cls,
        reconciliation: Reconciliation,
        *,
        fault: str,
        description: str,
        test: str,
        recovery_seconds: float | None,
        bound_seconds: float | None,
        note: str = "",
    ) -> FaultResult:
        return cls(
            fault=fault,
            description=description,
            test=test,
            events=reconciliation.sent,
            lost=len(reconciliation.lost),
            duplicated=reconciliation.duplicated,
            recovery_seconds=recovery_seconds,
            bound_seconds=bound_seconds,
            sends=reconciliation.sends,
            acknowledged=reconciliation.acknowledged,
            rejected=reconciliation.rejected,
            indeterminate=reconciliation.indeterminate,
            stored=reconciliation.stored,
            holds=not reconciliation.problems(),
            note=note,
        )


def record_result(result: FaultResult) -> None:
    """Appends the row to the file named by IOC_RELIABILITY_RESULTS, when it is set."""
    target = os.environ.get(RESULTS_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as results:
            results.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
