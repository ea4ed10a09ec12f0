from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.text import CleanInput


class EligibilityCheck(CleanInput):
    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any] = Field(description="Talent facts by name (see GET /api/v1/facts)")
    as_of: date | None = Field(default=None, description="Evaluation date; default today")
    policies: list[str] | None = Field(default=None, max_length=50)
    district: Literal["yangpu", "changning"] | None = None


class EligibilityResults(BaseModel):
    as_of: date
    results: list[dict[str, Any]]
