"""calendar revision: a counter that triggers bump on every change to calendar_day

Revision ID: 8d1c5e7b3a90
Revises: 4f0a6d2c8e15
Create Date: 2026-12-06 03:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d1c5e7b3a90"
down_revision: str | None = "4f0a6d2c8e15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "calendar_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_revision")),
    )
    op.execute("INSERT INTO calendar_revision (id, revision) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION calendar_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE calendar_revision SET revision = revision + 1 WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER calendar_day_changed AFTER INSERT OR UPDATE OR DELETE "
            "OR TRUNCATE ON calendar_day "
            "FOR EACH STATEMENT EXECUTE FUNCTION calendar_revision_bump()"
        )
    else:
        for event in _EVENTS:
            op.execute(
                f"CREATE TRIGGER calendar_day_{event.lower()} AFTER {event} ON calendar_day "
                "BEGIN UPDATE calendar_revision SET revision = revision + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS calendar_day_changed ON calendar_day")
        op.execute("DROP FUNCTION IF EXISTS calendar_revision_bump()")
    else:
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS calendar_day_{event.lower()}")
    op.drop_table("calendar_revision")
