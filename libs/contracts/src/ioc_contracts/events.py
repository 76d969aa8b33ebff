"""Event models carried on the IOC monitor's Kafka topics.

The models document themselves (descriptions and examples feed the AsyncAPI document),
so read them as the contract: what a field means, its unit and its limits.
"""

from typing import Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ioc_contracts import topics
from ioc_contracts.status import AlertState, RiskStatus, Severity
from ioc_contracts.types import (
    CatalogCode,
    Code,
    FiniteNumber,
    NonNegativeNumber,
    NoteText,
    PositiveNumber,
    SourceText,
    UtcDatetime,
)

# Bounded so one SeriesUpdated stays far below Kafka's 1 MB message limit; the count
# field stays exact even when the aggregator batch was larger than this.
MAX_EVENT_IDS_PER_UPDATE = 1000
# The largest IndicatorEvent, in bytes of its value as decoded (after Kafka's
# decompression): every field at its longest, escaped, is well under it. A bigger record
# is refused as too large before it is parsed.
MAX_EVENT_BYTES = 16 * 1024

_EVENT_ID_EXAMPLE = "6f1c2d0e-8a4b-4c1e-9d7a-2b5f0e3c9a11"
_OBSERVED_AT_EXAMPLE = "2024-06-30T17:00:00Z"


class IndicatorEvent(BaseModel):
    """One figure for one indicator and scope at one time, as published by an agency.

    Schema version 1. Fields are only ever added, never renamed or removed, and a new
    field is always optional. Because unknown fields are rejected, consumers are
    upgraded before producers start sending a new field.

    `numerator` and `denominator` come together or not at all (denominator > 0). The
    contract does not tie them to `value`: whether `value` is the ratio, a percent or a
    rate per 100,000 people is the indicator's unit, which only the catalog knows.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    schema_version: Literal[1] = Field(
        default=1, description="Contract version of this event.", examples=[1]
    )
    event_id: UUID = Field(
        description="Idempotency key chosen by the producer; a resent event keeps its id.",
        examples=[_EVENT_ID_EXAMPLE],
    )
    agency: Code = Field(
        description="Code of the publishing agency (department, district or province).",
        examples=["so-tttt", "tp-thu-dau-mot", "province"],
    )
    indicator: CatalogCode = Field(
        description="Indicator code from the catalog.",
        examples=["grdp.growth", "dvc.online-rate"],
    )
    scope: Code = Field(
        description="Whose figure it is: 'province', an agency code or a district code.",
        examples=["province", "tp-thu-dau-mot"],
    )
    observed_at: UtcDatetime = Field(
        description="When the figure was true (end of its period); offset required, UTC out.",
        examples=[_OBSERVED_AT_EXAMPLE],
    )
    value: FiniteNumber = Field(
        description="The figure, in the indicator's catalog unit; finite, |value| <= 1e15.",
        examples=[8.5],
    )
    numerator: NonNegativeNumber | None = Field(
        default=None,
        description="For ratios: the counted part (e.g. records handled online).",
        examples=[850],
    )
    denominator: PositiveNumber | None = Field(
        default=None,
        description="For ratios: the whole (e.g. all records); required with numerator.",
        examples=[1000],
    )
    reported_at: UtcDatetime | None = Field(
        default=None,
        description="When the agency produced the figure, if different from publishing.",
        examples=["2024-07-02T01:30:00Z"],
    )
    source: SourceText | None = Field(
        default=None,
        description="Where the figure comes from (system, report or form).",
        examples=["Cổng dịch vụ công tỉnh Bình Dương"],
    )
    note: NoteText | None = Field(
        default=None,
        description="Free text from the agency, shown to operators next to the figure.",
        examples=["Số liệu ước tính, sẽ cập nhật khi có báo cáo chính thức."],
    )

    @model_validator(mode="after")
    def _ratio_parts_come_together(self) -> Self:
        if (self.numerator is None) != (self.denominator is None):
            msg = "numerator and denominator must be given together (or both omitted)"
            raise ValueError(msg)
        return self

    @property
    def series_key(self) -> str:
        """'indicator|scope': the Kafka key and the identity of the time series."""
        return topics.series_key(self.indicator, self.scope)


class SeriesUpdated(BaseModel):
    """The aggregator stored new observations of one series; the alert service re-checks it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    schema_version: Literal[1] = Field(
        default=1, description="Contract version of this event.", examples=[1]
    )
    indicator: CatalogCode = Field(description="Indicator code.", examples=["grdp.growth"])
    scope: Code = Field(description="Scope code of the series.", examples=["province"])
    latest_observed_at: UtcDatetime = Field(
        description="observed_at of the newest stored observation of the series (UTC).",
        examples=[_OBSERVED_AT_EXAMPLE],
    )
    latest_value: FiniteNumber = Field(
        description="Value of that newest observation.", examples=[8.5]
    )
    new_observations: int = Field(
        ge=1,
        description="How many observations this batch added (duplicates not counted).",
        examples=[3],
    )
    event_ids: list[UUID] = Field(
        max_length=MAX_EVENT_IDS_PER_UPDATE,
        description=(
            "event_id of the added observations, for tracing; at most "
            f"{MAX_EVENT_IDS_PER_UPDATE}, so it may be shorter than new_observations."
        ),
        examples=[[_EVENT_ID_EXAMPLE]],
    )
    updated_at: UtcDatetime = Field(
        description="When the aggregator committed the batch (UTC).",
        examples=["2024-07-02T01:30:05Z"],
    )

    @model_validator(mode="after")
    def _ids_do_not_exceed_count(self) -> Self:
        if len(self.event_ids) > self.new_observations:
            msg = "event_ids lists more events than new_observations counts"
            raise ValueError(msg)
        return self

    @property
    def series_key(self) -> str:
        """'indicator|scope': the Kafka key of this event."""
        return topics.series_key(self.indicator, self.scope)


