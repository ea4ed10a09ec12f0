"""Rent subsidies paid month by month: enrolments, monthly cycles with maker/checker approval,
entitlements, and reconciliation against the bank's result file."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, unique_where, utcnow


class Enrolment(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "subsidy_enrolment"
    __table_args__ = (
        # One benefit paid once: a person holds one enrolment per benefit until it has ended
        # (a suspended one may resume, so it still counts).
        unique_where(
            "uq_subsidy_enrolment_benefit",
            "applicant_id",
            "benefit",
            where="benefit IS NOT NULL AND status <> 'ended'",
        ),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), unique=True)
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    district: Mapped[str] = mapped_column(String(20), index=True)
    policy_id: Mapped[str] = mapped_column(String(80))
    benefit: Mapped[str | None] = mapped_column(String(40))  # the service's, see Service.benefit
    schedule: Mapped[list[int]] = mapped_column(JSON)  # CNY per month, in order
    cap_total_cny: Mapped[int]
    starts_on: Mapped[date]  # first month paid
    months_paid: Mapped[int] = mapped_column(default=0)
    total_paid_cny: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|suspended|ended
    status_reason: Mapped[str | None] = mapped_column(String(500))
    account_name: Mapped[str] = mapped_column(String(100))
    bank_account_enc: Mapped[bytes] = mapped_column(LargeBinary)
    bank_account_masked: Mapped[str] = mapped_column(String(40))


class PaymentCycle(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "payment_cycle"
    __table_args__ = (UniqueConstraint("district", "month"),)

    district: Mapped[str] = mapped_column(String(20))
    month: Mapped[date]  # first day of the month paid
    status: Mapped[str] = mapped_column(String(20), default="computed")
    # computed -> reviewed (maker) -> approved (checker) -> reconciled
    maker_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    checker_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    reconciled_at: Mapped[datetime | None]
    result_file_sha256: Mapped[str | None] = mapped_column(String(64))


class Entitlement(UUIDPrimaryKey, Base):
    __tablename__ = "subsidy_entitlement"
    __table_args__ = (
        # One regular entitlement per enrolment and cycle, and a failed payment is carried
        # forward exactly once: generating a cycle twice cannot pay anyone twice.
        unique_where(
            "uq_entitlement_regular", "cycle_id", "enrolment_id", where="carried_from_id IS NULL"
        ),
        unique_where(
            "uq_entitlement_carried", "carried_from_id", where="carried_from_id IS NOT NULL"
        ),
        # A one-off grant has one line of its own in all runs (a retry is a carried line).
        unique_where(
            "uq_entitlement_grant",
            "grant_id",
            where="grant_id IS NOT NULL AND carried_from_id IS NULL",
        ),
        CheckConstraint("(enrolment_id IS NULL) <> (grant_id IS NULL)", name="one_source"),
    )

    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_cycle.id"), index=True)
    # A month of an enrolment, or a one-off grant (``grant_payment``): exactly one of the two.
    enrolment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subsidy_enrolment.id"), index=True
    )
    grant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("grant_payment.id"), index=True)
    month_index: Mapped[int]  # 0-based month of the schedule this pays
    amount_cny: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="due")  # due|paid|failed|carried
    carried_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("subsidy_entitlement.id"))
    bank_reference: Mapped[str | None] = mapped_column(String(60))
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
