"""programme awards in the talent register and the benefits that follow membership: the
award's reference (unique per person), the organisation, the expiry round's marks; award grants
paid in instalments without a case; a service card flagged when its basis ended (issue 16)

Revision ID: a16c0371e5b2
Revises: 3f70a9c41d27
Create Date: 2026-12-07 11:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a16c0371e5b2"
down_revision: str | None = "3f70a9c41d27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("talent_register_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("expiry_warned_for", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("expiry_ended_for", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_talent_register_entry_organisation_id_employer"),
            "employer",
            ["organisation_id"],
            ["id"],
        )
        batch_op.create_index(
            "uq_talent_register_award",
            ["reference", "applicant_id"],
            unique=True,
            postgresql_where=sa.text("reference IS NOT NULL"),
            sqlite_where=sa.text("reference IS NOT NULL"),
        )
        batch_op.create_index("ix_talent_register_expiry", ["valid_until"], unique=False)
    with op.batch_alter_table("grant_payment", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.alter_column("service_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.add_column(sa.Column("register_entry_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("instalment", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payable_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reference", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("title_zh", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("title_en", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("amount_assumed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_grant_payment_register_entry_id_talent_register_entry"),
            "talent_register_entry",
            ["register_entry_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_grant_payment_register_entry_id"), ["register_entry_id"], unique=False
        )
        batch_op.create_index(
            "uq_grant_payment_award_instalment",
            ["register_entry_id", "instalment"],
            unique=True,
            postgresql_where=sa.text("register_entry_id IS NOT NULL"),
            sqlite_where=sa.text("register_entry_id IS NOT NULL"),
        )
        batch_op.create_check_constraint(
            op.f("ck_grant_payment_one_basis"), "(case_id IS NULL) <> (register_entry_id IS NULL)"
        )
    with op.batch_alter_table("service_card", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basis_ended_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_card", schema=None) as batch_op:
        batch_op.drop_column("basis_ended_on")
    op.execute(
        "DELETE FROM subsidy_entitlement WHERE grant_id IN "
        "(SELECT id FROM grant_payment WHERE register_entry_id IS NOT NULL)"
    )
    op.execute("DELETE FROM grant_payment WHERE register_entry_id IS NOT NULL")
    with op.batch_alter_table("grant_payment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_grant_payment_one_basis"), type_="check")
        batch_op.drop_index("uq_grant_payment_award_instalment")
        batch_op.drop_index(batch_op.f("ix_grant_payment_register_entry_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_grant_payment_register_entry_id_talent_register_entry"),
            type_="foreignkey",
        )
        for column in (
            "amount_assumed",
            "title_en",
            "title_zh",
            "reference",
            "payable_on",
            "instalment",
            "register_entry_id",
        ):
            batch_op.drop_column(column)
        batch_op.alter_column("service_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("case_id", existing_type=sa.Uuid(), nullable=False)
    with op.batch_alter_table("talent_register_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_talent_register_expiry")
        batch_op.drop_index("uq_talent_register_award")
        batch_op.drop_constraint(
            batch_op.f("fk_talent_register_entry_organisation_id_employer"), type_="foreignkey"
        )
        for column in ("expiry_ended_for", "expiry_warned_for", "organisation_id", "reference"):
            batch_op.drop_column(column)
