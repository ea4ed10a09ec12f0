"""verification and follow-up outcomes

Revision ID: 7b3e9c1d4a52
Revises: 2e61b91ab86b
Create Date: 2026-12-03 10:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b3e9c1d4a52"
down_revision: str | None = "2e61b91ab86b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("done_by_user_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_schedule_done_by_user_id_user"), "user", ["done_by_user_id"], ["id"]
        )
    with op.batch_alter_table("follow_up_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_by_user_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_follow_up_task_resolved_by_user_id_user"),
            "user",
            ["resolved_by_user_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("follow_up_task", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_follow_up_task_resolved_by_user_id_user"), type_="foreignkey"
        )
        batch_op.drop_column("resolved_by_user_id")
    with op.batch_alter_table("case_schedule", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_schedule_done_by_user_id_user"), type_="foreignkey"
        )
        batch_op.drop_column("done_by_user_id")
        batch_op.drop_column("note")
        batch_op.drop_column("outcome")
