"""What every catalog entry shares: immutable, and strict about unknown fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Text = Annotated[str, Field(min_length=1, max_length=300)]


class CatalogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
