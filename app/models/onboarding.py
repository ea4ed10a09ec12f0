"""初到杨浦 / 虹桥 (issue 18): what the onboarding bundle keeps besides its cases: the pre-check's
class, the employer's recorded work-permit application, and the person's ticked check-lists."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey


class OnboardingRecord(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "onboarding_record"
    __table_args__ = (
        CheckConstraint("permit_class IN ('A','B','C')", name="permit_class"),
        CheckConstraint("handoff_outcome IN ('filed','granted','refused')", name="handoff_outcome"),
        CheckConstraint("housing_route IN ('apartment','rent_subsidy')", name="housing_route"),
    )

    # The bundle case; its parts (sub-cases) are cases with ``parent_id`` set to it. Deleted
    # with the case (records retention destroys a case through its foreign keys).
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_case.id", ondelete="CASCADE"), unique=True
    )
    # None while the form missed facts the rule needs (the class is then worked out again).
    permit_class: Mapped[str | None] = mapped_column(String(1))
    points: Mapped[int | None]
    precheck_receipt: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # The employer's application in the national work-permit system: the portal files nothing.
    handoff_number: Mapped[str | None] = mapped_column(String(40))
    handoff_outcome: Mapped[str | None] = mapped_column(String(20))
    handoff_recorded_at: Mapped[datetime | None]
    handoff_recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    # Codes of the check-list items the person ticked (app.workflow.onboarding.CHECKLIST_LABELS).
    ticked: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The housing office's decision on the housing step: a talent apartment offered (the step
    # is done when the person accepts it) or the rent subsidy (done with the decision).
    housing_route: Mapped[str | None] = mapped_column(String(20))
    # The schooling consultation the person requested from the step (a case of its own).
    schooling_application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL")
    )
