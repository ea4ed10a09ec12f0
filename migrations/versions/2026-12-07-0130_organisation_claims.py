"""organisations as case parties: claim lines and organisation services (issue 15)

A case is filed by a person or by an organisation (exactly one); services filed by
organisations are marked; the lines of their batch claims carry what may be paid once
(a certificate, a person placed, a base's month) under one unique constraint.

Revision ID: 85ae2b12e811
Revises: 88bfaa4b6a75
Create Date: 2026-12-07 01:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "85ae2b12e811"
down_revision: str | None = "88bfaa4b6a75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN_BENEFIT_CASE = (
    "benefit IS NOT NULL AND parent_id IS NULL AND status NOT IN ("
    "'not_accepted', 'rejected', 'withdrawn', 'terminated', 'revoked', 'closed', 'cancelled')"
)


def upgrade() -> None:
    # SQLite rebuilds the table for these alters; the partial index is dropped around it so
    # the copy does not lose its WHERE clause.
    op.drop_index("uq_service_case_open_benefit", table_name="service_case")
    with op.batch_alter_table("service_case") as batch:
        batch.alter_column("applicant_id", existing_type=sa.Uuid(), nullable=True)
        batch.create_check_constraint(
            "one_party", "(applicant_id IS NULL) <> (organisation_id IS NULL)"
        )
    op.create_index(
        "uq_service_case_open_benefit",
        "service_case",
        ["applicant_id", "benefit"],
        unique=True,
        postgresql_where=sa.text(_OPEN_BENEFIT_CASE),
        sqlite_where=sa.text(_OPEN_BENEFIT_CASE),
    )
    with op.batch_alter_table("service") as batch:
        batch.add_column(
            sa.Column("for_organisations", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "claim_line",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("claim_key", sa.String(length=120), nullable=True),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("person_id_index", sa.String(length=64), nullable=True),
        sa.Column("person_id_masked", sa.String(length=40), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("amount_cny", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["service_case.id"], name=op.f("fk_claim_line_case_id_service_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_line")),
        sa.UniqueConstraint("kind", "claim_key", name="uq_claim_line_kind_claim_key"),
    )
    op.create_index(op.f("ix_claim_line_case_id"), "claim_line", ["case_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_line_case_id"), table_name="claim_line")
    op.drop_table("claim_line")
    with op.batch_alter_table("service") as batch:
        batch.drop_column("for_organisations")
    op.drop_index("uq_service_case_open_benefit", table_name="service_case")
    with op.batch_alter_table("service_case") as batch:
        batch.drop_constraint(op.f("ck_service_case_one_party"), type_="check")
        batch.alter_column("applicant_id", existing_type=sa.Uuid(), nullable=False)
    op.create_index(
        "uq_service_case_open_benefit",
        "service_case",
        ["applicant_id", "benefit"],
        unique=True,
        postgresql_where=sa.text(_OPEN_BENEFIT_CASE),
        sqlite_where=sa.text(_OPEN_BENEFIT_CASE),
    )
