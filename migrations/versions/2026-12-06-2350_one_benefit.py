"""one benefit, paid once: the benefit a service grants (held once at a time per person), on
the service, its cases and its enrolments, with partial unique indexes over the open cases and
the current enrolments

Revision ID: 9e4c1b7a2d58
Revises: 9e2b7c4d1a63
Create Date: 2026-12-06 23:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4c1b7a2d58"
down_revision: str | None = "9e2b7c4d1a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.cases.FINAL_CASE_STATUSES at this revision.
_FINAL = "('not_accepted', 'rejected', 'withdrawn', 'terminated', 'revoked', 'closed', 'cancelled')"
_OPEN_CASE = f"benefit IS NOT NULL AND parent_id IS NULL AND status NOT IN {_FINAL}"
_CURRENT_ENROLMENT = "benefit IS NOT NULL AND status <> 'ended'"


def upgrade() -> None:
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("benefit", sa.String(40), nullable=True))
    with op.batch_alter_table("service_case") as batch:
        batch.add_column(sa.Column("benefit", sa.String(40), nullable=True))
    with op.batch_alter_table("subsidy_enrolment") as batch:
        batch.add_column(sa.Column("benefit", sa.String(40), nullable=True))

    # The shipped catalog's monthly housing allowances (app/catalog/services.yaml).
    op.execute(
        "UPDATE service SET benefit = 'housing_allowance' "
        "WHERE code IN ('rent_subsidy', 'returnee_apartment_subsidy')"
    )
    # Existing cases and enrolments take their service's benefit, except where the person
    # already holds it twice (the double payments this revision stops): only the earliest open
    # case and the earliest current enrolment carry it, so the indexes can be built; the
    # others are shown to staff as overlapping and paid at most once by the payment cycle.
    op.execute(
        "UPDATE service_case SET benefit = "
        "(SELECT s.benefit FROM service s WHERE s.id = service_case.service_id) "
        f"WHERE parent_id IS NULL AND (status IN {_FINAL} OR id = ("
        "SELECT c.id FROM service_case c JOIN service s ON s.id = c.service_id "
        "JOIN service own ON own.id = service_case.service_id "
        "WHERE c.applicant_id = service_case.applicant_id AND s.benefit = own.benefit "
        f"AND c.parent_id IS NULL AND c.status NOT IN {_FINAL} "
        "ORDER BY c.submitted_at, c.id LIMIT 1))"
    )
    op.execute(
        "UPDATE subsidy_enrolment SET benefit = ("
        "SELECT s.benefit FROM service_case c JOIN service s ON s.id = c.service_id "
        "WHERE c.id = subsidy_enrolment.case_id) "
        "WHERE status = 'ended' OR id = ("
        "SELECT e.id FROM subsidy_enrolment e "
        "JOIN service_case c ON c.id = e.case_id JOIN service s ON s.id = c.service_id "
        "JOIN service_case own_case ON own_case.id = subsidy_enrolment.case_id "
        "JOIN service own ON own.id = own_case.service_id "
        "WHERE e.applicant_id = subsidy_enrolment.applicant_id AND s.benefit = own.benefit "
        "AND e.status <> 'ended' ORDER BY e.created_at, e.id LIMIT 1)"
    )

    op.create_index(
        "uq_service_case_open_benefit",
        "service_case",
        ["applicant_id", "benefit"],
        unique=True,
        postgresql_where=sa.text(_OPEN_CASE),
        sqlite_where=sa.text(_OPEN_CASE),
    )
    op.create_index(
        "uq_subsidy_enrolment_benefit",
        "subsidy_enrolment",
        ["applicant_id", "benefit"],
        unique=True,
        postgresql_where=sa.text(_CURRENT_ENROLMENT),
        sqlite_where=sa.text(_CURRENT_ENROLMENT),
    )


def downgrade() -> None:
    op.drop_index("uq_subsidy_enrolment_benefit", table_name="subsidy_enrolment")
    op.drop_index("uq_service_case_open_benefit", table_name="service_case")
    with op.batch_alter_table("subsidy_enrolment") as batch:
        batch.drop_column("benefit")
    with op.batch_alter_table("service_case") as batch:
        batch.drop_column("benefit")
    with op.batch_alter_table("service") as batch:
        batch.drop_column("benefit")
