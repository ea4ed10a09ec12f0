"""a partial index on the cases flagged for Changning's 高层次人才服务专窗 (issue 20)

Changning's first queue page reads the flagged cases first; without an index of their own
PostgreSQL walked the district's cases by deadline looking for them (about 250 ms at 1M cases).

Revision ID: 7d2c4b1e9a30
Revises: 12083b05a6f6
Create Date: 2026-12-07 11:05:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2c4b1e9a30"
down_revision: str | None = "12083b05a6f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_case_queue_priority",
        "service_case",
        ["district", "deadline_date", "id"],
        unique=False,
        postgresql_where=sa.text("priority"),
        sqlite_where=sa.text("priority"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_queue_priority", table_name="service_case")
