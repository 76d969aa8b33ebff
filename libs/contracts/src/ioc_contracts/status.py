"""Vocabularies shared by the catalog, the alert service and anyone reading `ioc.alerts`.

The values are wire strings: they appear in JSON events and database rows, so members
may be added but never renamed.
"""

from enum import StrEnum


class RiskStatus(StrEnum):
    """How a target stands against its deadline, as judged by the alert service.

    - achieved: the target value has been reached.
    - on_track: at the current pace the target is reached by its deadline.
    - at_risk: reachable only if the pace improves (required rate above the recent one).
    - off_track: not reachable by the deadline at any plausible pace.
    - deteriorating: the latest figures move away from the target.
    - missed: the deadline has passed without the target being reached.
    - stale: no figure arrived within the indicator's reporting cadence; status unknown.
    - scope_retired: the target's scope no longer exists (merged, split, renamed, its
      level removed); the reason names the successor. Not judged, not alerted.
    """

    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    DETERIORATING = "deteriorating"
    MISSED = "missed"
    STALE = "stale"
    SCOPE_RETIRED = "scope_retired"


class Severity(StrEnum):
    """How loudly to notify: set per target in the catalog, carried on every alert."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertState(StrEnum):
    """Life cycle of one alert: it fires, a leader may acknowledge it, it resolves."""

    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
