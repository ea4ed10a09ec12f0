"""audit chain head keeps the hash it replaced, so one statement appends an entry

Revision ID: 4f0a6d2c8e15
Revises: 7b3e91c4d2a8
Create Date: 2026-12-06 03:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f0a6d2c8e15"
down_revision: str | None = "7b3e91c4d2a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch:
        batch.drop_column("prev_hash")
