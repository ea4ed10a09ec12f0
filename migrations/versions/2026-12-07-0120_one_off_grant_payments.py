"""one-off grants paid through finance: grant_payment, organisation bank accounts, the
catalog's payment key, and payment-run lines that pay a grant (issue 15)

Revision ID: 88bfaa4b6a75
Revises: a646843f59be
Create Date: 2026-12-07 01:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "88bfaa4b6a75"
down_revision: str | None = "a646843f59be"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_OFF_SERVICES = ("exam_fee_reimbursement", "skills_subsidy")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _partial_unique(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        table,
        columns,
        unique=True,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def upgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("payment", sa.String(20), nullable=True))
    service = sa.table("service", sa.column("code", sa.String), sa.column("payment", sa.String))
    op.execute(
        service.update().where(service.c.code.in_(ONE_OFF_SERVICES)).values(payment="one_off")
    )
    op.create_table(
        "grant_payment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(20), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("beneficiary_name", sa.String(200), nullable=False),
        sa.Column("amount_cny", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=True),
        sa.Column("bank_account_enc", sa.LargeBinary(), nullable=True),
        sa.Column("bank_account_masked", sa.String(40), nullable=True),
        sa.Column("returned_reason", sa.String(200), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("amount_cny > 0", name=op.f("ck_grant_payment_amount_positive")),
        sa.CheckConstraint(
            "(applicant_id IS NULL) <> (organisation_id IS NULL)",
            name=op.f("ck_grant_payment_one_beneficiary"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["service_case.id"], name=op.f("fk_grant_payment_case_id_service_case")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_grant_payment_service_id_service")
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_grant_payment_applicant_id_applicant"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["employer.id"],
            name=op.f("fk_grant_payment_organisation_id_employer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_payment")),
        sa.UniqueConstraint("case_id", name=op.f("uq_grant_payment_case_id")),
    )
    for column in ("district", "applicant_id", "organisation_id", "status"):
        op.create_index(op.f(f"ix_grant_payment_{column}"), "grant_payment", [column])
    op.create_table(
        "organisation_bank_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("bank_account_enc", sa.LargeBinary(), nullable=False),
        sa.Column("bank_account_masked", sa.String(40), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_organisation_bank_account_employer_id_employer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_bank_account")),
        sa.UniqueConstraint("employer_id", name=op.f("uq_organisation_bank_account_employer_id")),
    )
    # The partial unique indexes are dropped around the batch (SQLite rebuilds the table) and
    # made again after it, alike on both databases.
    op.drop_index("uq_entitlement_regular", table_name="subsidy_entitlement")
    op.drop_index("uq_entitlement_carried", table_name="subsidy_entitlement")
    with op.batch_alter_table("subsidy_entitlement") as batch:
        batch.alter_column("enrolment_id", existing_type=sa.Uuid(), nullable=True)
        batch.add_column(sa.Column("grant_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_subsidy_entitlement_grant_id_grant_payment"),
            "grant_payment",
            ["grant_id"],
            ["id"],
        )
        batch.create_index(batch.f("ix_subsidy_entitlement_grant_id"), ["grant_id"])
        batch.create_check_constraint(
            batch.f("ck_subsidy_entitlement_one_source"),
            sa.text("(enrolment_id IS NULL) <> (grant_id IS NULL)"),
        )
    _partial_unique(
        "uq_entitlement_regular",
        "subsidy_entitlement",
        ["cycle_id", "enrolment_id"],
        "carried_from_id IS NULL",
    )
    _partial_unique(
        "uq_entitlement_carried",
        "subsidy_entitlement",
        ["carried_from_id"],
        "carried_from_id IS NOT NULL",
    )
    _partial_unique(
        "uq_entitlement_grant",
        "subsidy_entitlement",
        ["grant_id"],
        "grant_id IS NOT NULL AND carried_from_id IS NULL",
    )


def downgrade() -> None:
    op.execute("DELETE FROM subsidy_entitlement WHERE grant_id IS NOT NULL")
    op.drop_index("uq_entitlement_grant", table_name="subsidy_entitlement")
    op.drop_index("uq_entitlement_regular", table_name="subsidy_entitlement")
    op.drop_index("uq_entitlement_carried", table_name="subsidy_entitlement")
    with op.batch_alter_table("subsidy_entitlement") as batch:
        batch.drop_constraint(batch.f("ck_subsidy_entitlement_one_source"), type_="check")
        batch.drop_index(batch.f("ix_subsidy_entitlement_grant_id"))
        batch.drop_constraint(
            batch.f("fk_subsidy_entitlement_grant_id_grant_payment"), type_="foreignkey"
        )
        batch.drop_column("grant_id")
        batch.alter_column("enrolment_id", existing_type=sa.Uuid(), nullable=False)
    _partial_unique(
        "uq_entitlement_regular",
        "subsidy_entitlement",
        ["cycle_id", "enrolment_id"],
        "carried_from_id IS NULL",
    )
    _partial_unique(
        "uq_entitlement_carried",
        "subsidy_entitlement",
        ["carried_from_id"],
        "carried_from_id IS NOT NULL",
    )
    op.drop_table("organisation_bank_account")
    for column in ("district", "applicant_id", "organisation_id", "status"):
        op.drop_index(op.f(f"ix_grant_payment_{column}"), table_name="grant_payment")
    op.drop_table("grant_payment")
    with op.batch_alter_table("service") as batch:
        batch.drop_column("payment")
