"""Targets on a scope that no longer exists: reported as retired, naming the successor.

A district merged into another, or a level removed, stops reporting on the day of the
change; judged like any series it would read "no recent data" for ever and alert on
silence nobody can end. Instead its target's status says the scope was retired and who
took over (Vietnamese first), and the target is not alerted on: an alert already open
resolves, since there is nothing left for the old scope to do. The operators move the
target to the successor in the catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from ioc_alerts.domain.assessment import Assessment
from ioc_alerts.domain.evaluation import TargetEvaluation
from ioc_catalog.scopes import ScopeHistory, ScopeRefusal
from ioc_contracts.status import RiskStatus


def on_retired_scopes(
    evaluations: Sequence[TargetEvaluation], scopes: ScopeHistory, *, now: datetime
) -> list[TargetEvaluation]:
    """`evaluations`, those of targets whose scope is retired at `now` replaced by a
    `scope_retired` status; the last figure stays in the assessment for the record."""
    return [_retired_or_same(evaluation, scopes, now=now) for evaluation in evaluations]


def _retired_or_same(
    evaluation: TargetEvaluation, scopes: ScopeHistory, *, now: datetime
) -> TargetEvaluation:
    decision = scopes.check(evaluation.target.scope, now)
    if decision is None or decision.refusal is not ScopeRefusal.RETIRED:
        return evaluation
    reason_vi, _, reason_en = decision.reason.partition(" / ")
    assessment = Assessment(
        status=RiskStatus.SCOPE_RETIRED,
        reason_vi=reason_vi[:1].upper() + reason_vi[1:],
        reason_en=reason_en[:1].upper() + reason_en[1:],
        current_value=evaluation.assessment.current_value,
        current_at=evaluation.assessment.current_at,
    )
    return replace(evaluation, assessment=assessment, status=RiskStatus.SCOPE_RETIRED)
