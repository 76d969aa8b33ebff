"""A target on a retired scope: reported as retired with its successor, not stale for
ever, and never an alert."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from ioc_alerts.domain import Observation
from ioc_alerts.domain.evaluation import evaluate_all
from ioc_alerts.domain.retired import on_retired_scopes
from ioc_alerts.lifecycle.decisions import ALERTING
from ioc_catalog.scopes import ResolvedChange, ScopeHistory, ScopeSpan
from ioc_contracts.catalog import (
    AgencyKind,
    CarryOver,
    Indicator,
    ScopeChangeKind,
    Target,
    TargetKind,
)
from ioc_contracts.status import RiskStatus
from ioc_contracts.topics import series_key
from ioc_contracts.types import VIETNAM_TIME

MERGE = date(2023, 7, 3)
HISTORY = ScopeHistory(
    (
        ScopeSpan("province", "Tỉnh", AgencyKind.PROVINCE),
        ScopeSpan(
            "h-bac-tan-uyen", "Huyện Bắc Tân Uyên", AgencyKind.DISTRICT, "province", None, MERGE
        ),
        ScopeSpan(
            "tp-tan-uyen", "Thành phố Tân Uyên", AgencyKind.DISTRICT, "province", None, MERGE
        ),
        ScopeSpan(
            "tp-tan-uyen-mr", "Thành phố Tân Uyên mới", AgencyKind.DISTRICT, "province", MERGE
        ),
    ),
    (
        ResolvedChange(
            "sap-nhap",
            ScopeChangeKind.MERGE,
            MERGE,
            ("h-bac-tan-uyen", "tp-tan-uyen"),
            ("tp-tan-uyen-mr",),
            CarryOver.SUM,
        ),
    ),
)


def _judged(
    make_indicator: Callable[..., Indicator],
    make_target: Callable[..., Target],
    now: datetime,
) -> RiskStatus:
    indicator = make_indicator(code="test.count")
    target = make_target(TargetKind.FLOOR, 50.0, indicator=indicator).model_copy(
        update={"scope": "h-bac-tan-uyen"}
    )
    figures = [Observation(datetime(2023, 6, 30, 17, tzinfo=VIETNAM_TIME), 40.0)]
    series = {series_key(indicator.code, "h-bac-tan-uyen"): figures}
    evaluations = evaluate_all([target], {indicator.code: indicator}, series, {}, now=now)
    [judged] = on_retired_scopes(evaluations, HISTORY, now=now)
    if judged.status is RiskStatus.SCOPE_RETIRED:
        assert judged.assessment.reason_vi.startswith("Huyện Bắc Tân Uyên (h-bac-tan-uyen)")
        assert (
            "đơn vị kế thừa: Thành phố Tân Uyên mới (tp-tan-uyen-mr)" in judged.assessment.reason_vi
        )
        assert "successor: 'tp-tan-uyen-mr'" in judged.assessment.reason_en
        assert judged.assessment.current_value == 40.0
    return judged.status


def test_after_the_merge_the_target_is_retired_not_stale(
    make_indicator: Callable[..., Indicator], make_target: Callable[..., Target]
) -> None:
    status = _judged(make_indicator, make_target, datetime(2023, 9, 1, tzinfo=VIETNAM_TIME))
    assert status is RiskStatus.SCOPE_RETIRED
    assert status not in ALERTING


def test_before_the_merge_the_target_is_judged_as_usual(
    make_indicator: Callable[..., Indicator], make_target: Callable[..., Target]
) -> None:
    status = _judged(make_indicator, make_target, datetime(2023, 7, 1, tzinfo=VIETNAM_TIME))
    assert status is not RiskStatus.SCOPE_RETIRED
