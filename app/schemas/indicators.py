"""The plans' indicators as the public page, the CSV and ``/api/v1/indicators`` give them, and
the staff forms that record figures and write evaluations."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.text import CleanInput
from app.workflow.indicators import Progress, SnapshotKind


class FigureRead(BaseModel):
    """One figure, with how it was arrived at and where it comes from."""

    period: str  # "2024", or "2024-Q3" for a quarter
    year: int
    quarter: int | None = None
    value: float
    # computed (a named portal query), recorded (an outside source, confirmed by a second
    # admin) or baseline (the plan's own 2020 figure)
    method: str
    source: str
    source_url: str | None = None
    is_demo: bool = False


class StandingRead(BaseModel):
    progress: Progress
    expected: float | None = Field(description="The straight line's figure for the latest year")
    share_of_target: float | None = Field(description="0 to 1, from the starting point")
    start: float | None
    start_year: int | None
    start_from_record: bool = Field(
        description="The plan gives no baseline: the earliest figure on record is the start"
    )


class IndicatorRead(BaseModel):
    code: str
    district: str
    number: int
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    target: float
    target_text: str | None
    target_year: int
    binding: bool = Field(description="约束性 (binding); otherwise 预期性 (expected)")
    baseline: float | None
    baseline_year: int | None
    baseline_source: str | None
    method: str  # computed | recorded
    method_zh: str
    method_en: str
    latest: FigureRead | None
    standing: StandingRead
    values: list[FigureRead] = Field(description="The yearly series, baseline first")
    quarters: list[FigureRead] = Field(default_factory=list)
    # A recorded indicator of which the portal sees a part (Yangpu 8's settlements).
    portal_part: FigureRead | None = None
    portal_part_zh: str | None = None
    portal_part_en: str | None = None


class SnapshotItemRead(BaseModel):
    indicator: str
    period: str | None
    value: float | None
    expected: float | None
    progress: Progress
    method: str | None
    source: str | None
    is_demo: bool
    narrative_zh: str
    narrative_en: str


class SnapshotRead(BaseModel):
    id: uuid.UUID
    district: str
    kind: SnapshotKind
    year: int
    version: int
    status: str
    corrects_id: uuid.UUID | None
    correction_reason: str | None
    superseded_by_version: int | None = None
    drafted_at: datetime
    approved_at: datetime | None
    published_at: datetime | None
    is_demo: bool
    items: list[SnapshotItemRead]


class DistrictBoardRead(BaseModel):
    district: str
    plan_title_zh: str
    plan_title_en: str
    last_refresh: datetime | None
    indicators: list[IndicatorRead]
    snapshots: list[SnapshotRead] = Field(description="Published evaluations, newest first")


class ThresholdsRead(BaseModel):
    on_track_at: float
    at_risk_at: float


class BoardRead(BaseModel):
    generated_at: datetime
    thresholds: ThresholdsRead
    has_demo_data: bool
    districts: list[DistrictBoardRead]


# Staff forms -----------------------------------------------------------------------------------


class _In(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ValueRecord(_In):
    """A figure from an outside source; a second admin confirms it."""

    indicator: str = Field(min_length=3, max_length=30)
    year: int = Field(ge=2015, le=2035)
    quarter: int | None = Field(default=None, ge=1, le=4)
    value: float = Field(ge=0, le=100_000_000)
    source: str = Field(min_length=4, max_length=500)
    source_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")


class ValueDecision(_In):
    note: str | None = Field(default=None, max_length=500)


class SnapshotDraft(_In):
    kind: SnapshotKind
    year: int = Field(ge=2021, le=2035)


class NarrativeUpdate(_In):
    indicator: str = Field(min_length=3, max_length=30)
    narrative_zh: str = Field(min_length=2, max_length=2000)
    narrative_en: str = Field(min_length=2, max_length=2000)


class CorrectionRequest(_In):
    reason: str = Field(min_length=2, max_length=1000)
