"""One-off grants paid through finance (``app.workflow.grants``): one payable entitlement per
approved money decision, and the bank account an organisation is paid into."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, unique_where


class GrantPayment(UUIDPrimaryKey, Timestamps, Base):
    """What an approved one-off decision owes, to a person or an organisation.

    ``case_id`` is unique: a decision is paid once, however often the approval's follow-up
    runs (a retried request, two approvals racing). The payment run's line is a
    ``subsidy_entitlement`` with ``grant_id`` set, itself unique per grant (a retry is a carried
    line), so two runs cannot both pay it.

    A programme award's grant has no case: it rests on a talent register entry and is paid in
    instalments (``instalment``, ``payable_on``), one row each, unique per entry."""

    __tablename__ = "grant_payment"
    __table_args__ = (
        CheckConstraint("amount_cny > 0", name="amount_positive"),
        CheckConstraint(
            "(applicant_id IS NULL) <> (organisation_id IS NULL)", name="one_beneficiary"
        ),
        CheckConstraint("(case_id IS NULL) <> (register_entry_id IS NULL)", name="one_basis"),
        unique_where(
            "uq_grant_payment_award_instalment",
            "register_entry_id",
            "instalment",
            where="register_entry_id IS NOT NULL",
        ),
    )

    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service_case.id"), unique=True)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"))
    district: Mapped[str] = mapped_column(String(20), index=True)
    applicant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"), index=True)
    beneficiary_name: Mapped[str] = mapped_column(String(200))
    amount_cny: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="awaiting_account", index=True)
    account_name: Mapped[str | None] = mapped_column(String(200))
    bank_account_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    bank_account_masked: Mapped[str | None] = mapped_column(String(40))
    returned_reason: Mapped[str | None] = mapped_column(String(200))
    paid_at: Mapped[datetime | None]
    # A programme award's instalment: the register entry it rests on, its number (1, 2, ...)
    # and the day it falls due (the payment run takes it from then, while the membership
    # holds); the award's reference and programme name stand in for a case and service.
    register_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("talent_register_entry.id"), index=True
    )
    instalment: Mapped[int | None]
    payable_on: Mapped[date | None]
    reference: Mapped[str | None] = mapped_column(String(100))
    title_zh: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    # The amount is not a published figure of the programme (shown as assumed).
    amount_assumed: Mapped[bool] = mapped_column(default=False, server_default=false())


class OrganisationBankAccount(UUIDPrimaryKey, Timestamps, Base):
    """The account an organisation's grants are paid into (encrypted, shown masked)."""

    __tablename__ = "organisation_bank_account"

    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"), unique=True)
    account_name: Mapped[str] = mapped_column(String(200))
    bank_account_enc: Mapped[bytes] = mapped_column(LargeBinary)
    bank_account_masked: Mapped[str] = mapped_column(String(40))
