"""The plans' indicators: figures by period, evaluation snapshots and their items, refreshes.

The indicators themselves (district, number, target, method...) are data in code
(app/services/indicators/definitions.py), taken from the plans' tables; rows here name them by
code (``changning.9``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, unique_where, utcnow


class IndicatorValue(UUIDPrimaryKey, Base):
    """One figure of one indicator for a year (``quarter`` None) or a quarter of it."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        CheckConstraint("origin IN ('computed','recorded')", name="origin"),
        CheckConstraint("status IN ('pending','confirmed','rejected')", name="status"),
        CheckConstraint("quarter IS NULL OR quarter BETWEEN 1 AND 4", name="quarter"),
        # A recorded figure names its source; a computed one its query (in ``source``).
        CheckConstraint("length(source) > 0", name="source"),
        # Each refresh rewrites the computed figure of a period in place.
        unique_where(
            "uq_indicator_value_computed",
            "indicator",
            "year",
            "quarter_key",
            where="origin = 'computed'",
        ),
        Index("ix_indicator_value_district", "district", "indicator", "year"),
    )

    indicator: Mapped[str] = mapped_column(String(30))
    district: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    quarter: Mapped[int | None]
    # 0 for a year's figure: NULLs never collide in a unique index.
    quarter_key: Mapped[int] = mapped_column(default=0)
    value: Mapped[float]
    origin: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # The citation (publication, table, page) or, for a computed figure, the query's name.
    source: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(default=False)
    entered_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]


class IndicatorSnapshot(UUIDPrimaryKey, Base):
    """An annual or the mid-term evaluation of one district: frozen figures and narratives.

    Once published a row and its items never change; a trigger refuses an update or delete
    (the service refuses first, with a message)."""

    __tablename__ = "indicator_snapshot"
    __table_args__ = (
        UniqueConstraint("district", "kind", "year", "version"),
        CheckConstraint("kind IN ('annual','mid_term')", name="kind"),
        CheckConstraint("status IN ('draft','approved','published')", name="status"),
        CheckConstraint(
            "version = 1 OR (correction_reason IS NOT NULL AND length(correction_reason) > 0)",
            name="correction_reason",
        ),
    )

    district: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20))
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("indicator_snapshot.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(default=False)
    drafted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last to write a narrative: the approver must be someone else.
    edited_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None]
    published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime | None]


class IndicatorSnapshotItem(UUIDPrimaryKey, Base):
    __tablename__ = "indicator_snapshot_item"
    __table_args__ = (UniqueConstraint("snapshot_id", "indicator"),)

    snapshot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("indicator_snapshot.id"))
    indicator: Mapped[str] = mapped_column(String(30))
    period: Mapped[str | None] = mapped_column(String(10))
    value: Mapped[float | None]
    expected: Mapped[float | None]
    progress: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(default=False)
    narrative_zh: Mapped[str] = mapped_column(Text, default="")
    narrative_en: Mapped[str] = mapped_column(Text, default="")


class IndicatorRefresh(UUIDPrimaryKey, Base):
    """When the computed figures were last worked out, by the schedule or on demand."""

    __tablename__ = "indicator_refresh"

    district: Mapped[str] = mapped_column(String(20), index=True)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
    trigger: Mapped[str] = mapped_column(String(20))  # schedule | on_demand
    by_user: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    values_written: Mapped[int] = mapped_column(default=0)
