"""household keys, spouse ids, lease renewal terms and move-out inspection

Revision ID: 2e61b91ab86b
Revises: 5f1c2a9d7e30
Create Date: 2026-12-03 09:53:23.590945+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "2e61b91ab86b"
down_revision: str | None = "5f1c2a9d7e30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spouse_identity",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("id_kind", sa.String(length=20), nullable=False),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=False),
        sa.Column("id_number_index", sa.String(length=64), nullable=False),
        sa.Column("id_number_masked", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "id_kind IN ('resident_id','passport')", name=op.f("ck_spouse_identity_id_kind")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_spouse_identity_application_id_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spouse_identity")),
        sa.UniqueConstraint("application_id", name=op.f("uq_spouse_identity_application_id")),
    )
    with op.batch_alter_table("spouse_identity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spouse_identity_id_number_index"), ["id_number_index"], unique=False
        )

    op.create_table(
        "household_key",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("role IN ('applicant','spouse')", name=op.f("ck_household_key_role")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["waitlist_entry.id"],
            name=op.f("fk_household_key_entry_id_waitlist_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_key")),
    )
    with op.batch_alter_table("household_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_key_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            "uq_household_key_active",
            ["person_key"],
            unique=True,
            postgresql_where=sa.text("released_at IS NULL"),
            sqlite_where=sa.text("released_at IS NULL"),
        )

    # Plain ADD COLUMN, not a batch copy: the copy could lose the lease's partial indexes.
    op.add_column("lease", sa.Column("renewal_rent_cny", sa.Integer(), nullable=True))
    op.add_column(
        "lease",
        sa.Column("renewal_proposed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("lease", sa.Column("renewal_proposed_by", sa.Uuid(), nullable=True))
    op.add_column("lease", sa.Column("move_out_requested_on", sa.Date(), nullable=True))
    op.add_column("lease", sa.Column("ended_on", sa.Date(), nullable=True))
    op.add_column("lease", sa.Column("inspection_condition", sa.String(length=20), nullable=True))
    op.add_column("lease", sa.Column("deposit_deduction_cny", sa.Integer(), nullable=True))
    op.add_column("lease", sa.Column("inspection_note", sa.String(length=500), nullable=True))
    op.add_column("lease", sa.Column("inspected_by", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("lease", "inspected_by")
    op.drop_column("lease", "inspection_note")
    op.drop_column("lease", "deposit_deduction_cny")
    op.drop_column("lease", "inspection_condition")
    op.drop_column("lease", "ended_on")
    op.drop_column("lease", "move_out_requested_on")
    op.drop_column("lease", "renewal_proposed_by")
    op.drop_column("lease", "renewal_proposed_at")
    op.drop_column("lease", "renewal_rent_cny")

    with op.batch_alter_table("household_key", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_household_key_active",
            postgresql_where=sa.text("released_at IS NULL"),
            sqlite_where=sa.text("released_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_household_key_entry_id"))

    op.drop_table("household_key")
    with op.batch_alter_table("spouse_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spouse_identity_id_number_index"))

    op.drop_table("spouse_identity")
