"""Applications (drafts) and cases (submitted matters) with their event history."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, unique_where, utcnow


class Application(UUIDPrimaryKey, Timestamps, Base):
    """The applicant's answers for one service, saved at every step until submitted."""

    __tablename__ = "application"
    __table_args__ = (UniqueConstraint("applicant_id", "idempotency_key"),)

    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | submitted
    answers: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # requirement code -> document id chosen from the wallet
    documents: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Questions the applicant chose to answer later ("I don't know yet"): asked again, and
    # listed on the task list as "to answer later".
    answer_later: Mapped[list[str]] = mapped_column(JSON, default=list)
    declaration_at: Mapped[datetime | None]
    sensitive_consent_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(20), default="web")
    filed_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))


class CaseCounter(Base):
    """Per district and year; locking the row hands out gap-free case numbers."""

    __tablename__ = "case_counter"

    district: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


# A top-level case still open (not in a final status: app.workflow.states.CaseStatus.FINAL,
# spelled out because models do not import the workflow; a unit test keeps the two alike).
FINAL_CASE_STATUSES = (
    "not_accepted",
    "rejected",
    "withdrawn",
    "terminated",
    "revoked",
    "closed",
    "cancelled",
)
OPEN_BENEFIT_CASE = (
    "benefit IS NOT NULL AND parent_id IS NULL AND status NOT IN ("
    + ", ".join(f"'{s}'" for s in FINAL_CASE_STATUSES)
    + ")"
)


class Case(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "service_case"
    __table_args__ = (
        # Staff queues page by (deadline_date, id) within a district, optionally narrowed by
        # department and/or status; each shape gets an index that serves the ORDER BY directly.
        Index("ix_case_queue", "district", "department", "status", "deadline_date", "id"),
        Index("ix_case_queue_district", "district", "deadline_date", "id"),
        Index("ix_case_queue_status", "district", "status", "deadline_date", "id"),
        Index("ix_case_queue_department", "district", "department", "deadline_date", "id"),
        # The 专窗's few flagged cases head Changning's first queue page: without their own
        # index PostgreSQL walked the district's cases by deadline looking for them (250 ms at
        # 1M cases with none flagged).
        Index(
            "ix_case_queue_priority",
            "district",
            "deadline_date",
            "id",
            postgresql_where=text("priority"),
            sqlite_where=text("priority"),
        ),
        # A bundle has each part once, however often the dispatch is retried.
        UniqueConstraint("parent_id", "bundle_part"),
        # One benefit, one open application per person: a second submission for the same
        # benefit while one is still undecided fails here, whatever raced it.
        unique_where(
            "uq_service_case_open_benefit", "applicant_id", "benefit", where=OPEN_BENEFIT_CASE
        ),
        # A case has one party who filed it: a person or an organisation, never both.
        CheckConstraint("(applicant_id IS NULL) <> (organisation_id IS NULL)", name="one_party"),
    )

    number: Mapped[str] = mapped_column(String(30), unique=True)
    lookup_code_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # Bundle parts have none: they are handled on the parent's one application.
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("application.id"), unique=True
    )
    # None on an organisation's own application (``organisation_id`` names the party instead).
    applicant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"))
    district: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(default=1)
    channel: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_on: Mapped[date | None]
    time_limit_days: Mapped[int]
    # Always set so queues sort and page on it: before acceptance the date promised if the case
    # were accepted on submission, then the real deadline; while paused, the last computed one.
    deadline_date: Mapped[date]
    paused_since: Mapped[date | None]
    assignee_staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_member.id"), index=True
    )
    # 首问负责: the first clerk who took the case stays responsible until it closes.
    first_responsible_staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_member.id"), index=True
    )
    # 四眼原则: who started the review (or acted as reviewer since); they may not decide.
    reviewer_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    eligibility_status: Mapped[str | None] = mapped_column(String(20))
    eligibility_receipt: Mapped[dict[str, object] | None] = mapped_column(JSON)
    eligibility_result: Mapped[dict[str, object] | None] = mapped_column(JSON)
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"), index=True)
    # The credit code the applicant named: when no verified organisation has it yet, the case
    # attaches to the organisation once it registers and is verified.
    employer_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    # None: not asked or not yet answered; True/False: the employer's answer.
    employer_confirmed: Mapped[bool | None]
    pending_materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    pending_due_date: Mapped[date | None]
    approved_on_commitment: Mapped[bool] = mapped_column(default=False)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    result_channel: Mapped[str | None] = mapped_column(
        String(20)
    )  # window | post | online (ResultDelivery)
    closed_at: Mapped[datetime | None]
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service_case.id"), index=True)
    # 人才落户一件事: which step of the parent bundle this case is (app.workflow.bundle.PARTS).
    bundle_part: Mapped[str | None] = mapped_column(String(40))
    # The service's benefit (``Service.benefit``) when a person may hold it once at a time.
    benefit: Mapped[str | None] = mapped_column(String(40))
    # A one-off money decision: the amount the approver decided, in whole yuan. The payments
    # room turns it into one payable entitlement when the case is approved.
    decided_amount_cny: Mapped[int | None]
    # An organisation's own application (exam-fee batch claims, studios, bases, rewards): the
    # organisation that files and is paid. A person's case leaves it empty.
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"), index=True)
    # 高层次人才服务专窗 (Changning): the person was certified high-level talent when the case
    # was filed; the district's queues list such cases first, with a badge.
    priority: Mapped[bool] = mapped_column(default=False, server_default=false())


