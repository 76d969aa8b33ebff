"""The deliver flow's persistence edge: the notification ledger and what messages show.

Typed records out (`ClaimedNotification`, `AlertView`, `StatusView`); the deliver flow
never sees a row.
"""

from ioc_alerts.adapters.notifications.digests import alerts_for, insert_digests, people_to_digest
from ioc_alerts.adapters.notifications.ledger import (
    AttemptOutcome,
    ClaimedNotification,
    NotificationStatus,
    claim_due,
    pending_count,
    renew_lease,
    settle,
)
from ioc_alerts.adapters.notifications.views import (
    AlertView,
    StatusView,
    alert_view,
    recent_figures,
    status_view,
)

__all__ = [
    "AlertView",
    "AttemptOutcome",
    "ClaimedNotification",
    "NotificationStatus",
    "StatusView",
    "alert_view",
    "alerts_for",
    "claim_due",
    "insert_digests",
    "pending_count",
    "people_to_digest",
    "recent_figures",
    "renew_lease",
    "settle",
    "status_view",
]
