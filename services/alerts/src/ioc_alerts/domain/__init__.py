"""Risk evaluation of targets: pure functions of a target, its series and the time.

No I/O here: the service's adapters load series and statuses, call `evaluate_all` (on
every `ioc.series-updated` and on a schedule), and store and announce the results.
"""

from ioc_alerts.domain.assessment import Assessment
from ioc_alerts.domain.bands import PACE_SCALE, THRESHOLD_SCALE, BandScale
from ioc_alerts.domain.evaluation import TargetEvaluation, evaluate, evaluate_all
from ioc_alerts.domain.hysteresis import settle
from ioc_alerts.domain.pace import (
    eta,
    observed_rate,
    pace_half_life,
    pace_window,
    projected_value,
    required_rate,
)
from ioc_alerts.domain.risk import assess
from ioc_alerts.domain.series import SERIES_HISTORY, Observation, Series

__all__ = [
    "PACE_SCALE",
    "SERIES_HISTORY",
    "THRESHOLD_SCALE",
    "Assessment",
    "BandScale",
    "Observation",
    "Series",
    "TargetEvaluation",
    "assess",
    "eta",
    "evaluate",
    "evaluate_all",
    "observed_rate",
    "pace_half_life",
    "pace_window",
    "projected_value",
    "required_rate",
    "settle",
]
