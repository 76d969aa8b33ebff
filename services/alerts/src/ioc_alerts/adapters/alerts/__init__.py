"""The decide flow's persistence edge: what it reads and writes about alerts.

Typed records in and out (`StoredAlert`, `PendingChange`, the contracts' models); the
decide flow never sees a row.
"""

from ioc_alerts.adapters.alerts.state_changes import (
    PendingChange,
    mark_published,
    pending_changes,
    record_change,
)
from ioc_alerts.adapters.alerts.store import (
    StoredAlert,
    apply_decision,
    lock_target,
    open_alert,
    previous_statuses,
    record_status,
)
from ioc_alerts.adapters.series import load_series

__all__ = [
    "PendingChange",
    "StoredAlert",
    "apply_decision",
    "load_series",
    "lock_target",
    "mark_published",
    "open_alert",
    "pending_changes",
    "previous_statuses",
    "record_change",
    "record_status",
]
