"""The people alerts and reminders are sent to."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field, model_validator

from ioc_contracts.catalog.entry import CatalogEntry, Text
from ioc_contracts.types import CatalogCode, Code


class Language(StrEnum):
    VI = "vi"
    EN = "en"


class Duty(StrEnum):
    """What a recipient answers for in the reporting calendar (reminders go by duty)."""

    # Sends an agency's reports: reminded before the due day, told when overdue.
    DATA_OFFICER = "data_officer"
    # Heads the agency: told when a report is still missing after the grace period.
    DIRECTOR = "director"
    # The IOC's duty desk: told of every overdue report.
    DUTY_DESK = "duty_desk"


class Recipient(CatalogEntry):
    """Someone alerts are sent to; contact details are per channel and optional."""

    # Chat ids are numbers in YAML unless quoted; they are identifiers, kept as text.
    model_config = ConfigDict(coerce_numbers_to_str=True)

    id: CatalogCode = Field(description="Stable recipient id.", examples=["chu-tich-ubnd"])
    name: Text = Field(description="Name as shown in messages.")
    role_vi: Text = Field(description="Position, in Vietnamese.", examples=["Chủ tịch UBND tỉnh"])
    role_en: str | None = Field(default=None, max_length=300, description="Position, in English.")
    email: str | None = Field(
        default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Email address."
    )
    telegram_chat_id: str | None = Field(
        default=None, pattern=r"^-?\d{1,20}$|^@\w{5,32}$", description="Telegram chat id."
    )
    zalo_user_id: str | None = Field(
        default=None, pattern=r"^\d{1,25}$", description="Zalo Official Account user id."
    )
    language: Language = Field(default=Language.VI, description="Language of messages.")
    agency: Code | None = Field(
        default=None,
        description="The agency this person works for (data officers and directors).",
        examples=["so-tnmt"],
    )
    duty: Duty | None = Field(
        default=None, description="Their part in the reporting calendar, if any."
    )

    @model_validator(mode="after")
    def _duty_fits_agency(self) -> Recipient:
        if self.duty in (Duty.DATA_OFFICER, Duty.DIRECTOR) and self.agency is None:
            raise ValueError(f"a {self.duty} belongs to an agency")
        if self.duty is Duty.DUTY_DESK and self.agency is not None:
            raise ValueError("the duty desk is the IOC's, not an agency's")
        return self
