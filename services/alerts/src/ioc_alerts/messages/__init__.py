"""Message rendering: what a notification says, in Vietnamese first, and its chart.

Everything here is pure (no clock, no I/O); the channels in `ioc_alerts.notify`
deliver what is rendered here. The chart lives in `ioc_alerts.messages.chart` and is
not imported here, so code that only renders text never loads matplotlib.
"""

from ioc_alerts.messages.context import AlertContext, ChartData, NotificationKind, Point, Segment
from ioc_alerts.messages.digest import render_digest
from ioc_alerts.messages.render import render
from ioc_alerts.messages.rendered import RenderedMessage

__all__ = [
    "AlertContext",
    "ChartData",
    "NotificationKind",
    "Point",
    "RenderedMessage",
    "Segment",
    "render",
    "render_digest",
]
