"""separation of duties: who reviewed a case (四眼原则) and the per-service admin setting that
lets the reviewer decide too

Revision ID: 5b7e2d9c1a43
Revises: c4e9a1f7d2b6
Create Date: 2026-12-06 23:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b7e2d9c1a43"
down_revision: str | None = "c4e9a1f7d2b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_case") as batch:
        batch.add_column(sa.Column("reviewer_staff_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(
            "fk_service_case_reviewer_staff_id_staff_member",
            "staff_member",
            ["reviewer_staff_id"],
            ["id"],
        )
    with op.batch_alter_table("service") as batch:
        batch.add_column(
            sa.Column(
                "reviewer_may_decide", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.drop_column("reviewer_may_decide")
    with op.batch_alter_table("service_case") as batch:
        batch.drop_constraint("fk_service_case_reviewer_staff_id_staff_member", type_="foreignkey")
        batch.drop_column("reviewer_staff_id")
