"""A realistic alert to render: the natural-resources department's digital data set,
due 30/9/2023 (the paperless phase the Chairman singled out), at risk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ioc_alerts.messages.context import AlertContext, ChartData, NotificationKind
from ioc_contracts.catalog import Unit
from ioc_contracts.status import RiskStatus, Severity

OBSERVED_AT = datetime(2023, 6, 30, 7, 5, tzinfo=UTC)  # 14:05 in Bình Dương
DEADLINE = date(2023, 9, 30)


def sample_chart() -> ChartData:
    start = datetime(2023, 6, 1, 1, 0, tzinfo=UTC)
    series = tuple((start + timedelta(days=3 * step), 30.0 + 0.7 * step) for step in range(11))
    latest = series[-1]
    end = datetime(2023, 9, 30, 17, 0, tzinfo=UTC)
    return ChartData(
        series=series,
        target_value=100.0,
        deadline=DEADLINE,
        required_pace=(latest, (end, 100.0)),
        projected_path=(latest, (end, 58.0)),
    )


def sample_context(**changes: Any) -> AlertContext:
    context = AlertContext(
        kind=NotificationKind.FIRING,
        target_code="tnmt.dataset-2023",
        title_vi="Sở TN&MT hoàn thành bộ dữ liệu số",
        title_en="DONRE completes its digital data set",
        indicator_name_vi="Tỷ lệ thủ tục hành chính được số hóa",
        indicator_name_en="Administrative procedures digitised",
        unit=Unit.PERCENT,
        scope_code="so-tnmt",
        scope_name_vi="Sở Tài nguyên và Môi trường",
        scope_name_en="Department of Natural Resources and Environment",
        status=RiskStatus.AT_RISK,
        severity=Severity.CRITICAL,
        current_value=36.82,
        observed_at=OBSERVED_AT,
        target_value=100.0,
        deadline=DEADLINE,
        required_rate=0.69,
        observed_rate=0.069,
        projected_value=43.2,
        eta=None,
        grafana_url="https://grafana.ioc.binhduong.gov.vn/d/targets?var-target=tnmt.dataset-2023",
        ack_url="https://ioc.binhduong.gov.vn/alerts/ack/7f3a?token=abc",
        chart=sample_chart(),
    )
    return replace(context, **changes)


@pytest.fixture
def make_context() -> Callable[..., AlertContext]:
    return sample_context


@pytest.fixture
def chart_data() -> ChartData:
    return sample_chart()
