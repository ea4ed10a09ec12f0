"""district programme rounds: nominations, reviews, 公示 objections and awards (issue 16)

Revision ID: 3f70a9c41d27
Revises: 3c5d0b2e7f41
Create Date: 2026-12-07 11:00:00+00:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "3f70a9c41d27"
down_revision: str | None = "3c5d0b2e7f41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHANGNING_PLAN = "《长宁区科技创新人才集聚发展“十四五”规划》"
# The districts' named programmes (plan figures sourced where the plan gives one).
PROGRAMMES = [
    {
        "district": "yangpu",
        "code": "outstanding_talent",
        "name_zh": "杨浦区杰出人才",
        "name_en": "Yangpu outstanding talent",
        "register_code": "district_outstanding",
        "plan_quota": None,
        "quota_status": "assumed",
        "quota_basis": "《杨浦区人才发展“十四五”规划》四(三)：优化区级杰出人才荣誉评选机制"
        "（未列名额）",
        "policy_id": "yangpu.outstanding_talent",
        "self_nomination": False,
    },
    {
        "district": "changning",
        "code": "leading_talent",
        "name_zh": "长宁区领军人才",
        "name_en": "Changning leading talent",
        "register_code": "district_leading",
        "plan_quota": 100,
        "quota_status": "sourced",
        "quota_basis": _CHANGNING_PLAN + "四(二)1：“十四五”期间选拔培养各行业领军人才不少于100名",
        "policy_id": "changning.leading_talent",
        "self_nomination": False,
    },
    {
        "district": "changning",
        "code": "young_innovator",
        "name_zh": "长宁区青年创新英才",
        "name_en": "Changning young innovative talent",
        "register_code": "district_young_innovator",
        "plan_quota": 200,
        "quota_status": "sourced",
        "quota_basis": _CHANGNING_PLAN + "四(一)3：遴选200名左右各领域青年人才",
        "policy_id": "changning.young_innovator",
        # Assumed: the plan does not say who nominates; a young person may apply themselves.
        "self_nomination": True,
    },
]


def _ts() -> list[sa.Column[datetime]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    programme = op.create_table(
        "talent_programme",
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("register_code", sa.String(length=40), nullable=False),
        sa.Column("plan_quota", sa.Integer(), nullable=True),
        sa.Column("quota_status", sa.String(length=10), nullable=False),
        sa.Column("quota_basis", sa.String(length=300), nullable=True),
        sa.Column("policy_id", sa.String(length=80), nullable=False),
        sa.Column("self_nomination", sa.Boolean(), nullable=False),
        *_ts(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_programme")),
        sa.UniqueConstraint("district", "code", name="uq_talent_programme_code"),
    )
    op.create_table(
        "programme_round",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("quota_assumed", sa.Boolean(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("policy_id", sa.String(length=80), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("reviewers_per_nomination", sa.Integer(), nullable=False),
        sa.Column("grant_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("grant_assumed", sa.Boolean(), nullable=False),
        sa.Column("award_title_zh", sa.String(length=100), nullable=False),
        sa.Column("award_title_en", sa.String(length=200), nullable=False),
        sa.Column("valid_years", sa.Integer(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("notice_from", sa.Date(), nullable=True),
        sa.Column("notice_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        *_ts(),
        sa.CheckConstraint(
            "status IN ('open','reviewing','decided','notice','awarded')",
            name=op.f("ck_programme_round_status"),
        ),
        sa.CheckConstraint("closes_on >= opens_on", name=op.f("ck_programme_round_window")),
        sa.CheckConstraint("quota > 0", name=op.f("ck_programme_round_quota")),
        sa.CheckConstraint(
            "reviewers_per_nomination >= 1", name=op.f("ck_programme_round_reviewers")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["talent_programme.id"],
            name=op.f("fk_programme_round_programme_id_talent_programme"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["user.id"],
            name=op.f("fk_programme_round_created_by_user_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_round")),
    )
    op.create_index("ix_programme_round_programme_id", "programme_round", ["programme_id"])
    op.create_index("ix_programme_round_district", "programme_round", ["district"])
    op.create_table(
        "programme_nomination",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("organisation_code", sa.String(length=18), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("nominated_by_user_id", sa.Uuid(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("statement", sa.String(length=2000), nullable=False),
        sa.Column("eligibility", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("total_score", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("awarded_on", sa.Date(), nullable=True),
        sa.Column("register_entry_id", sa.Uuid(), nullable=True),
        *_ts(),
        sa.CheckConstraint(
            "status IN ('in_review','scored','proposed','not_selected','withdrawn_by_objection',"
            "'awarded')",
            name=op.f("ck_programme_nomination_status"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["programme_round.id"],
            name=op.f("fk_programme_nomination_round_id_programme_round"),
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
            name=op.f("fk_programme_nomination_applicant_id_applicant"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employer.id"],
            name=op.f("fk_programme_nomination_employer_id_employer"),
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_user_id"],
            ["user.id"],
            name=op.f("fk_programme_nomination_nominated_by_user_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["register_entry_id"],
            ["talent_register_entry.id"],
            name=op.f("fk_programme_nomination_register_entry_id_talent_register_entry"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_nomination")),
        sa.UniqueConstraint("round_id", "applicant_id", name="uq_programme_nomination_person"),
    )
    op.create_index("ix_programme_nomination_round_id", "programme_nomination", ["round_id"])
    op.create_index(
        "ix_programme_nomination_applicant_id", "programme_nomination", ["applicant_id"]
    )
    op.create_index(
        "ix_programme_nomination_org", "programme_nomination", ["employer_id", "round_id"]
    )
    op.create_table(
        "programme_reviewer_declaration",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_codes", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        *_ts(),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["programme_round.id"],
            name=op.f("fk_programme_reviewer_declaration_round_id_programme_round"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_member.id"],
            name=op.f("fk_programme_reviewer_declaration_staff_id_staff_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_reviewer_declaration")),
        sa.UniqueConstraint("round_id", "staff_id", name="uq_programme_reviewer_declaration"),
    )
    op.create_table(
        "programme_review",
        sa.Column("nomination_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_by_user_id", sa.Uuid(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.Column("total", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("submitted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        *_ts(),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["programme_nomination.id"],
            name=op.f("fk_programme_review_nomination_id_programme_nomination"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_member.id"],
            name=op.f("fk_programme_review_staff_id_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_user_id"],
            ["user.id"],
            name=op.f("fk_programme_review_assigned_by_user_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_review")),
        sa.UniqueConstraint("nomination_id", "staff_id", name="uq_programme_review_reviewer"),
    )
    op.create_index("ix_programme_review_nomination_id", "programme_review", ["nomination_id"])
    op.create_index("ix_programme_review_staff_id", "programme_review", ["staff_id"])
    op.create_table(
        "programme_objection",
        sa.Column("nomination_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("objector_name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("grounds", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("decision_reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        *_ts(),
        sa.CheckConstraint(
            "status IN ('open','upheld','dismissed')", name=op.f("ck_programme_objection_status")
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["programme_nomination.id"],
            name=op.f("fk_programme_objection_nomination_id_programme_nomination"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"],
            ["user.id"],
            name=op.f("fk_programme_objection_decided_by_user_id_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_objection")),
    )
    op.create_index(
        "ix_programme_objection_nomination_id", "programme_objection", ["nomination_id"]
    )
    now = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)
    op.bulk_insert(
        programme,
        [
            {
                **p,
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"programme:{p['district']}:{p['code']}"),
                "created_at": now,
                "updated_at": now,
            }
            for p in PROGRAMMES
        ],
    )


def downgrade() -> None:
    op.drop_table("programme_objection")
    op.drop_table("programme_review")
    op.drop_table("programme_reviewer_declaration")
    op.drop_table("programme_nomination")
    op.drop_table("programme_round")
    op.drop_table("talent_programme")
