"""the onboarding bundle's further decisions: the R-visa invitation letter and the
recommendation for permanent residence (review and decision), and the employer's fast-track
nomination of urgently needed talent with the district's answer (issue 18, points 2 and 3)

Revision ID: 5c1e7a0b3d73
Revises: 0372a9d1c4e7
Create Date: 2026-12-07 10:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "5c1e7a0b3d73"
down_revision: str | None = "0372a9d1c4e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onboarding_letter",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reviewed_by", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('r_visa_invitation','pr_recommendation')",
            name=op.f("ck_onboarding_letter_kind"),
        ),
        sa.CheckConstraint(
            "state IN ('reviewed','issued')", name=op.f("ck_onboarding_letter_state")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
            name=op.f("fk_onboarding_letter_case_id_service_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["user.id"], name=op.f("fk_onboarding_letter_reviewed_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name=op.f("fk_onboarding_letter_decided_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["issued_document.id"],
            name=op.f("fk_onboarding_letter_document_id_issued_document"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_letter")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_onboarding_letter_case_id_kind")),
    )
    op.create_table(
        "onboarding_fast_track",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("shortage_field", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("nominated_by", sa.Uuid(), nullable=False),
        sa.Column("nominated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('nominated','endorsed','declined')",
            name=op.f("ck_onboarding_fast_track_status"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
            name=op.f("fk_onboarding_fast_track_case_id_service_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_onboarding_fast_track_employer_id_employer"),
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by"], ["user.id"], name=op.f("fk_onboarding_fast_track_nominated_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name=op.f("fk_onboarding_fast_track_decided_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_fast_track")),
        sa.UniqueConstraint("case_id", name=op.f("uq_onboarding_fast_track_case_id")),
    )


def downgrade() -> None:
    op.drop_table("onboarding_fast_track")
    op.drop_table("onboarding_letter")
