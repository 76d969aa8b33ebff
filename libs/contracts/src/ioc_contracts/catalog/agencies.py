"""The publishing agencies and the scopes they stand for."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from ioc_contracts.catalog.entry import CatalogEntry, Text
from ioc_contracts.types import Code


class ScopeWord(StrEnum):
    """Words a publish grant may use instead of naming one agency."""

    OWN = "own"
    PROVINCE = "province"
    DISTRICTS = "districts"
    DEPARTMENTS = "departments"


# The province is both an agency and a scope under this one code, so that an agency's
# own scope is always its code (IndicatorEvent.agency and .scope use it alike).
PROVINCE_CODE = ScopeWord.PROVINCE.value


class AgencyKind(StrEnum):
    """The agency's place: a department, or a level of the administrative map."""

    DEPARTMENT = "department"
    DISTRICT = "district"  # huyện, thị xã, thành phố thuộc tỉnh
    PROVINCE = "province"
    COMMUNE = "commune"  # xã, phường, thị trấn


class Agency(CatalogEntry):
    """A publishing body: the province, a department ("sở, ban, ngành") or a district."""

    code: Code = Field(description="Stable code, lowercase ASCII.", examples=["so-tnmt"])
    name_vi: Text = Field(description="Vietnamese name.", examples=["Sở Tài nguyên và Môi trường"])
    name_en: Text = Field(
        description="English name.", examples=["Department of Natural Resources and Environment"]
    )
    kind: AgencyKind = Field(
        description="Province, department, district or commune: the scope's level."
    )
    parent: Code | None = Field(
        default=None,
        description="Code of the supervising agency when the scope was created; where a "
        "change retires it later, `ioc_catalog.scopes` gives the parent at a time.",
    )
    valid_from: date | None = Field(
        default=None,
        description="First day (Vietnam's calendar) the scope exists; always, when left out.",
    )
    valid_until: date | None = Field(
        default=None,
        description="First day it no longer exists (the effective date of the change that "
        "retired it); never retired when left out.",
    )

    @model_validator(mode="after")
    def _validity_ordered(self) -> Agency:
        if self.valid_from and self.valid_until and self.valid_from >= self.valid_until:
            raise ValueError("valid_from must be before valid_until")
        return self
