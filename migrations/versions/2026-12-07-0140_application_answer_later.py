"""questions an applicant chose to answer later (issue 21, item 5)

Revision ID: 16fd387eb441
Revises: 85ae2b12e811
Create Date: 2026-12-07 01:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "16fd387eb441"
down_revision: str | None = "85ae2b12e811"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.add_column(
            sa.Column("answer_later", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.drop_column("answer_later")
