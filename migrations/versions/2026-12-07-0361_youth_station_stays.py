"""youth-station beds, stays and the nights each bed is taken (issue 17, point 2)

Revision ID: 05b84c8ce445
Revises: 53f4852b9073
Create Date: 2026-12-07 03:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "05b84c8ce445"
down_revision: str | None = "53f4852b9073"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAMPS = ("created_at", "updated_at")


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column(name, app.models.base.UTCDateTime(timezone=True), nullable=False)
        for name in _STAMPS
    ]


def upgrade() -> None:
    op.create_table(
        "station_bed",
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("room", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_stamps(),
        sa.CheckConstraint("gender IN ('any','female','male')", name=op.f("ck_station_bed_gender")),
        sa.ForeignKeyConstraint(
            ["point_id"], ["service_point.id"], name=op.f("fk_station_bed_point_id_service_point")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_bed")),
        sa.UniqueConstraint("point_id", "label", name="uq_station_bed_label"),
    )
    with op.batch_alter_table("station_bed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_bed_point_id"), ["point_id"], unique=False)

    op.create_table(
        "youth_station_stay",
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column("bed_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("first_night", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("guest_gender", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("checked_in_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.Uuid(), nullable=True),
        sa.Column("checked_out_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("checked_out_by", sa.Uuid(), nullable=True),
        sa.Column("released_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_stamps(),
        sa.CheckConstraint(
            "status IN ('booked','checked_in','checked_out','no_show','cancelled')",
            name=op.f("ck_youth_station_stay_status"),
        ),
        sa.CheckConstraint("days BETWEEN 1 AND 31", name=op.f("ck_youth_station_stay_days")),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_youth_station_stay_applicant_id_applicant"),
        ),
        sa.ForeignKeyConstraint(
            ["bed_id"], ["station_bed.id"], name=op.f("fk_youth_station_stay_bed_id_station_bed")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["service_case.id"],
            name=op.f("fk_youth_station_stay_case_id_service_case"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["checked_in_by"],
            ["staff_member.id"],
            name=op.f("fk_youth_station_stay_checked_in_by_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["checked_out_by"],
            ["staff_member.id"],
            name=op.f("fk_youth_station_stay_checked_out_by_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["service_point.id"],
            name=op.f("fk_youth_station_stay_point_id_service_point"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_youth_station_stay")),
    )
    with op.batch_alter_table("youth_station_stay", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_youth_station_stay_applicant_id"), ["applicant_id"], unique=False
        )
        batch_op.create_index(
            "ix_youth_station_stay_day", ["point_id", "first_night"], unique=False
        )

    # The overbooking guard: one row per bed and night, so two stays can never hold the same.
    op.create_table(
        "station_bed_night",
        sa.Column("bed_id", sa.Uuid(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("stay_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bed_id"], ["station_bed.id"], name=op.f("fk_station_bed_night_bed_id_station_bed")
        ),
        sa.ForeignKeyConstraint(
            ["stay_id"],
            ["youth_station_stay.id"],
            name=op.f("fk_station_bed_night_stay_id_youth_station_stay"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bed_id", "night", name=op.f("pk_station_bed_night")),
    )
    with op.batch_alter_table("station_bed_night", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_bed_night_stay_id"), ["stay_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("station_bed_night", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_bed_night_stay_id"))
    op.drop_table("station_bed_night")
    with op.batch_alter_table("youth_station_stay", schema=None) as batch_op:
        batch_op.drop_index("ix_youth_station_stay_day")
        batch_op.drop_index(batch_op.f("ix_youth_station_stay_applicant_id"))
    op.drop_table("youth_station_stay")
    with op.batch_alter_table("station_bed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_bed_point_id"))
    op.drop_table("station_bed")
