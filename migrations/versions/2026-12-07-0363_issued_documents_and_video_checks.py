"""issued documents (verifiable result documents) and video checks on cases (issue 17, point 5)

Revision ID: a7d24e9b1c63
Revises: cb6d883c1155
Create Date: 2026-12-07 07:43:49.864020+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "a7d24e9b1c63"
down_revision: str | None = "cb6d883c1155"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A written decision in the wallet was put there by the portal, not by a user.
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column("uploaded_by_user_id", existing_type=sa.Uuid(), nullable=True)
    op.create_table(
        "issued_document",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_ref", sa.String(length=80), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("applicant_id", sa.Uuid(), nullable=True),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("issued_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("public", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("rendered_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("render_attempts", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','issued')", name=op.f("ck_issued_document_status")
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_issued_document_applicant_id_applicant"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
            name=op.f("fk_issued_document_case_id_service_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_issued_document_document_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_document")),
        sa.UniqueConstraint(
            "kind", "subject_ref", name=op.f("uq_issued_document_kind_subject_ref")
        ),
        sa.UniqueConstraint("token", name=op.f("uq_issued_document_token")),
    )
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_document_applicant_id"), ["applicant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_issued_document_case_id"), ["case_id"], unique=False)

    op.create_table(
        "video_check",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("scheduled_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("scheduled_by_user_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('verified','failed','no_show')",
            name=op.f("ck_video_check_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
            name=op.f("fk_video_check_case_id_service_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scheduled_by_user_id"],
            ["user.id"],
            name=op.f("fk_video_check_scheduled_by_user_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_member.id"], name=op.f("fk_video_check_staff_id_staff_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_check")),
    )
    with op.batch_alter_table("video_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_check_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("video_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_check_case_id"))

    op.drop_table("video_check")
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_document_case_id"))
        batch_op.drop_index(batch_op.f("ix_issued_document_applicant_id"))

    op.drop_table("issued_document")
    op.execute("DELETE FROM document WHERE uploaded_by_user_id IS NULL")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column("uploaded_by_user_id", existing_type=sa.Uuid(), nullable=False)
