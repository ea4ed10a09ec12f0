"""service points and appointments at their counters (issue 17, point 1)

Revision ID: 3c7e91a4d2b8
Revises: 5c1e0a7d3b92
Create Date: 2026-12-07 03:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "3c7e91a4d2b8"
down_revision: str | None = "5c1e0a7d3b92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HOLDS_SEAT = "status IN ('booked','checked_in','no_show')"


def upgrade() -> None:
    op.create_table(
        "service_point",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("address_zh", sa.String(length=300), nullable=False),
        sa.Column("address_en", sa.String(length=300), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("counters", sa.Integer(), nullable=False),
        sa.Column("service_codes", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('window','talent_station','youth_station','priority_window')",
            name=op.f("ck_service_point_kind"),
        ),
        sa.CheckConstraint("counters BETWEEN 1 AND 50", name=op.f("ck_service_point_counters")),
        sa.CheckConstraint(
            "slot_minutes BETWEEN 5 AND 240", name=op.f("ck_service_point_slot_minutes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_point")),
        sa.UniqueConstraint("code", name=op.f("uq_service_point_code")),
    )
    with op.batch_alter_table("service_point", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_point_district"), ["district"], unique=False)

    op.create_table(
        "appointment",
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("service_code", sa.String(length=60), nullable=True),
        sa.Column("slot_start", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("slot_end", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seat_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("checked_in_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('booked','checked_in','no_show','cancelled')",
            name=op.f("ck_appointment_status"),
        ),
        sa.CheckConstraint(
            "case_id IS NOT NULL OR service_code IS NOT NULL",
            name=op.f("ck_appointment_case_or_service"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicant.id"], name=op.f("fk_appointment_applicant_id_applicant")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
            name=op.f("fk_appointment_case_id_service_case"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["checked_in_by"],
            ["staff_member.id"],
            name=op.f("fk_appointment_checked_in_by_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["point_id"], ["service_point.id"], name=op.f("fk_appointment_point_id_service_point")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_applicant_id"), ["applicant_id"], unique=False
        )
        batch_op.create_index("ix_appointment_day", ["point_id", "slot_start"], unique=False)
    op.create_index(
        "uq_appointment_seat",
        "appointment",
        ["point_id", "slot_start", "seat_no"],
        unique=True,
        postgresql_where=sa.text(_HOLDS_SEAT),
        sqlite_where=sa.text(_HOLDS_SEAT),
    )
    op.create_index(
        "uq_appointment_person_slot",
        "appointment",
        ["applicant_id", "slot_start"],
        unique=True,
        postgresql_where=sa.text("status = 'booked'"),
        sqlite_where=sa.text("status = 'booked'"),
    )


def downgrade() -> None:
    op.drop_index("uq_appointment_person_slot", table_name="appointment")
    op.drop_index("uq_appointment_seat", table_name="appointment")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_day")
        batch_op.drop_index(batch_op.f("ix_appointment_applicant_id"))
    op.drop_table("appointment")
    with op.batch_alter_table("service_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_point_district"))
    op.drop_table("service_point")
