"""The demo story the dashboards' queries run on: the seed report's figures and weekly
points as the aggregator stores them (as the writer role), then the alert service's
verdicts, a firing, an acknowledged and a resolved alert, and notifications with their
delivery attempts (as the owner).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from ioc_catalog.seed import seed_figures
from ioc_contracts.types import VIETNAM_TIME
from ioc_testing import ScratchDatabase

SYNTHETIC = uuid.UUID("3f0c9d5e-5b7a-4d53-9a51-7d0a2b2023aa")


@dataclass(frozen=True)
class Point:
    indicator: str
    scope: str
    agency: str
    day: date
    value: float


def weekly(
    indicator: str, scope: str, agency: str, first: date, start: float, step: float, weeks: int
) -> list[Point]:
    return [
        Point(indicator, scope, agency, first + timedelta(weeks=n), start + step * n)
        for n in range(weeks)
    ]


DISTRICTS = ("tp-thu-dau-mot", "tp-thuan-an", "tp-di-an", "tp-tan-uyen", "tp-ben-cat")
DEMO_POINTS = [
    # Paperless phase 1 climbs 0.6 points a week from the report's 37% on 1/6/2023.
    *weekly("dvc.paperless-rate", "province", "vp-ubnd", date(2023, 6, 8), 37.6, 0.6, 12),
    # The two departments the Chairman named lag on their data sets; Sở TT&TT finishes.
    *weekly("cds.dataset-completion-rate", "so-tnmt", "so-tttt", date(2023, 3, 1), 30, 2.5, 14),
    *weekly("cds.dataset-completion-rate", "so-xd", "so-tttt", date(2023, 3, 1), 45, -0.5, 14),
    *weekly("cds.dataset-completion-rate", "so-tttt", "so-tttt", date(2023, 3, 1), 70, 5, 7),
]
# The on-time dossier rate of some districts, reported by the one-stop office.
DEMO_POINTS += [
    Point("dvc.ontime-rate", code, "vp-ubnd", date(2023, 3, 31), 93.0 + index)
    for index, code in enumerate(DISTRICTS)
]
STATUSES = {
    "dvc.paperless-100": ("off_track", 0.14, 0.0857, 0.6, 44.2, 53.0),
    "cds.dataset.so-tnmt": ("at_risk", 0.7, 0.36, 0.5, 62.5, 92.0),
    "cds.dataset.so-xd": ("deteriorating", -0.1, -0.07, 0.6, 38.5, 30.0),
    "cds.dataset.so-tttt": ("achieved", None, None, None, 100.0, None),
    "dvc.ontime-95": ("achieved", None, None, None, 96.09, None),
    "fresh.service-index.total.province": ("stale", None, None, None, None, None),
}
FIRING_ALERT = uuid.UUID("00000000-0000-4000-8000-000000000001")
ACKNOWLEDGED_ALERT = uuid.UUID("00000000-0000-4000-8000-000000000002")
RESOLVED_ALERT = uuid.UUID("00000000-0000-4000-8000-000000000003")


async def load_demo(database: ScratchDatabase) -> None:
    """The seed report's figures and weekly points as the aggregator would store them
    (as the writer role), then the alert service's verdicts and alerts (as the owner)."""
    figures = [figure.event() for figure in seed_figures()]
    rows = [
        (
            e.event_id,
            e.observed_at,
            e.indicator,
            e.scope,
            e.agency,
            e.value,
            e.numerator,
            e.denominator,
        )
        for e in figures
    ]
    rows += [
        (
            uuid.uuid5(SYNTHETIC, f"{p.indicator}|{p.scope}|{p.day}"),
            datetime.combine(p.day, datetime.min.time().replace(hour=17), tzinfo=VIETNAM_TIME),
            p.indicator,
            p.scope,
            p.agency,
            p.value,
            None,
            None,
        )
        for p in DEMO_POINTS
    ]
    writer = await asyncpg.connect(database.dsns["writer"])
    try:
        await writer.executemany(
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,"
            " numerator, denominator) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            rows,
        )
        # The office first sent the newest paperless figure 0.4 lower, a day earlier.
        await writer.execute(
            "INSERT INTO ioc.observations (event_id, observed_at, indicator, scope, agency, value,"
            " revised_at, note) SELECT gen_random_uuid(), observed_at, indicator, scope, agency,"
            " value - 0.4, now() - interval '1 day', 'bản đầu' FROM ioc.observations"
            " WHERE indicator = 'dvc.paperless-rate' AND scope = 'province'"
            " ORDER BY observed_at DESC LIMIT 1"
        )
        await writer.execute(
            """
            INSERT INTO ioc.figures (indicator, scope, observed_at, value, numerator, denominator,
                agency, event_id, reported_at, received_at, revised_at)
            SELECT DISTINCT ON (indicator, scope, observed_at) indicator, scope, observed_at,
                value, numerator, denominator, agency, event_id, reported_at, received_at,
                revised_at
            FROM ioc.observations
            ORDER BY indicator, scope, observed_at, revised_at DESC
            """
        )
        # A running total reported lower than the month before: flagged, not refused.
        await writer.execute(
            """
            UPDATE ioc.figures SET quality_flags = '[{"check": "counter_decrease",
                "reason": "số cộng dồn giảm / the cumulative count fell"}]'
            WHERE indicator = 'dvc.paperless-rate' AND scope = 'province'
              AND observed_at = (SELECT min(observed_at) FROM ioc.figures
                                 WHERE indicator = 'dvc.paperless-rate' AND scope = 'province')
            """
        )
        await writer.execute(
            """
            INSERT INTO ioc.latest_values (indicator, scope, observed_at, value, numerator,
                denominator, event_id, agency)
            SELECT DISTINCT ON (indicator, scope) indicator, scope, observed_at, value,
                numerator, denominator, event_id, agency
            FROM ioc.figures
            ORDER BY indicator, scope, observed_at DESC
            """
        )
    finally:
        await writer.close()
    owner = await asyncpg.connect(database.dsns["migrator"])
    try:
        evaluated = datetime(2023, 8, 31, 17, tzinfo=VIETNAM_TIME)
        for code, (status, ratio, observed, required, current, projected) in STATUSES.items():
            await owner.execute(
                "INSERT INTO ioc.target_status (target, status, ratio, observed_rate, required_rate,"
                " current_value, current_at, projected_value, eta, reason_vi, reason_en, evaluated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                code, status, ratio, observed, required, current,
                evaluated - timedelta(days=2) if current is not None else None,
                projected, date(2025, 1, 15) if observed and observed > 0 else None,
                f"Minh hoạ: {status}", f"Example: {status}", evaluated,
            )  # fmt: skip
        await owner.executemany(
            "INSERT INTO ioc.alerts (id, target, state, risk_status, severity, current_value,"
            " opened_at, acknowledged_at, acknowledged_by, resolved_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                (FIRING_ALERT, "dvc.paperless-100", "firing", "off_track", "critical", 44.2,
                 evaluated, None, None, None),
                (ACKNOWLEDGED_ALERT, "cds.dataset.so-tnmt", "acknowledged", "at_risk", "critical", 62.5,
                 evaluated, evaluated + timedelta(hours=1), "giam-doc-so-tnmt", None),
                (RESOLVED_ALERT, "dvc.ontime-95", "resolved", "off_track", "warning", 94.1,
                 evaluated - timedelta(days=30), None, None, evaluated - timedelta(days=20)),
            ],
        )  # fmt: skip
        # Deliveries are stamped with the wall clock, whatever day the figures describe.
        delivered = datetime.now(UTC) - timedelta(hours=1)
        sent, failed = uuid.uuid4(), uuid.uuid4()
        await owner.executemany(
            "INSERT INTO ioc.notifications (id, alert_id, recipient, channel, kind, status,"
            " dedup_key, attempts, created_at, sent_at) VALUES ($1, $2, $3, $4, 'firing', $5, $6, $7, $8, $9)",
            [
                (sent, FIRING_ALERT, "truc-ban-ioc", "email", "sent", "demo-sent", 1, delivered, delivered),
                (failed, FIRING_ALERT, None, "webhook", "failed", "demo-failed", 2, delivered, None),
            ],
        )  # fmt: skip
        await owner.executemany(
            "INSERT INTO ioc.notification_attempts (notification_id, attempt, started_at, finished_at,"
            " outcome, status_code, error) VALUES ($1, $2, $3, $3, $4, $5, $6)",
            [
                (sent, 1, delivered, "sent", 250, None),
                (failed, 1, delivered, "retryable", 503, "Service Unavailable"),
                (failed, 2, delivered + timedelta(minutes=1), "permanent", 410, "Gone"),
            ],
        )
    finally:
        await owner.close()
