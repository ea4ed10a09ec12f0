"""the talent register: verified programme memberships, awards and classifications (issue 16)

Revision ID: 052e9980a7ea
Revises: a7d24e9b1c63
Create Date: 2026-12-07 07:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "052e9980a7ea"
down_revision: str | None = "a7d24e9b1c63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "talent_register_entry",
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("programme", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=True),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("organisation_code", sa.String(length=18), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("evidence_document_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source IN ('award','certification','outside_record')",
            name=op.f("ck_talent_register_entry_source"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= granted_on",
            name=op.f("ck_talent_register_entry_valid_span"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_talent_register_entry_applicant_id_applicant"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
            name=op.f("fk_talent_register_entry_case_id_service_case"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_document_id"],
            ["document.id"],
            name=op.f("fk_talent_register_entry_evidence_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["user.id"],
            name=op.f("fk_talent_register_entry_recorded_by_user_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_register_entry")),
    )
    with op.batch_alter_table("talent_register_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_talent_register_entry_organisation_code"),
            ["organisation_code"],
            unique=False,
        )
        batch_op.create_index(
            "ix_talent_register_search", ["district", "programme", "granted_on"], unique=False
        )
        batch_op.create_index(
            "ix_talent_register_person", ["applicant_id", "valid_until"], unique=False
        )
    op.create_index(
        "uq_talent_register_case",
        "talent_register_entry",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text("case_id IS NOT NULL"),
        sqlite_where=sa.text("case_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_talent_register_case", table_name="talent_register_entry")
    with op.batch_alter_table("talent_register_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_talent_register_person")
        batch_op.drop_index("ix_talent_register_search")
        batch_op.drop_index(batch_op.f("ix_talent_register_entry_organisation_code"))
    op.drop_table("talent_register_entry")
