"""The chart in a notification: the series against its target, the pace it needs and
the path it is on, with the deadline marked.

Drawn with matplotlib's object API on an Agg canvas, never through pyplot: pyplot
keeps global figures and a global backend, which a long-running service (and tests
running side by side) must not share. Rendering takes a noticeable fraction of a
second, so async callers run it in a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from ioc_alerts.messages.context import ChartData, Segment
from ioc_alerts.messages.formatting import formats_for
from ioc_contracts.catalog import Language, Unit
from ioc_contracts.types import VIETNAM_TIME

# DejaVu Sans ships inside matplotlib and covers Vietnamese (ă, ơ, ư, ạ, ế…); naming
# it on every text keeps a server's font configuration from dropping the diacritics.
FONT_FAMILY = "DejaVu Sans"
WIDTH_INCHES, HEIGHT_INCHES, DPI = 7.2, 3.6, 100

_LABELS = {
    Language.VI: {
        "series": "Số liệu",
        "target": "Mục tiêu",
        "required": "Tốc độ cần thiết",
        "projected": "Dự báo theo tốc độ hiện tại",
        "deadline": "Hạn",
        "empty": "Chưa có số liệu",
        "date_format": "%d/%m/%y",
    },
    Language.EN: {
        "series": "Reported figures",
        "target": "Target",
        "required": "Required pace",
        "projected": "Projected at current pace",
        "deadline": "Deadline",
        "empty": "No data yet",
        "date_format": "%d %b %y",
    },
}

_UNIT_AXIS = {
    Language.VI: {Unit.PERCENT: "%", Unit.RANK: "hạng", Unit.DAYS: "ngày", Unit.HOURS: "giờ"},
    Language.EN: {Unit.PERCENT: "%", Unit.RANK: "rank", Unit.DAYS: "days", Unit.HOURS: "hours"},
}


def deadline_instant(day: date) -> datetime:
    """The end of the deadline day in Bình Dương: "by 30/6" includes all of 30/6."""
    return datetime.combine(day + timedelta(days=1), time(), VIETNAM_TIME)


def render_chart(
    chart: ChartData, *, title: str, unit: Unit, language: Language = Language.VI
) -> bytes:
    """A PNG of the chart, about 720×360 pixels."""
    labels = _LABELS[language]
    formats = formats_for(language)
    font = FontProperties(family=FONT_FAMILY, size=9)
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()

    if chart.series:
        times, values = zip(*chart.series, strict=True)
        axes.plot(times, values, marker="o", markersize=3, color="#0b5cad", label=labels["series"])
    else:
        axes.text(
            0.5, 0.5, labels["empty"], transform=axes.transAxes, ha="center", fontproperties=font
        )
    _segment(axes, chart.required_pace, "#047857", ":", labels["required"])
    _segment(axes, chart.projected_path, "#b45309", "--", labels["projected"])
    if chart.target_value is not None:
        target_text = formats.quantity(chart.target_value, unit)
        axes.axhline(
            chart.target_value,
            color="#b91c1c",
            linestyle="--",
            linewidth=1,
            label=f"{labels['target']}: {target_text}",
        )
    if chart.deadline is not None:
        axes.axvline(
            deadline_instant(chart.deadline),  # type: ignore[arg-type]  # dates are accepted
            color="#52606d",
            linewidth=1,
            label=f"{labels['deadline']}: {formats.day(chart.deadline)}",
        )

    if unit is Unit.RANK:
        axes.invert_yaxis()  # rank 1 is best: better is up, like every other chart
    # A "$" pair would switch matplotlib into math mode; titles are plain text.
    axes.set_title(
        title.replace("$", r"\$"), fontproperties=FontProperties(family=FONT_FAMILY, size=11)
    )
    axes.set_ylabel(_UNIT_AXIS[language].get(unit, ""), fontproperties=font)
    locator = AutoDateLocator(tz=VIETNAM_TIME, maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    date_format = DateFormatter(labels["date_format"], tz=VIETNAM_TIME)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(date_format)
    axes.tick_params(labelsize=8, labelfontfamily=FONT_FAMILY)
    axes.grid(True, color="#e4e7eb", linewidth=0.6)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="best", prop=font, framealpha=0.9)

    buffer = io.BytesIO()
    # No "Software" text chunk: the same chart gives the same bytes across versions.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _segment(axes: Axes, segment: Segment | None, color: str, style: str, label: str) -> None:
    if segment is None:
        return
    (start, start_value), (end, end_value) = segment
    times = [start, end]  # matplotlib converts datetimes; its stubs only name numbers
    axes.plot(times, [start_value, end_value], color=color, linestyle=style, label=label)  # type: ignore[arg-type]
