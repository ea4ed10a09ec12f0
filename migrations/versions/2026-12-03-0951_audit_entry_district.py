"""audit entry district

Revision ID: 5f1c2a9d7e30
Revises: 3d4debe326cc
Create Date: 2026-12-03 09:51:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f1c2a9d7e30"
down_revision: str | None = "3d4debe326cc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows keep hash_version 1 and a null district: their hashes were computed
    # without either district column and must keep verifying.
    # Plain ADD COLUMN, not a batch copy: copying the table on SQLite would drop its
    # append-only triggers.
    op.add_column("audit_entry", sa.Column("district", sa.String(length=20), nullable=True))
    op.add_column(
        "audit_entry",
        sa.Column("hash_version", sa.SmallInteger(), server_default="1", nullable=False),
    )
    op.create_index("ix_audit_entry_district_seq", "audit_entry", ["district", "seq"])
    op.create_index("ix_audit_entry_actor_district_seq", "audit_entry", ["actor_district", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_entry_actor_district_seq", table_name="audit_entry")
    op.drop_index("ix_audit_entry_district_seq", table_name="audit_entry")
    op.drop_column("audit_entry", "hash_version")
    op.drop_column("audit_entry", "district")
