"""How one column of a table (or one value of a stat) is shown, written once and
applied as a field override by the column's name.

The SDK for Grafana 10.1 has no field-level builders for table cells (cell type,
hidden columns), so every column setting goes through a `DynamicConfigValue`
override, which is also the form Grafana writes when an operator edits a column.
The names are the SQL column aliases; tests/dashboards/ checks that every
query really returns every column a panel names here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, Self, TypeVar

from grafana_foundation_sdk.models.dashboard import (
    DynamicConfigValue,
    Threshold,
    ThresholdsConfig,
    ThresholdsMode,
    ValueMapping,
)

Cell = Literal["color-background", "color-text", "gauge"]
# Grafana's time unit with a moment.js format: days as Vietnamese write them.
VIETNAM_DATE_TIME = "time:DD/MM/YYYY HH:mm"
# Grafana's colour "text": the cell's ordinary text colour, neither good nor bad.
PLAIN_TEXT = "text"


@dataclass(frozen=True)
class Link:
    """A data link; `${__data.fields.NAME}` takes NAME from the same row."""

    title: str
    url: str

    def to_json(self) -> dict[str, object]:
        return {"title": self.title, "url": self.url, "targetBlank": False}


@dataclass(frozen=True)
class Column:
    name: str
    unit: str | None = None
    decimals: int | None = None
    width: int | None = None
    mappings: Sequence[ValueMapping] = ()
    cell: Cell | None = None
    thresholds: Sequence[tuple[float | None, str]] = ()
    """(from value, colour) steps; the first step starts at minus infinity (None)."""
    minimum: float | None = None
    maximum: float | None = None
    colour: str | None = None
    links: Sequence[Link] = ()
    hidden: bool = False

    def properties(self) -> list[DynamicConfigValue]:
        settings: list[tuple[str, object | None]] = [
            ("unit", self.unit),
            ("decimals", self.decimals),
            ("min", self.minimum),
            ("max", self.maximum),
            ("custom.width", self.width),
            ("mappings", list(self.mappings) or None),
            ("custom.cellOptions", {"type": self.cell} if self.cell else None),
            ("thresholds", thresholds(self.thresholds) if self.thresholds else None),
            ("color", {"mode": "fixed", "fixedColor": self.colour} if self.colour else None),
            ("links", list(self.links) or None),
            ("custom.hidden", True if self.hidden else None),
        ]
        return [
            DynamicConfigValue(id_val=key, value=value)
            for key, value in settings
            if value is not None
        ]


def thresholds(steps: Sequence[tuple[float | None, str]]) -> ThresholdsConfig:
    return ThresholdsConfig(
        mode=ThresholdsMode.ABSOLUTE,
        steps=[Threshold(value=value, color=colour) for value, colour in steps],
    )


def highlighted_count(name: str, colour: str) -> Column:
    """A count read plain while it is zero and in `colour` from one up (late reports,
    open alerts): the eye goes to what is not zero."""
    return Column(name, decimals=0, cell="color-text", thresholds=[(None, PLAIN_TEXT), (1, colour)])


def percent_gauge(
    name: str, steps: Sequence[tuple[float | None, str]], *, decimals: int, width: int | None = None
) -> Column:
    """A percentage as a bar from 0 to 100 in the cell, coloured by `steps`."""
    return Column(
        name,
        unit="percent",
        decimals=decimals,
        minimum=0,
        maximum=100,
        cell="gauge",
        width=width,
        thresholds=steps,
    )


def hidden(*names: str) -> list[Column]:
    """Columns a link reads (codes) but an operator does not need to see."""
    return [Column(name, hidden=True) for name in names]


class _Overridable(Protocol):
    def override_by_name(self, name: str, properties: list[DynamicConfigValue]) -> Self: ...


Panel = TypeVar("Panel", bound=_Overridable)


def with_columns(panel: Panel, columns: Sequence[Column]) -> Panel:
    for column in columns:
        panel = panel.override_by_name(column.name, column.properties())
    return panel
