"""Freshness targets come from the reporting calendar: one per indicator on its
province-wide series, told to the duty desk, and a hand-written one takes precedence."""

from ioc_catalog import PublishPolicy, load_catalog
from ioc_catalog.freshness import calendar_freshness_targets, derived_code
from ioc_contracts.catalog import Duty, TargetKind


def test_every_indicator_of_the_province_has_a_freshness_target() -> None:
    catalog = load_catalog()
    policy = PublishPolicy.from_catalog(catalog)
    fresh = {(t.indicator, t.scope) for t in catalog.targets if t.kind is TargetKind.FRESHNESS}
    province_wide = {i.code for i in catalog.indicators if "province" in policy.scopes_for(i.code)}
    assert len(province_wide) > 30
    assert {(code, "province") for code in province_wide} <= fresh


def test_derived_targets_go_to_the_duty_desk_and_follow_the_calendar() -> None:
    catalog = load_catalog()
    desk = {r.id for r in catalog.recipients if r.duty is Duty.DUTY_DESK}
    derived = [t for t in catalog.targets if t.code == derived_code("dvc.online-full-rate")]
    [target] = derived
    assert target.value is None  # the calendar's limit, not a number of days
    assert set(target.escalation[0].notify) == desk
    assert target.title_vi.endswith("(hằng tháng, hạn 5 ngày sau kỳ báo cáo)")


def test_a_hand_written_freshness_target_takes_precedence() -> None:
    catalog = load_catalog()
    written = [t for t in catalog.targets if t.code == "fresh.service-index.total.province"]
    assert [t.value for t in written] == [2]
    assert not [
        t
        for t in calendar_freshness_targets(catalog)
        if (t.indicator, t.scope) == ("service-index.total", "province")
    ]
    codes = [t.code for t in catalog.targets]
    assert len(codes) == len(set(codes))


def test_no_duty_desk_no_derived_targets() -> None:
    catalog = load_catalog()
    without_desk = catalog.model_copy(
        update={
            "recipients": tuple(r for r in catalog.recipients if r.duty is not Duty.DUTY_DESK),
            "targets": tuple(t for t in catalog.targets if not t.code.startswith("fresh.")),
        }
    )
    assert calendar_freshness_targets(without_desk) == ()
