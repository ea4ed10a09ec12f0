"""the onboarding bundle's record: pre-check class, the employer's work-permit hand-off, the
person's ticked check-lists (issue 18)

Revision ID: 12083b05a6f6
Revises: 1ede0edaecd1
Create Date: 2026-12-07 08:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "12083b05a6f6"
down_revision: str | None = "1ede0edaecd1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onboarding_record",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("permit_class", sa.String(length=1), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("precheck_receipt", sa.JSON(), nullable=False),
        sa.Column("handoff_number", sa.String(length=40), nullable=True),
        sa.Column("handoff_outcome", sa.String(length=20), nullable=True),
        sa.Column("handoff_recorded_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handoff_recorded_by", sa.Uuid(), nullable=True),
        sa.Column("ticked", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "permit_class IN ('A','B','C')", name=op.f("ck_onboarding_record_permit_class")
        ),
        sa.CheckConstraint(
            "handoff_outcome IN ('filed','granted','refused')",
            name=op.f("ck_onboarding_record_handoff_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
            name=op.f("fk_onboarding_record_case_id_service_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["handoff_recorded_by"],
            ["user.id"],
            name=op.f("fk_onboarding_record_handoff_recorded_by_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_record")),
        sa.UniqueConstraint("case_id", name=op.f("uq_onboarding_record_case_id")),
    )


def downgrade() -> None:
    op.drop_table("onboarding_record")
