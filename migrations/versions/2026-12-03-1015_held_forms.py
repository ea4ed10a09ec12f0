"""held forms: answers posted after the sign-in expired, kept until the applicant signs in

Revision ID: 9c4e2b7a1f63
Revises: 7b3e9c1d4a52
Create Date: 2026-12-03 10:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "9c4e2b7a1f63"
down_revision: str | None = "7b3e9c1d4a52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_form",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("fields_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_held_form_application_id_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_form")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_held_form_token_hash")),
    )
    op.create_index(op.f("ix_held_form_expires_at"), "held_form", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_held_form_expires_at"), table_name="held_form")
    op.drop_table("held_form")
