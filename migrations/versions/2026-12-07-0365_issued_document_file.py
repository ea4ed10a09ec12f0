"""issued documents for organisations: the file of a document no wallet holds

Revision ID: 1ede0edaecd1
Revises: 052e9980a7ea
Create Date: 2026-12-07 08:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1ede0edaecd1"
down_revision: str | None = "052e9980a7ea"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("storage_key", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_column("storage_key")