class AlertStateChanged(BaseModel):
    """An alert on a target fired, was acknowledged or resolved."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    schema_version: Literal[1] = Field(
        default=1, description="Contract version of this event.", examples=[1]
    )
    alert_id: UUID = Field(
        description="Identity of the alert across its state changes.",
        examples=["0b8e4c1a-3f2d-4e6b-a9c7-5d1e2f3a4b5c"],
    )
    target_id: CatalogCode = Field(
        description="Catalog code of the target; the Kafka key of this event.",
        examples=["grdp.growth-2025"],
    )
    indicator: CatalogCode = Field(description="Indicator of the target.", examples=["grdp.growth"])
    scope: Code = Field(description="Scope of the target.", examples=["province"])
    state: AlertState = Field(description="State after this change.", examples=["firing"])
    previous_state: AlertState | None = Field(
        default=None,
        description="State before this change; absent when the alert first fires.",
        examples=[None, "firing"],
    )
    risk_status: RiskStatus = Field(
        description="How the target stands at the time of the change.", examples=["at_risk"]
    )
    severity: Severity = Field(description="Severity set on the target.", examples=["warning"])
    current_value: FiniteNumber | None = Field(
        default=None,
        description="Latest value of the series, absent when stale or never reported.",
        examples=[6.1],
    )
    changed_at: UtcDatetime = Field(
        description="When the state changed (UTC).", examples=["2024-07-02T01:31:00Z"]
    )
    changed_by: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Who acknowledged or resolved by hand; absent for automatic changes.",
        examples=["pct.ubnd@binhduong.gov.vn"],
    )
    summary_vi: str = Field(
        min_length=1,
        max_length=1000,
        description="One-paragraph summary in Vietnamese (the default language).",
        examples=["Tăng trưởng GRDP 6,1%, dưới mức cần đạt để hoàn thành chỉ tiêu 8,5%."],
    )
    summary_en: str = Field(
        min_length=1,
        max_length=1000,
        description="The same summary in English.",
        examples=["GRDP growth 6.1%, below the pace needed to reach the 8.5% target."],
    )

    @model_validator(mode="after")
    def _state_actually_changes(self) -> Self:
        if self.previous_state is not None and self.previous_state == self.state:
            msg = f"previous_state and state are both {self.state.value!r}; nothing changed"
            raise ValueError(msg)
        return self
