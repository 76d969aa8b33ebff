"""The key panels tell the demo story (tests/dashboards/demo_story.py) when their
queries run on the real TimescaleDB as `ioc_reader`: the paperless target at risk with
its firing alert, who acknowledged, 19 departments beside 9 districts, the revised and
the flagged figure, the failed deliveries."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from ioc_testing import ScratchDatabase

from .dashboard_json import load_dashboards
from .dashboard_runs import run_dashboard
from .demo_story import FIRING_ALERT, STATUSES


@pytest.mark.connected
async def test_the_key_panels_tell_the_demo_story(demo_database: ScratchDatabase) -> None:
    dashboards = load_dashboards()
    now = datetime.now(UTC)
    connection = await asyncpg.connect(demo_database.dsns["reader"])
    try:
        overview = await run_dashboard(connection, dashboards["ioc-overview"], now=now, choose={})
        targets = await run_dashboard(connection, dashboards["ioc-targets"], now=now, choose={})
        one_target = await run_dashboard(
            connection,
            dashboards["ioc-targets"],
            now=now,
            choose={"target": ("dvc.paperless-100",)},
        )
        domains = await run_dashboard(connection, dashboards["ioc-domains"], now=now, choose={})
        empty_domain = await run_dashboard(
            connection, dashboards["ioc-domains"], now=now, choose={"domain": ("thue",)}
        )
        agencies = await run_dashboard(connection, dashboards["ioc-agencies"], now=now, choose={})
        pipeline = await run_dashboard(connection, dashboards["ioc-pipeline"], now=now, choose={})
        total_targets = await connection.fetchval("SELECT count(*) FROM ioc.targets")
    finally:
        await connection.close()
    for run in (overview, targets, one_target, domains, empty_domain, agencies, pipeline):
        assert not run.problems, run.problems

    # Targets at risk: worst first, the paperless goal among them with its firing alert,
    # and the acknowledged alert says who acknowledged it.
    at_risk = targets.panel("Chỉ tiêu có nguy cơ").rows
    order = [row["code"] for row in at_risk[:3]]
    assert order == ["cds.dataset.so-xd", "dvc.paperless-100", "cds.dataset.so-tnmt"]
    paperless = at_risk[1]
    assert (paperless["Tình trạng"], paperless["Cảnh báo"]) == ("off_track", "firing")
    assert paperless["Tốc độ cần (/tháng)"] == pytest.approx(0.6 * 365.25 / 12)
    assert at_risk[2]["Người xác nhận"] == "Giám đốc Sở Tài nguyên và Môi trường"
    assert len(at_risk) == total_targets

    # The alert link's view of one target: its series, its goal, the needed and projected paths.
    lines = {row["metric"] for row in one_target.panel("Số liệu so với mục tiêu", "B").rows}
    assert lines == {
        f"{kind} — dvc.paperless-100" for kind in ("Mục tiêu", "Lộ trình cần thiết", "Dự báo")
    }
    series = one_target.panel("Số liệu so với mục tiêu", "A").rows
    assert series
    assert max(row["value"] for row in series) == pytest.approx(37.6 + 0.6 * 11)
    alerts = one_target.panel("Cảnh báo").rows
    assert [row["alert_id"] for row in alerts] == [FIRING_ALERT]
    sent = one_target.panel("Thông báo đã gửi").rows
    assert {row["Kết quả"] for row in sent} == {"sent", "failed"}

    # Overview: the status counts add up, the headline figures all come from the seed.
    (counts,) = overview.panel("Tình trạng tất cả chỉ tiêu").rows
    assert sum(counts.values()) == total_targets
    assert counts["Đạt mục tiêu"] == 2
    assert counts["Thiếu số liệu"] == 1
    assert counts["Chưa đánh giá"] == total_targets - len(STATUSES)
    assert len(overview.panel("Số liệu mới nhất").rows) == 6
    (alert_counts,) = overview.panel("Cảnh báo đang mở").rows
    assert alert_counts == {"Chưa xác nhận": 1, "Đã xác nhận": 1}

    # Agencies: 19 departments beside 9 districts.
    assert len(agencies.panel("Sở, ban, ngành").rows) == 19
    assert len(agencies.panel("Huyện, thị xã, thành phố").rows) == 9
    tnmt = [r for r in agencies.panel("Sở, ban, ngành").rows if r["code"] == "so-tnmt"]
    assert tnmt[0]["Có nguy cơ"] == 1
    assert tnmt[0]["Cảnh báo mở"] == 1

    # Domains: online public services show the paperless rate's latest weekly figure.
    latest = {
        (r["indicator"], r["scope"]): r["Giá trị"] for r in domains.panel("Số liệu mới nhất").rows
    }
    assert latest[("dvc.paperless-rate", "province")] == pytest.approx(37.6 + 0.6 * 11)
    # The revised figure shows both submissions, the newest of record; the flagged one
    # says which check and why.
    revisions = domains.panel("Lịch sử sửa đổi số liệu").rows
    assert [(r["Lần gửi"], r["Hiệu lực"]) for r in revisions] == [
        (2, "of_record"),
        (1, "superseded"),
    ]
    assert revisions[0]["Giá trị"] - revisions[1]["Giá trị"] == pytest.approx(0.4)
    flagged = domains.panel("Số liệu bị gắn cờ chất lượng").rows
    assert [r["Kiểm tra"] for r in flagged] == ["counter_decrease"]
    assert empty_domain.options["indicator"] == []
    assert empty_domain.panel("Số liệu mới nhất").rows == []

    # Pipeline: the failed delivery attempts, newest first.
    failures = pipeline.panel("Lần gửi thất bại gần đây").rows
    assert [row["Kết quả"] for row in failures] == ["permanent", "retryable"]
