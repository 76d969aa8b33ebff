"""The seed report's figures as indicator events, for the demo feed and replay tests."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from ioc_catalog.loader import default_catalog_dir
from ioc_contracts import IndicatorEvent
from ioc_contracts.catalog import PROVINCE_CODE
from ioc_contracts.types import VIETNAM_TIME

# Figures are true at the end of their day, in Bình Dương (UTC+7, no daylight saving).
_END_OF_DAY_VIETNAM = time(23, 59, tzinfo=VIETNAM_TIME)
# Stable ids: replaying the seed twice stores each figure once.
_SEED_NAMESPACE = uuid.UUID("6b1f0c52-8d7e-4a43-9a57-0f3c2e8b2023")


class SeedFigure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator: str
    agency: str
    at: date
    value: float
    numerator: float | None = None
    denominator: float | None = None
    scope: str = PROVINCE_CODE

    def event(self) -> IndicatorEvent:
        observed_at = datetime.combine(self.at, _END_OF_DAY_VIETNAM)
        return IndicatorEvent(
            event_id=uuid.uuid5(_SEED_NAMESPACE, f"{self.indicator}|{self.scope}|{self.at}"),
            agency=self.agency,
            indicator=self.indicator,
            scope=self.scope,
            observed_at=observed_at,
            value=self.value,
            numerator=self.numerator,
            denominator=self.denominator,
            source="Báo cáo chuyển đổi số tỉnh Bình Dương, 2023",
        )


def seed_figures(path: Path | None = None) -> list[SeedFigure]:
    source = path or default_catalog_dir() / "seed-2023.yaml"
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    return [SeedFigure.model_validate(entry) for entry in document["figures"]]