class CaseEvent(UUIDPrimaryKey, Base):
    """Append-only history of a case: one row per transition, written in the same transaction."""

    __tablename__ = "case_event"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    actor_role: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class CasePause(UUIDPrimaryKey, Base):
    """An interval when the deadline clock stood still (supplement requested → received)."""

    __tablename__ = "case_pause"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    started_on: Mapped[date]
    ended_on: Mapped[date | None]


class SupplementRequest(UUIDPrimaryKey, Base):
    """一次性告知: every missing item in one notice."""

    __tablename__ = "supplement_request"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    items: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    fulfilled_at: Mapped[datetime | None]


class CaseSchedule(UUIDPrimaryKey, Base):
    """Reminders, automatic actions and verification tasks the workflow asked for."""

    __tablename__ = "case_schedule"
    __table_args__ = (Index("ix_case_schedule_due", "status", "due_on"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # reminder | action | verification
    follow_up: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str | None] = mapped_column(String(40))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|done|cancelled
    done_at: Mapped[datetime | None]
    # 告知承诺 verification tasks: who checked the commitment, what they found, and their note.
    outcome: Mapped[str | None] = mapped_column(String(20))  # verified | revoked
    note: Mapped[str | None] = mapped_column(Text)
    done_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))


class CaseNote(UUIDPrimaryKey, Base):
    """Internal notes among staff, or messages to the applicant (``to_applicant``)."""

    __tablename__ = "case_note"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    author_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    to_applicant: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseDocument(UUIDPrimaryKey, Base):
    """A wallet document attached to a case for one requirement."""

    __tablename__ = "case_document"
    __table_args__ = (UniqueConstraint("case_id", "document_id"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("document.id"))
    requirement: Mapped[str] = mapped_column(String(60))
    original_seen_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    original_seen_at: Mapped[datetime | None]
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rating(UUIDPrimaryKey, Base):
    """好差评: one rating per case after the result is issued."""

    __tablename__ = "rating"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), unique=True)
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"))
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    district: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(40))
    window_staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUpTask(UUIDPrimaryKey, Base):
    """A poor rating (1–2) opens a task for the department's supervisor."""

    __tablename__ = "follow_up_task"

    rating_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating.id"), unique=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"))
    district: Mapped[str] = mapped_column(String(20), index=True)
    department: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | resolved
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)  # the 回访 outcome
    resolved_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
