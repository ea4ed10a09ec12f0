"""retention rules on services, destruction lists and legal holds (issue 22)

Revision ID: 4e2b9d7a1c63
Revises: 16fd387eb441
Create Date: 2026-12-07 02:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "4e2b9d7a1c63"
down_revision: str | None = "16fd387eb441"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "destruction_list",
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proposed_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_by", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("approved_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("destroyed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["user.id"], name=op.f("fk_destruction_list_approved_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["user.id"], name=op.f("fk_destruction_list_submitted_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_list")),
        sa.UniqueConstraint("number", name=op.f("uq_destruction_list_number")),
    )
    with op.batch_alter_table("destruction_list", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_destruction_list_district"), ["district"], unique=False
        )
        batch_op.create_index(
            "uq_destruction_list_open",
            ["district"],
            unique=True,
            postgresql_where=sa.text("status IN ('draft', 'submitted')"),
            sqlite_where=sa.text("status IN ('draft', 'submitted')"),
        )

    op.create_table(
        "destruction_list_item",
        sa.Column("list_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("case_number", sa.String(length=30), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("service_code", sa.String(length=60), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("retention_from", sa.Date(), nullable=False),
        sa.Column("retention_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.Column("removed_by", sa.Uuid(), nullable=True),
        sa.Column("removed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("destroyed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("destroyed", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["destruction_list.id"],
            name=op.f("fk_destruction_list_item_list_id_destruction_list"),
        ),
        sa.ForeignKeyConstraint(
            ["removed_by"], ["user.id"], name=op.f("fk_destruction_list_item_removed_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_list_item")),
        sa.UniqueConstraint(
            "list_id", "case_id", name=op.f("uq_destruction_list_item_list_id_case_id")
        ),
    )
    with op.batch_alter_table("destruction_list_item", schema=None) as batch_op:
        batch_op.create_index("ix_destruction_list_item_case", ["case_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_destruction_list_item_list_id"), ["list_id"], unique=False
        )

    op.create_table(
        "legal_hold",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.Uuid(), nullable=False),
        sa.Column("placed_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.Uuid(), nullable=True),
        sa.Column("released_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["service_case.id"], name=op.f("fk_legal_hold_case_id_service_case")
        ),
        sa.ForeignKeyConstraint(
            ["placed_by"], ["user.id"], name=op.f("fk_legal_hold_placed_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["released_by"], ["user.id"], name=op.f("fk_legal_hold_released_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hold")),
    )
    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_legal_hold_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "uq_legal_hold_active",
            ["case_id"],
            unique=True,
            postgresql_where=sa.text("released_at IS NULL"),
            sqlite_where=sa.text("released_at IS NULL"),
        )

    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("retention")

    with op.batch_alter_table("legal_hold", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_legal_hold_active",
            postgresql_where=sa.text("released_at IS NULL"),
            sqlite_where=sa.text("released_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_legal_hold_case_id"))

    op.drop_table("legal_hold")
    with op.batch_alter_table("destruction_list_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_destruction_list_item_list_id"))
        batch_op.drop_index("ix_destruction_list_item_case")

    op.drop_table("destruction_list_item")
    with op.batch_alter_table("destruction_list", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_destruction_list_open",
            postgresql_where=sa.text("status IN ('draft', 'submitted')"),
            sqlite_where=sa.text("status IN ('draft', 'submitted')"),
        )
        batch_op.drop_index(batch_op.f("ix_destruction_list_district"))

    op.drop_table("destruction_list")
