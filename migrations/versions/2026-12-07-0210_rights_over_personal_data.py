"""a person's rights over their data: copies, correction requests, deletions (issue 22)

Revision ID: fb2ad2eb2425
Revises: 4e2b9d7a1c63
Create Date: 2026-12-07 02:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "fb2ad2eb2425"
down_revision: str | None = "4e2b9d7a1c63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_deletion",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("deleted_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("records_kept", sa.Integer(), nullable=False),
        sa.Column("confirmation_key", sa.String(length=120), nullable=False),
        sa.Column("email_erased_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_account_deletion_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_deletion")),
        sa.UniqueConstraint("user_id", name=op.f("uq_account_deletion_user_id")),
    )
    op.create_table(
        "data_export",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("requested_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("storage_key", sa.String(length=100), nullable=True),
        sa.Column(
            "size_bytes", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_data_export_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_export")),
    )
    with op.batch_alter_table("data_export", schema=None) as batch_op:
        batch_op.create_index("ix_data_export_due", ["status", "requested_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_export_user_id"), ["user_id"], unique=False)

    op.create_table(
        "correction_request",
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("verification_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("fact", sa.String(length=60), nullable=False),
        sa.Column("current_value", sa.JSON(), nullable=True),
        sa.Column("requested_value", sa.String(length=200), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_correction_request_applicant_id_applicant"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["user.id"],
            name=op.f("fk_correction_request_decided_by_user_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["verification_id"],
            ["fact_verification.id"],
            name=op.f("fk_correction_request_verification_id_fact_verification"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_request")),
    )
    with op.batch_alter_table("correction_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_correction_request_applicant_id"), ["applicant_id"], unique=False
        )
        batch_op.create_index(
            "ix_correction_request_queue", ["district", "status", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("correction_request", schema=None) as batch_op:
        batch_op.drop_index("ix_correction_request_queue")
        batch_op.drop_index(batch_op.f("ix_correction_request_applicant_id"))

    op.drop_table("correction_request")
    with op.batch_alter_table("data_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_export_user_id"))
        batch_op.drop_index("ix_data_export_due")

    op.drop_table("data_export")
    op.drop_table("account_deletion")
