"""notices of newly qualifying, once per person and policy version (issue 17, point 6)

Revision ID: 53f4852b9073
Revises: 3c7e91a4d2b8
Create Date: 2026-12-07 04:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "53f4852b9073"
down_revision: str | None = "3c7e91a4d2b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qualifying_notice",
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.String(length=80), nullable=False),
        sa.Column("policy_version", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("service_codes", sa.JSON(), nullable=False),
        sa.Column("sent_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "trigger IN ('policy_change','time')", name=op.f("ck_qualifying_notice_trigger")
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_qualifying_notice_applicant_id_applicant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifying_notice")),
        sa.UniqueConstraint(
            "applicant_id",
            "policy_id",
            "policy_version",
            name=op.f("uq_qualifying_notice_applicant_id_policy_id_policy_version"),
        ),
    )
    with op.batch_alter_table("qualifying_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qualifying_notice_applicant_id"), ["applicant_id"], unique=False
        )
    op.create_table(
        "qualifying_check",
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_qualifying_check_applicant_id_applicant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("applicant_id", name=op.f("pk_qualifying_check")),
    )


def downgrade() -> None:
    op.drop_table("qualifying_check")
    with op.batch_alter_table("qualifying_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qualifying_notice_applicant_id"))
    op.drop_table("qualifying_notice")
