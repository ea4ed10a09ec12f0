"""indicators: the plans' indicator figures, evaluation snapshots (frozen once published by
a trigger on both databases) and refresh times

Revision ID: c4e9a1f7d2b6
Revises: 8d1c5e7b3a90
Create Date: 2026-12-06 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "c4e9a1f7d2b6"
down_revision: str | None = "8d1c5e7b3a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_refresh",
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("refreshed_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("by_user", sa.Uuid(), nullable=True),
        sa.Column("values_written", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user"], ["user.id"], name=op.f("fk_indicator_refresh_by_user_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_refresh")),
    )
    with op.batch_alter_table("indicator_refresh", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indicator_refresh_district"), ["district"], unique=False
        )

    op.create_table(
        "indicator_snapshot",
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("corrects_id", sa.Uuid(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("drafted_by", sa.Uuid(), nullable=True),
        sa.Column("drafted_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("edited_by", sa.Uuid(), nullable=True),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("approved_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column("published_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('annual','mid_term')", name=op.f("ck_indicator_snapshot_kind")
        ),
        sa.CheckConstraint(
            "status IN ('draft','approved','published')", name=op.f("ck_indicator_snapshot_status")
        ),
        sa.CheckConstraint(
            "version = 1 OR (correction_reason IS NOT NULL AND length(correction_reason) > 0)",
            name=op.f("ck_indicator_snapshot_correction_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["user.id"], name=op.f("fk_indicator_snapshot_approved_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["indicator_snapshot.id"],
            name=op.f("fk_indicator_snapshot_corrects_id_indicator_snapshot"),
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by"], ["user.id"], name=op.f("fk_indicator_snapshot_drafted_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["edited_by"], ["user.id"], name=op.f("fk_indicator_snapshot_edited_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["user.id"], name=op.f("fk_indicator_snapshot_published_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_snapshot")),
        sa.UniqueConstraint(
            "district",
            "kind",
            "year",
            "version",
            name=op.f("uq_indicator_snapshot_district_kind_year_version"),
        ),
    )
    op.create_table(
        "indicator_value",
        sa.Column("indicator", sa.String(length=30), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=True),
        sa.Column("quarter_key", sa.Integer(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("entered_by", sa.Uuid(), nullable=True),
        sa.Column("entered_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "origin IN ('computed','recorded')", name=op.f("ck_indicator_value_origin")
        ),
        sa.CheckConstraint(
            "status IN ('pending','confirmed','rejected')", name=op.f("ck_indicator_value_status")
        ),
        sa.CheckConstraint("length(source) > 0", name=op.f("ck_indicator_value_source")),
        sa.CheckConstraint(
            "quarter IS NULL OR quarter BETWEEN 1 AND 4", name=op.f("ck_indicator_value_quarter")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user.id"], name=op.f("fk_indicator_value_decided_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["user.id"], name=op.f("fk_indicator_value_entered_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_value")),
    )
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index(
            "ix_indicator_value_district", ["district", "indicator", "year"], unique=False
        )
        batch_op.create_index(
            "uq_indicator_value_computed",
            ["indicator", "year", "quarter_key"],
            unique=True,
            postgresql_where=sa.text("origin = 'computed'"),
            sqlite_where=sa.text("origin = 'computed'"),
        )

    op.create_table(
        "indicator_snapshot_item",
        sa.Column("snapshot_id", sa.Uuid(), nullable=False),
        sa.Column("indicator", sa.String(length=30), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("expected", sa.Double(), nullable=True),
        sa.Column("progress", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("narrative_zh", sa.Text(), nullable=False),
        sa.Column("narrative_en", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["indicator_snapshot.id"],
            name=op.f("fk_indicator_snapshot_item_snapshot_id_indicator_snapshot"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_snapshot_item")),
        sa.UniqueConstraint(
            "snapshot_id",
            "indicator",
            name=op.f("uq_indicator_snapshot_item_snapshot_id_indicator"),
        ),
    )
    _create_freeze_triggers()


_FROZEN = "published evaluation snapshots never change; publish a correction instead"
_ITEM_PUBLISHED = (
    "(SELECT status FROM indicator_snapshot WHERE id = {row}.snapshot_id) = 'published'"
)


def _create_freeze_triggers() -> None:
    """A published snapshot and its items refuse every change, whoever writes to the database
    (the service refuses first, with a message for the person)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION indicator_snapshot_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "IF TG_TABLE_NAME = 'indicator_snapshot' THEN "
            "  IF OLD.status = 'published' THEN "
            f"    RAISE EXCEPTION '{_FROZEN}'; END IF; "
            "ELSIF TG_OP = 'INSERT' THEN "
            f"  IF {_ITEM_PUBLISHED.format(row='NEW')} THEN RAISE EXCEPTION '{_FROZEN}'; END IF; "
            f"ELSIF {_ITEM_PUBLISHED.format(row='OLD')} THEN RAISE EXCEPTION '{_FROZEN}'; "
            "END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER indicator_snapshot_frozen BEFORE UPDATE OR DELETE "
            "ON indicator_snapshot FOR EACH ROW EXECUTE FUNCTION indicator_snapshot_frozen()"
        )
        op.execute(
            "CREATE TRIGGER indicator_snapshot_item_frozen BEFORE INSERT OR UPDATE OR DELETE "
            "ON indicator_snapshot_item FOR EACH ROW EXECUTE FUNCTION indicator_snapshot_frozen()"
        )
        return
    raise_ = f"BEGIN SELECT RAISE(ABORT, '{_FROZEN}'); END"
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER indicator_snapshot_frozen_{event.lower()} BEFORE {event} "
            f"ON indicator_snapshot WHEN OLD.status = 'published' {raise_}"
        )
    for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
        op.execute(
            f"CREATE TRIGGER indicator_snapshot_item_frozen_{event.lower()} BEFORE {event} "
            f"ON indicator_snapshot_item WHEN {_ITEM_PUBLISHED.format(row=row)} {raise_}"
        )


def _drop_freeze_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS indicator_snapshot_frozen ON indicator_snapshot")
        op.execute(
            "DROP TRIGGER IF EXISTS indicator_snapshot_item_frozen ON indicator_snapshot_item"
        )
        op.execute("DROP FUNCTION IF EXISTS indicator_snapshot_frozen()")
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS indicator_snapshot_frozen_{event}")
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS indicator_snapshot_item_frozen_{event}")


def downgrade() -> None:
    _drop_freeze_triggers()
    op.drop_table("indicator_snapshot_item")
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_indicator_value_computed",
            postgresql_where=sa.text("origin = 'computed'"),
            sqlite_where=sa.text("origin = 'computed'"),
        )
        batch_op.drop_index("ix_indicator_value_district")

    op.drop_table("indicator_value")
    op.drop_table("indicator_snapshot")
    with op.batch_alter_table("indicator_refresh", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_refresh_district"))

    op.drop_table("indicator_refresh")
