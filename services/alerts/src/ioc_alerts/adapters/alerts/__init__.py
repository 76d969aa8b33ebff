"""The decide flow's persistence edge: what it reads and writes about alerts.

Typed records in and out (`StoredAlert`, `PendingChange`, `Series`, the contracts'
models); the decide flow never sees a row.
"""

from ioc_alerts.adapters.alerts.decisions import Decided, apply_decisions
from ioc_alerts.adapters.alerts.figures import SeriesRead, load_judged_series
from ioc_alerts.adapters.alerts.state_changes import (
    PendingChange,
    mark_published,
    pending_changes,
    record_change,
    record_changes,
)
from ioc_alerts.adapters.alerts.store import (
    StoredAlert,
    lock_target,
    lock_targets,
    open_alert,
    open_alerts,
    previous_statuses,
    record_statuses,
    record_whole_pass,
)

__all__ = [
    "Decided",
    "PendingChange",
    "SeriesRead",
    "StoredAlert",
    "apply_decisions",
    "load_judged_series",
    "lock_target",
    "lock_targets",
    "mark_published",
    "open_alert",
    "open_alerts",
    "pending_changes",
    "previous_statuses",
    "record_change",
    "record_changes",
    "record_statuses",
    "record_whole_pass",
]
