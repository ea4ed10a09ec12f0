"""password reset and email confirmation tokens, retired refresh tokens (issue 14, items 8, 9)

Revision ID: 5b8d2e6f1a47
Revises: 9e4c1b7a2d58
Create Date: 2026-12-06 23:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "5b8d2e6f1a47"
down_revision: str | None = "9e4c1b7a2d58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_reset_token",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_password_reset_token_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_token_hash")),
    )
    op.create_index(
        op.f("ix_password_reset_token_user_id"), "password_reset_token", ["user_id"], unique=False
    )
    op.create_table(
        "retired_refresh_token",
        sa.Column("refresh_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("retired_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_session.id"],
            name=op.f("fk_retired_refresh_token_session_id_auth_session"),
        ),
        sa.PrimaryKeyConstraint("refresh_hash", name=op.f("pk_retired_refresh_token")),
    )
    op.create_index(
        op.f("ix_retired_refresh_token_session_id"),
        "retired_refresh_token",
        ["session_id"],
        unique=False,
    )

    op.create_table(
        "email_confirmation",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_email_confirmation_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_confirmation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_confirmation_token_hash")),
    )
    op.create_index(
        op.f("ix_email_confirmation_user_id"), "email_confirmation", ["user_id"], unique=False
    )
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column(
                "email_verified_at", app.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
    # Accounts made before confirmation existed keep signing in.
    op.execute('UPDATE "user" SET email_verified_at = created_at')


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("email_verified_at")
    op.drop_index(op.f("ix_email_confirmation_user_id"), table_name="email_confirmation")
    op.drop_table("email_confirmation")
    op.drop_index(op.f("ix_retired_refresh_token_session_id"), table_name="retired_refresh_token")
    op.drop_table("retired_refresh_token")
    op.drop_index(op.f("ix_password_reset_token_user_id"), table_name="password_reset_token")
    op.drop_table("password_reset_token")
