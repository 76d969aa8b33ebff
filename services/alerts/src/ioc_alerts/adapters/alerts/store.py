"""The decide flow's reads of alerts and its writes of statuses.

A pass decides about many targets in one transaction: it locks them, reads their open
alerts, and writes their statuses and decisions (`decisions.py`) before it commits.
The deliver flow and the state-change publisher pick those up afterwards, so a crash
after the commit loses nothing and a restart decides nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ioc_alerts.domain.evaluation import TargetEvaluation
from ioc_alerts.lifecycle.decisions import OpenAlert
from ioc_alerts.lifecycle.quiet_hours import VIETNAM
from ioc_contracts.status import AlertState, RiskStatus
from ioc_storage.connection import Connection

# Told means delivered: a notification suppressed by a silence, held by quiet hours or
# failed never reached the person, who is then not sent "resolved" either.
_OPEN_ALERTS = """
SELECT a.id, a.target, a.state, a.risk_status, a.escalation_level, a.opened_at,
       a.last_notified_at, a.current_value,
       ARRAY(SELECT DISTINCT n.recipient FROM ioc.notifications n
             WHERE n.alert_id = a.id AND n.recipient IS NOT NULL AND n.status = 'sent')
           AS told
FROM ioc.alerts a
WHERE a.target = ANY($1::text[]) AND a.state <> 'resolved'
"""

# A row judged as stored is left alone, its evaluated_at included: the schedule judges
# every target every minute, and writing each row again only to move that instant was a
# row version, its WAL and its vacuuming per target per minute. When the whole pass
# judged them is `record_whole_pass`'s one row (migration 0020). Rates, R and the
# projection count as the same within a thousandth of themselves (migration 0021): a
# deadline target's run from the pass's instant and move a little at every pass.
_RECORD_STATUSES = """
INSERT INTO ioc.target_status AS s (target, status, ratio, observed_rate, required_rate,
    current_value, current_at, projected_value, eta, reason_vi, reason_en, evaluated_at)
SELECT u.*, $12::timestamptz
FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[],
            $7::timestamptz[], $8::float8[], $9::date[], $10::text[], $11::text[]) AS u
ON CONFLICT (target) DO UPDATE SET status = EXCLUDED.status, ratio = EXCLUDED.ratio,
    observed_rate = EXCLUDED.observed_rate, required_rate = EXCLUDED.required_rate,
    current_value = EXCLUDED.current_value, current_at = EXCLUDED.current_at,
    projected_value = EXCLUDED.projected_value, eta = EXCLUDED.eta,
    reason_vi = EXCLUDED.reason_vi, reason_en = EXCLUDED.reason_en,
    evaluated_at = EXCLUDED.evaluated_at
WHERE (s.status, s.current_value, s.current_at, s.eta, s.reason_vi, s.reason_en)
    IS DISTINCT FROM
      (EXCLUDED.status, EXCLUDED.current_value, EXCLUDED.current_at, EXCLUDED.eta,
       EXCLUDED.reason_vi, EXCLUDED.reason_en)
   OR NOT ioc.nearly_equal(s.ratio, EXCLUDED.ratio)
   OR NOT ioc.nearly_equal(s.observed_rate, EXCLUDED.observed_rate)
   OR NOT ioc.nearly_equal(s.required_rate, EXCLUDED.required_rate)
   OR NOT ioc.nearly_equal(s.projected_value, EXCLUDED.projected_value)
"""

# Never back in time: two replicas' passes wait for each other, their clocks need not.
_EVERY_TARGET_JUDGED_AT = """
INSERT INTO ioc.evaluation_passes AS p (judged_at) VALUES ($1)
ON CONFLICT (singleton) DO UPDATE SET judged_at = EXCLUDED.judged_at
WHERE p.judged_at < EXCLUDED.judged_at
"""


@dataclass(frozen=True, slots=True)
class StoredAlert:
    id: uuid.UUID
    open: OpenAlert
    current_value: float | None = None


async def previous_statuses(connection: Connection, codes: Iterable[str]) -> dict[str, RiskStatus]:
    rows = await connection.fetch(
        "SELECT target, status FROM ioc.target_status WHERE target = ANY($1)", list(codes)
    )
    return {row["target"]: RiskStatus(row["status"]) for row in rows}


async def lock_target(connection: Connection, code: str) -> None:
    """Serialises decisions about one target across evaluators and replicas."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtext('ioc-target:' || $1))", code)


async def lock_targets(connection: Connection, codes: Iterable[str]) -> None:
    """`lock_target` for many, always in the same order, so two passes over overlapping
    targets wait for each other rather than deadlock."""
    await connection.execute(
        "SELECT count(pg_advisory_xact_lock(hashtext('ioc-target:' || code))) "
        "FROM (SELECT code FROM unnest($1::text[]) AS code ORDER BY code) AS ordered",
        sorted(set(codes)),
    )


async def open_alert(connection: Connection, code: str) -> StoredAlert | None:
    return (await open_alerts(connection, [code])).get(code)


async def open_alerts(connection: Connection, codes: Iterable[str]) -> dict[str, StoredAlert]:
    """The open alert of each of `codes` that has one, by target code."""
    rows = await connection.fetch(_OPEN_ALERTS, list(codes))
    return {row["target"]: _stored(row) for row in rows}


def _stored(row: Any) -> StoredAlert:
    return StoredAlert(
        row["id"],
        OpenAlert(
            state=AlertState(row["state"]),
            risk_status=RiskStatus(row["risk_status"]),
            escalation_level=row["escalation_level"],
            opened_at=row["opened_at"],
            last_notified_at=row["last_notified_at"],
            notified=frozenset(row["told"]),
        ),
        row["current_value"],
    )


async def record_statuses(
    connection: Connection, evaluations: Sequence[TargetEvaluation], now: datetime
) -> None:
    """Each target's status as judged at `now`, in one statement."""
    if not evaluations:
        return
    columns: list[list[Any]] = [[] for _ in range(11)]
    for evaluation in evaluations:
        a = evaluation.assessment
        row = (
            evaluation.target.code,
            evaluation.status.value,
            a.ratio,
            a.observed_rate,
            a.required_rate,
            a.current_value,
            a.current_at,
            a.projected_value,
            a.eta.astimezone(VIETNAM).date() if a.eta else None,
            a.reason_vi,
            a.reason_en,
        )
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    await connection.execute(_RECORD_STATUSES, *columns, now)


async def record_whole_pass(connection: Connection, judged_at: datetime) -> None:
    """Every target was judged as of `judged_at` and its status recorded (written only
    where it changed): the dashboards' "evaluated at" of every status row."""
    await connection.execute(_EVERY_TARGET_JUDGED_AT, judged_at)
