"""spouse question on housing forms

Revision ID: 7b3e91c4d2a8
Revises: 9c4e2b7a1f63
Create Date: 2026-12-03 10:46:00+00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b3e91c4d2a8"
down_revision: str | None = "9c4e2b7a1f63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SERVICES = ("talent_apartment", "rent_subsidy")
_QUESTION = {"field": "spouse_id_number"}

service = sa.table(
    "service",
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("form", sa.JSON()),
)


def _forms() -> list[tuple[object, list[dict[str, object]]]]:
    rows = op.get_bind().execute(
        sa.select(service.c.id, service.c.form).where(service.c.code.in_(_SERVICES))
    )
    return [(i, json.loads(f) if isinstance(f, str) else list(f or [])) for i, f in rows]


def upgrade() -> None:
    # Catalogs loaded before the question existed ask it too (appended once, after the facts;
    # the rest of an admin's form stays as it is).
    for service_id, form in _forms():
        if _QUESTION not in form:
            op.get_bind().execute(
                service.update().where(service.c.id == service_id).values(form=[*form, _QUESTION])
            )


def downgrade() -> None:
    for service_id, form in _forms():
        if _QUESTION in form:
            kept = [q for q in form if q != _QUESTION]
            op.get_bind().execute(
                service.update().where(service.c.id == service_id).values(form=kept)
            )
