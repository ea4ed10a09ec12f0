"""audit log: TRUNCATE refused on PostgreSQL; a window per caller and route for audited refusals

Revision ID: 9e2b7c4d1a63
Revises: 5b7e2d9c1a43
Create Date: 2026-12-06 23:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "9e2b7c4d1a63"
down_revision: str | None = "5b7e2d9c1a43"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refusal_window",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("started_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("suppressed", sa.Integer(), nullable=False),
        sa.Column("carried", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_refusal_window")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The row triggers refuse UPDATE and DELETE; TRUNCATE fires no row trigger, so a
        # statement trigger refuses it (on the chain head too, which verification compares
        # with). SQLite has no TRUNCATE; `audit verify` finds a log shorter than its head.
        op.execute(
            """
            CREATE FUNCTION audit_no_truncate() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in ("audit_entry", "audit_chain_head"):
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("audit_entry", "audit_chain_head"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_no_truncate()")
    op.drop_table("refusal_window")
