"""a case's decided one-off amount and the organisation that files it (issue 15)

Revision ID: 7c1a9e3d5b20
Revises: 5b8d2e6f1a47
Create Date: 2026-12-07 01:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1a9e3d5b20"
down_revision: str | None = "5b8d2e6f1a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_case") as batch:
        batch.add_column(sa.Column("decided_amount_cny", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("organisation_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_service_case_organisation_id_employer"),
            "employer",
            ["organisation_id"],
            ["id"],
        )
        batch.create_index(batch.f("ix_service_case_organisation_id"), ["organisation_id"])


def downgrade() -> None:
    with op.batch_alter_table("service_case") as batch:
        batch.drop_index(batch.f("ix_service_case_organisation_id"))
        batch.drop_constraint(
            batch.f("fk_service_case_organisation_id_employer"), type_="foreignkey"
        )
        batch.drop_column("organisation_id")
        batch.drop_column("decided_amount_cny")
