"""organisation accounts: verification, roles, invitations, the named credit code (issue 15)

Existing employers were made by staff or the demo and stay verified; their users keep the one
role they had in effect (admin), and count as having confirmed their email (an administrator
made them).

Revision ID: a646843f59be
Revises: 7c1a9e3d5b20
Create Date: 2026-12-07 01:10:00+00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "a646843f59be"
down_revision: str | None = "7c1a9e3d5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = app.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("employer") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=20), server_default="verified", nullable=False)
        )
        batch.add_column(
            sa.Column("org_type", sa.String(length=30), server_default="enterprise", nullable=False)
        )
        batch.add_column(sa.Column("registered_capital_cny", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("industry", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("licence_storage_key", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("licence_name", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("licence_content_type", sa.String(length=50), nullable=True))
        batch.add_column(sa.Column("licence_sha256", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_employer_status"), ["status"])
    with op.batch_alter_table("employer_user") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=20), server_default="admin", nullable=False)
        )
    with op.batch_alter_table("service_case") as batch:
        batch.add_column(sa.Column("employer_uscc", sa.String(length=18), nullable=True))
        batch.create_index(batch.f("ix_service_case_employer_uscc"), ["employer_uscc"])
    op.execute(
        'UPDATE "user" SET email_verified_at = created_at '
        "WHERE kind = 'employer' AND email_verified_at IS NULL"
    )
    _name_the_codes_of_open_cases()

    op.create_table(
        "organisation_review",
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("licence_sha256", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", _UTC, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["user.id"], name=op.f("fk_organisation_review_actor_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_organisation_review_employer_id_employer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_review")),
    )
    with op.batch_alter_table("organisation_review") as batch:
        batch.create_index(batch.f("ix_organisation_review_employer_id"), ["employer_id"])

    op.create_table(
        "organisation_invitation",
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("totp_secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("invited_by_user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("expires_at", _UTC, nullable=False),
        sa.Column("used_at", _UTC, nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_organisation_invitation_employer_id_employer"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_user_id"],
            ["user.id"],
            name=op.f("fk_organisation_invitation_invited_by_user_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_organisation_invitation_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_organisation_invitation_token_hash")),
    )
    with op.batch_alter_table("organisation_invitation") as batch:
        batch.create_index(batch.f("ix_organisation_invitation_employer_id"), ["employer_id"])

    op.create_table(
        "employer_referral",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("email_masked", sa.String(length=254), nullable=True),
        sa.Column("mobile_masked", sa.String(length=20), nullable=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["service_case.id"], name=op.f("fk_employer_referral_case_id_service_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_referral")),
    )
    with op.batch_alter_table("employer_referral") as batch:
        batch.create_index(batch.f("ix_employer_referral_case_id"), ["case_id"])
        batch.create_index(batch.f("ix_employer_referral_uscc"), ["uscc"])


def _name_the_codes_of_open_cases() -> None:
    """Cases submitted before this revision that name a code no organisation had keep it on
    the case, so they attach to the organisation when it registers and is verified."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT c.id, a.answers FROM service_case c JOIN application a "
            "ON a.id = c.application_id WHERE c.employer_id IS NULL AND c.closed_at IS NULL"
        )
    ).all()
    for case_id, answers in rows:
        found = (json.loads(answers) if isinstance(answers, str) else answers or {}).get(
            "employer_uscc"
        )
        if isinstance(found, str) and len(found) == 18:
            conn.execute(
                sa.text("UPDATE service_case SET employer_uscc = :code WHERE id = :id"),
                {"code": found, "id": case_id},
            )


def downgrade() -> None:
    op.drop_table("employer_referral")
    op.drop_table("organisation_invitation")
    op.drop_table("organisation_review")
    with op.batch_alter_table("service_case") as batch:
        batch.drop_index(batch.f("ix_service_case_employer_uscc"))
        batch.drop_column("employer_uscc")
    with op.batch_alter_table("employer_user") as batch:
        batch.drop_column("role")
    with op.batch_alter_table("employer") as batch:
        batch.drop_index(batch.f("ix_employer_status"))
        for column in (
            "licence_sha256",
            "licence_content_type",
            "licence_name",
            "licence_storage_key",
            "industry",
            "registered_capital_cny",
            "org_type",
            "status",
        ):
            batch.drop_column(column)
