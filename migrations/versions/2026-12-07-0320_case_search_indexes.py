"""staff case search at 1M cases: masked ID and name-prefix indexes on applicant (issue 20)

Revision ID: 5c1e0a7d3b92
Revises: fb2ad2eb2425
Create Date: 2026-12-07 03:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e0a7d3b92"
down_revision: str | None = "fb2ad2eb2425"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_applicant_id_number_masked"), "applicant", ["id_number_masked"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        # text_pattern_ops: a prefix LIKE uses the index whatever the database's collation.
        op.execute(
            "CREATE INDEX ix_applicant_name_prefix ON applicant (lower(full_name) text_pattern_ops)"
        )
    else:
        op.create_index(
            "ix_applicant_name_prefix", "applicant", [sa.text("lower(full_name)")], unique=False
        )


def downgrade() -> None:
    op.drop_index("ix_applicant_name_prefix", table_name="applicant")
    op.drop_index(op.f("ix_applicant_id_number_masked"), table_name="applicant")
