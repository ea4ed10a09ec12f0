"""the Yangpu talent service card, and Changning's priority flag on cases (issue 17, point 3)

Revision ID: cb6d883c1155
Revises: 05b84c8ce445
Create Date: 2026-12-07 03:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "cb6d883c1155"
down_revision: str | None = "05b84c8ce445"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = "status = 'active'"


def upgrade() -> None:
    op.create_table(
        "service_card",
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("verify_token", sa.String(length=64), nullable=False),
        sa.Column("renewed_on", sa.Date(), nullable=True),
        sa.Column("renewal_notice_for", sa.Date(), nullable=True),
        sa.Column("revoked_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active','revoked','expired')", name=op.f("ck_service_card_status")
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicant.id"], name=op.f("fk_service_card_applicant_id_applicant")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["service_case.id"], name=op.f("fk_service_card_case_id_service_case")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_user_id"],
            ["user.id"],
            name=op.f("fk_service_card_revoked_by_user_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_card")),
        sa.UniqueConstraint("case_id", name=op.f("uq_service_card_case_id")),
        sa.UniqueConstraint("number", name=op.f("uq_service_card_number")),
        sa.UniqueConstraint("verify_token", name=op.f("uq_service_card_verify_token")),
    )
    with op.batch_alter_table("service_card", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_card_applicant_id"), ["applicant_id"], unique=False
        )
    op.create_index(
        "uq_service_card_active_holder",
        "service_card",
        ["applicant_id"],
        unique=True,
        postgresql_where=sa.text(_ACTIVE),
        sqlite_where=sa.text(_ACTIVE),
    )
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.drop_column("priority")
    op.drop_index("uq_service_card_active_holder", table_name="service_card")
    with op.batch_alter_table("service_card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_card_applicant_id"))
    op.drop_table("service_card")
