"""the onboarding bundle's housing route (talent apartment offered or rent subsidy) and its
linked schooling consultation (issue 18)

Revision ID: 0372a9d1c4e7
Revises: a16c0371e5b2
Create Date: 2026-12-07 11:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0372a9d1c4e7"
down_revision: str | None = "a16c0371e5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("onboarding_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("housing_route", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("schooling_application_id", sa.Uuid(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_onboarding_record_housing_route"),
            "housing_route IN ('apartment','rent_subsidy')",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_onboarding_record_schooling_application_id_application"),
            "application",
            ["schooling_application_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("onboarding_record", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_onboarding_record_schooling_application_id_application"),
            type_="foreignkey",
        )
        batch_op.drop_constraint(batch_op.f("ck_onboarding_record_housing_route"), type_="check")
        batch_op.drop_column("schooling_application_id")
        batch_op.drop_column("housing_route")
